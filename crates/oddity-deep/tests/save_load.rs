//! Saving and loading every registered deep detector: a loaded detector scores bit for bit
//! as the fitted one, and bytes that are cut short or belong to another detector are errors.

mod common;

use common::{odds, params, series, windows};
use ndarray::s;
use oddity_core::{Dataset, DetectorEntry, FitContext, FittedDetector, ParamValue, Params};

const SERIES: &str = "nab/labeled/artificialWithAnomaly/art_daily_jumpsup.csv";

/// Window length of the sequence models' data (a multiple of 4 for the CNN).
const W: usize = 16;

/// The detectors that read flattened windows.
fn windowed(name: &str) -> bool {
    matches!(name, "lstm_autoencoder" | "cnn_autoencoder")
}

/// Small settings for a short fit: 2 epochs and, where the detector has them, narrow layers.
/// A detector not listed here is fitted with its defaults and 2 epochs.
fn small(name: &str) -> Params {
    use ParamValue::{Bool, Int, Str};
    let text = |v: &str| Str(v.to_string());
    let mut p = vec![("epochs", Int(2)), ("batch_size", Int(32))];
    match name {
        "autoencoder" => p.extend([("hidden", text("16,8")), ("batch_norm", Bool(true))]),
        "vae" => p.extend([("hidden", text("16,8")), ("batch_norm", Bool(true))]),
        "deepsvdd" => p.push(("hidden", text("16,8"))),
        "lstm_autoencoder" => p.extend([("hidden", Int(8)), ("layers", Int(2))]),
        "cnn_autoencoder" => p.extend([("channels", Int(4)), ("kernel", Int(5))]),
        _ => {}
    }
    params(&p)
}

/// Training and test data for `name`: 300 and 200 rows of cardio, or windows of a NAB series
/// (stride 4 for training, stride 1 for the test part) for the sequence models.
fn data(name: &str) -> (Dataset, Dataset) {
    if windowed(name) {
        let (v, _) = series(SERIES);
        return (windows(&v[..1200], W, 4), windows(&v[1200..1500], W, 1));
    }
    let (all, _) = odds("cardio");
    let part = |rows| Dataset::from_features("cardio", all.features.slice(rows).to_owned());
    (part(s![..300, ..]), part(s![300..500, ..]))
}

/// A detector fitted with `given` on its training data, and its test data.
fn fitted(entry: &DetectorEntry, given: &Params) -> (Box<dyn FittedDetector>, Dataset) {
    let (train, test) = data(entry.name);
    let (_, detector) = entry.instantiate(given).unwrap();
    let ctx = FitContext::new(5).with_threads(2);
    (detector.fit(&train, &ctx).unwrap_or_else(|e| panic!("{}: {e}", entry.name)), test)
}

/// Saves `fitted`, loads it through `entry`, and checks that the scores (and per-step errors
/// where the detector gives them) are bit-identical; returns the saved bytes.
fn assert_round_trip(
    entry: &DetectorEntry,
    fitted: &dyn FittedDetector,
    test: &Dataset,
) -> Vec<u8> {
    let name = entry.name;
    let bytes = fitted.save().unwrap_or_else(|e| panic!("{name}: save: {e}"));
    let loaded = entry.load_fitted(&bytes).unwrap_or_else(|e| panic!("{name}: load: {e}"));
    let bits = |v: &mut dyn Iterator<Item = &f64>| v.map(|x| x.to_bits()).collect::<Vec<_>>();
    let (a, b) = (fitted.score(test).unwrap(), loaded.score(test).unwrap());
    assert_eq!(a.len(), test.n_rows(), "{name}");
    assert_eq!(bits(&mut a.iter()), bits(&mut b.iter()), "{name}: scores differ after loading");
    match (fitted.score_steps(test), loaded.score_steps(test)) {
        (None, None) => assert!(!windowed(name), "{name} gives no per-step errors"),
        (Some(a), Some(b)) => {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.dim(), (test.n_rows(), W), "{name}");
            assert_eq!(bits(&mut a.iter()), bits(&mut b.iter()), "{name}: step errors differ");
        }
        _ => panic!("{name}: the loaded detector gives per-step errors differently"),
    }
    bytes
}

/// Every registered detector, fitted small, and the bytes of its saved state.
fn saved_states() -> Vec<(DetectorEntry, Vec<u8>)> {
    oddity_deep::detectors()
        .into_iter()
        .map(|entry| {
            let (fitted, test) = fitted(&entry, &small(entry.name));
            let bytes = assert_round_trip(&entry, fitted.as_ref(), &test);
            (entry, bytes)
        })
        .collect()
}

#[test]
fn save_every_detector_and_load_bit_identical_scores() {
    let names: Vec<&str> = saved_states().iter().map(|(e, _)| e.name).collect();
    assert_eq!(names.len(), oddity_deep::detectors().len());
}

#[test]
fn save_autoencoder_with_and_without_batch_norm() {
    let entry = oddity_deep::detector("autoencoder").unwrap();
    for batch_norm in [true, false] {
        let mut given = small("autoencoder");
        given.0.insert("batch_norm".into(), ParamValue::Bool(batch_norm));
        let (fitted, test) = fitted(&entry, &given);
        let bytes = assert_round_trip(&entry, fitted.as_ref(), &test);
        // The running statistics travel with the weights (the test data's scores above use
        // them: the network scores in evaluation mode).
        let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
        assert_eq!(has(b"running_mean"), batch_norm);
        assert_eq!(has(b"running_var"), batch_norm);
    }
}

#[test]
fn save_cut_short_or_of_another_detector_fails_to_load() {
    let states = saved_states();
    for (entry, bytes) in &states {
        let name = entry.name;
        let n = bytes.len();
        for cut in [0, 1, 8, n / 3, n / 2, n - 100, n - 1] {
            assert!(entry.load_fitted(&bytes[..cut]).is_err(), "{name}: {cut} of {n} bytes loaded");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(entry.load_fitted(&long).is_err(), "{name}: a trailing byte was accepted");
        let text = oddity_core::state::encode(&"not a state").unwrap();
        assert!(entry.load_fitted(&text).is_err(), "{name}: loaded a text");
        for (other, other_bytes) in &states {
            if other.name == name {
                continue;
            }
            let err = entry.load_fitted(other_bytes).err();
            let err = err.unwrap_or_else(|| panic!("{name} loaded the state of {}", other.name));
            assert!(err.to_string().contains(other.name), "{name} ← {}: {err}", other.name);
        }
    }
}
