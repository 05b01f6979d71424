//! Saving and loading a fitted detector's state: the bytes a [`FittedDetector`] hands to
//! [`FittedDetector::save`] and its registry entry's `load` reads back.
//!
//! Detectors encode their state with [`encode`] (CBOR through serde: every `f64` is kept
//! bit for bit, NaN and infinities included) and decode it with [`decode`], so a loaded
//! detector scores exactly as the one that was saved. The envelope around these bytes (the
//! oddity version, the preprocessing, the detector's name) belongs to the caller.
//!
//! [`FittedDetector`]: crate::FittedDetector
//! [`FittedDetector::save`]: crate::FittedDetector::save

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Error;

/// Encodes `state` as CBOR bytes.
pub fn encode<T: Serialize + ?Sized>(state: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    ciborium::into_writer(state, &mut out).map_err(|e| Error::State(format!("encode: {e}")))?;
    Ok(out)
}

/// Decodes a state written by [`encode`]; `what` names it in the error (e.g. the detector).
///
/// Truncated bytes, bytes of another type or trailing data are errors, never a panic.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Error> {
    let mut reader = bytes;
    let value = ciborium::from_reader(&mut reader)
        .map_err(|e| Error::State(format!("{what}: the saved state does not decode ({e})")))?;
    if !reader.is_empty() {
        return Err(Error::State(format!(
            "{what}: {} bytes of unexpected data after the saved state",
            reader.len()
        )));
    }
    Ok(value)
}

/// Encodes `state` after the tag `kind` (e.g. the fitted type's name), so that the state
/// of one detector is never taken for another's of the same shape.
pub fn encode_tagged<T: Serialize + ?Sized>(kind: &str, state: &T) -> Result<Vec<u8>, Error> {
    encode(&(kind, state))
}

/// Decodes a state written by [`encode_tagged`] with the tag `kind`; another tag is an
/// error naming both (whatever the other state's shape).
pub fn decode_tagged<T: DeserializeOwned>(bytes: &[u8], kind: &str) -> Result<T, Error> {
    // The tag first, so that another kind's state is named even where its fields would not
    // decode as `T`.
    let (tag, _): (String, serde::de::IgnoredAny) = decode(bytes, kind)?;
    if tag != kind {
        return Err(Error::State(format!("the saved state is a `{tag}`, not a `{kind}`")));
    }
    let (_, state): (String, T) = decode(bytes, kind)?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct S {
        a: Vec<f64>,
        k: usize,
    }

    #[test]
    fn round_trip_keeps_every_bit() {
        let s = S { a: vec![0.1, -0.0, f64::INFINITY, f64::MIN_POSITIVE / 3.0, 1e300], k: 7 };
        let back: S = decode(&encode(&s).unwrap(), "s").unwrap();
        assert_eq!(back.k, 7);
        for (x, y) in s.a.iter().zip(&back.a) {
            assert_eq!(x.to_bits(), y.to_bits());
        }
        let nan: Vec<f64> = decode(&encode(&vec![f64::NAN]).unwrap(), "nan").unwrap();
        assert!(nan[0].is_nan());
    }

    #[test]
    fn truncated_wrong_type_and_trailing_bytes_are_errors() {
        let bytes = encode(&S { a: vec![1.0; 10], k: 3 }).unwrap();
        let e = decode::<S>(&bytes[..bytes.len() - 5], "knn").unwrap_err();
        assert!(
            e.to_string().starts_with("model state: knn: the saved state does not decode"),
            "{e}"
        );
        assert!(decode::<S>(&encode(&"text").unwrap(), "knn").is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode::<S>(&long, "knn").unwrap_err().to_string().contains("unexpected data"));
    }

    #[test]
    fn tags_keep_states_of_the_same_shape_apart() {
        let s = S { a: vec![2.0], k: 1 };
        let bytes = encode_tagged("Knn", &s).unwrap();
        assert_eq!(decode_tagged::<S>(&bytes, "Knn").unwrap(), s);
        let e = decode_tagged::<S>(&bytes, "Lof").unwrap_err();
        assert_eq!(e.to_string(), "model state: the saved state is a `Knn`, not a `Lof`");
    }
}
