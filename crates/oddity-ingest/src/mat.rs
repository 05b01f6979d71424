//! MATLAB Level-5 MAT-files (the ODDS originals), variables `X` and `y`.
//!
//! Layout (MathWorks, "MAT-File Format", Level 5): a 128-byte header whose last two
//! bytes (`IM` or `MI`) give the byte order, then data elements. Each element has an
//! 8-byte tag (type, size) or, when the size fits in 4 bytes, a 4-byte "small" tag
//! whose upper 2 bytes hold the size. Elements are padded to 8 bytes, except that a
//! top-level `miCOMPRESSED` element (a zlib stream wrapping one `miMATRIX`) is not.
//! A numeric `miMATRIX` holds array flags, dimensions, a name and the real part in
//! column-major order, stored as any numeric type.

use std::io::Read;
use std::path::Path;

use crate::error::{IngestError, IngestErrorKind};
use crate::npz::{matrix_table, Dtype, NdArray};
use crate::table::Table;
use crate::ReadOptions;

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;

/// A variable's name, and its values or the reason they cannot be read.
pub(crate) type Variable = (String, Result<NdArray, MatError>);

/// Why a MAT-file, or one variable in it, cannot be read. The message is the
/// detail of an [`IngestErrorKind::Unreadable`] error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MatError {
    /// Occurs when the file is a MATLAB v7.3 (HDF5) file.
    #[error("MATLAB v7.3 (HDF5) files are not supported; re-save with -v7")]
    V73,
    /// Occurs when the file is shorter than the 128-byte header.
    #[error("file too short for a MAT-file header")]
    TooShort,
    /// Occurs when the header's byte-order mark is neither `IM` nor `MI` (e.g. a
    /// v4 file).
    #[error("not a MATLAB 5 MAT-file (bad header; v4 files are not supported)")]
    BadHeader,
    /// Occurs when the zlib stream of an `miCOMPRESSED` element is damaged.
    #[error("cannot inflate a compressed element: {0}")]
    Inflate(std::io::Error),
    /// Occurs when the data ends inside an element's tag.
    #[error("truncated element tag")]
    TruncatedTag,
    /// Occurs when a small element announces more than 4 bytes.
    #[error("malformed small element at byte {0}")]
    MalformedSmallElement(usize),
    /// Occurs when an element announces more bytes than remain.
    #[error("truncated element at byte {at}: {size} bytes announced, file ends first")]
    TruncatedElement {
        /// The byte offset of the element's tag.
        at: usize,
        /// The size announced.
        size: usize,
    },
    /// Occurs when an `miMATRIX` element is empty.
    #[error("empty array")]
    EmptyArray,
    /// Occurs when an array has no array-flags subelement.
    #[error("array without flags")]
    NoFlags,
    /// Occurs when the array flags are not an `miUINT32` word.
    #[error("malformed array flags")]
    MalformedFlags,
    /// Occurs when an array has no dimensions subelement.
    #[error("array without dimensions")]
    NoDimensions,
    /// Occurs when the dimensions are not `miINT32` values.
    #[error("malformed array dimensions")]
    MalformedDimensions,
    /// Occurs when an array has no name subelement.
    #[error("array without a name")]
    NoName,
    /// Occurs when the name is not `miINT8` or `miUINT8` text.
    #[error("malformed array name")]
    MalformedName,
    /// Occurs when a dimension is negative.
    #[error("negative dimension {0}")]
    NegativeDimension(i32),
    /// Occurs when the variable is a cell array.
    #[error("a cell array is not a numeric matrix")]
    Cell,
    /// Occurs when the variable is a struct.
    #[error("a struct is not a numeric matrix")]
    Struct,
    /// Occurs when the variable is an object.
    #[error("an object is not a numeric matrix")]
    Object,
    /// Occurs when the variable is a char array.
    #[error("a char array is not a numeric matrix")]
    Char,
    /// Occurs when the variable is a sparse matrix.
    #[error("sparse matrices are not supported; store it as a full matrix")]
    Sparse,
    /// Occurs when the variable is a complex matrix.
    #[error("complex matrices are not supported")]
    Complex,
    /// Occurs when the array class is none of the numeric ones (6 to 15).
    #[error("array class {0} is not a numeric matrix")]
    OtherClass(u32),
    /// Occurs when a numeric array has no real-part subelement.
    #[error("numeric array without data")]
    NoData,
    /// Occurs when the real part is stored as a type other than a numeric one.
    #[error("unsupported data type {0}")]
    UnsupportedDataType(u32),
    /// Occurs when the number of elements of the dimensions overflows.
    #[error("shape too large")]
    ShapeTooLarge,
    /// Occurs when the real part's bytes do not match the dimensions.
    #[error("{len} bytes of data for shape {shape:?} ({count} values of {size} bytes)")]
    DataSize {
        /// The bytes of data present.
        len: usize,
        /// The dimensions.
        shape: Vec<usize>,
        /// The number of values the dimensions need.
        count: usize,
        /// The size of one value in bytes.
        size: usize,
    },
}

/// Reads `X` (n × d) and `y` (n × 1) from a MAT-file.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let bytes = std::fs::read(path).map_err(|e| IngestError::io(path, &e))?;
    if bytes.is_empty() {
        return Err(IngestError::new(path, IngestErrorKind::Empty));
    }
    let mut variables = parse_mat(&bytes).map_err(|e| IngestError::unreadable(path, e))?;
    let names: Vec<String> = variables.iter().map(|(n, _)| n.clone()).collect();
    // The first variable of each name, taken out once.
    let mut take =
        |wanted: &str| -> Result<Option<NdArray>, IngestError> {
            match variables.iter().position(|(n, _)| n == wanted) {
                None => Ok(None),
                Some(i) => variables.swap_remove(i).1.map(Some).map_err(|e| {
                    IngestError::unreadable(path, format!("variable `{wanted}`: {e}"))
                }),
            }
        };
    let x = take("X")?.ok_or_else(|| {
        IngestError::unreadable(path, format!("no variable `X` (variables: {})", names.join(", ")))
    })?;
    let y = match opts.label {
        Some(_) => Some(take("y")?.ok_or_else(|| {
            IngestError::new(path, IngestErrorKind::LabelMissing { available: names.clone() })
                .column("y")
        })?),
        None => None,
    };
    matrix_table(path, name, opts, x, y)
}

/// Every variable of the file by name, each decoded or with the reason it cannot be.
/// Fails only when the file itself is malformed.
pub(crate) fn parse_mat(bytes: &[u8]) -> Result<Vec<Variable>, MatError> {
    if bytes.starts_with(b"MATLAB 7.3") || bytes.get(512..516) == Some(b"\x89HDF") {
        return Err(MatError::V73);
    }
    let header = bytes.get(..128).ok_or(MatError::TooShort)?;
    let big = match &header[126..128] {
        b"IM" => false,
        b"MI" => true,
        _ => return Err(MatError::BadHeader),
    };
    let mut out = Vec::new();
    let mut top = Elements { data: bytes, pos: 128, big };
    while let Some((ty, payload)) = top.next()? {
        match ty {
            MI_MATRIX => out.push(parse_matrix(payload, big)?),
            MI_COMPRESSED => {
                let mut inflated = Vec::new();
                flate2::read::ZlibDecoder::new(payload)
                    .read_to_end(&mut inflated)
                    .map_err(MatError::Inflate)?;
                let mut inner = Elements { data: &inflated, pos: 0, big };
                while let Some((ty, payload)) = inner.next()? {
                    if ty == MI_MATRIX {
                        out.push(parse_matrix(payload, big)?);
                    }
                }
            }
            // Other top-level elements (e.g. subsystem data) hold no variable.
            _ => {}
        }
    }
    Ok(out)
}

/// A cursor over consecutive data elements.
struct Elements<'a> {
    data: &'a [u8],
    pos: usize,
    big: bool,
}

impl<'a> Elements<'a> {
    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    /// The next element's type and payload; `None` at the end (trailing bytes
    /// shorter than a tag are padding).
    fn next(&mut self) -> Result<Option<(u32, &'a [u8])>, MatError> {
        if self.data.len().saturating_sub(self.pos) < 8 {
            self.pos = self.data.len();
            return Ok(None);
        }
        let at = self.pos;
        let first = self.u32_at(at).ok_or(MatError::TruncatedTag)?;
        if first >> 16 != 0 {
            // Small element: type in the lower, size in the upper 2 bytes; data in
            // the next 4 bytes.
            let (ty, size) = (first & 0xffff, (first >> 16) as usize);
            if size > 4 {
                return Err(MatError::MalformedSmallElement(at));
            }
            self.pos = at + 8;
            return Ok(Some((ty, &self.data[at + 4..at + 4 + size])));
        }
        let size = self.u32_at(at + 4).ok_or(MatError::TruncatedTag)? as usize;
        let start = at + 8;
        let end = start
            .checked_add(size)
            .filter(|&e| e <= self.data.len())
            .ok_or(MatError::TruncatedElement { at, size })?;
        self.pos = if first == MI_COMPRESSED { end } else { end.next_multiple_of(8) };
        Ok(Some((first, &self.data[start..end])))
    }
}

/// The name of an `miMATRIX` element, and its values or the reason it cannot be read.
fn parse_matrix(payload: &[u8], big: bool) -> Result<Variable, MatError> {
    if payload.is_empty() {
        return Ok((String::new(), Err(MatError::EmptyArray)));
    }
    let mut e = Elements { data: payload, pos: 0, big };
    let (ty, flags) = e.next()?.ok_or(MatError::NoFlags)?;
    let flags = Elements { data: flags, pos: 0, big }.u32_at(0);
    let flags = flags.filter(|_| ty == MI_UINT32).ok_or(MatError::MalformedFlags)?;
    let (ty, dims) = e.next()?.ok_or(MatError::NoDimensions)?;
    if ty != MI_INT32 || dims.len() % 4 != 0 {
        return Err(MatError::MalformedDimensions);
    }
    let (ty, name) = e.next()?.ok_or(MatError::NoName)?;
    if ty != MI_INT8 && ty != MI_UINT8 {
        return Err(MatError::MalformedName);
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let shape = dims
        .chunks_exact(4)
        .map(|c| {
            let b = [c[0], c[1], c[2], c[3]];
            let d = if big { i32::from_be_bytes(b) } else { i32::from_le_bytes(b) };
            usize::try_from(d).map_err(|_| MatError::NegativeDimension(d))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let values = match flags & 0xff {
        1 => Err(MatError::Cell),
        2 => Err(MatError::Struct),
        3 => Err(MatError::Object),
        4 => Err(MatError::Char),
        5 => Err(MatError::Sparse),
        6..=15 if flags & 0x0800 != 0 => Err(MatError::Complex),
        6..=15 => real_part(&mut e, big, shape),
        class => Err(MatError::OtherClass(class)),
    };
    Ok((name, values))
}

/// The real part of a numeric array, converted to `f64` in C order.
fn real_part(e: &mut Elements<'_>, big: bool, shape: Vec<usize>) -> Result<NdArray, MatError> {
    let (ty, data) = e.next()?.ok_or(MatError::NoData)?;
    let dtype = match ty {
        MI_INT8 => Dtype::I1,
        MI_UINT8 => Dtype::U1,
        MI_INT16 => Dtype::I2,
        MI_UINT16 => Dtype::U2,
        MI_INT32 => Dtype::I4,
        MI_UINT32 => Dtype::U4,
        MI_SINGLE => Dtype::F4,
        MI_DOUBLE => Dtype::F8,
        MI_INT64 => Dtype::I8,
        MI_UINT64 => Dtype::U8,
        other => return Err(MatError::UnsupportedDataType(other)),
    };
    let size = dtype.size();
    let count = shape
        .iter()
        .try_fold(1_usize, |acc, &d| acc.checked_mul(d))
        .ok_or(MatError::ShapeTooLarge)?;
    if data.len() / size != count || data.len() % size != 0 {
        return Err(MatError::DataSize { len: data.len(), shape, count, size });
    }
    let values = dtype.decode(data, !big);
    Ok(NdArray { fortran_order: shape.len() > 1, shape, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data element with an 8-byte tag, padded to 8 bytes.
    fn element(ty: u32, data: &[u8], big: bool) -> Vec<u8> {
        let word = |v: u32| if big { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut out = word(ty).to_vec();
        out.extend_from_slice(&word(u32::try_from(data.len()).unwrap()));
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(8), 0);
        out
    }

    /// `(name, class and flags, dimensions, data type, data)` of one variable.
    type Spec<'a> = (&'a str, u32, &'a [i32], u32, Vec<u8>);

    /// A MAT-file holding one uncompressed `miMATRIX` per variable.
    fn mat_file(vars: &[Spec<'_>], big: bool) -> Vec<u8> {
        let mut out = b"MATLAB 5.0 MAT-file, written by oddity tests".to_vec();
        out.resize(124, b' ');
        out.extend_from_slice(if big { &[1, 0] } else { &[0, 1] });
        out.extend_from_slice(if big { b"MI" } else { b"IM" });
        for (name, flags, dims, ty, data) in vars {
            let word = |v: u32| if big { v.to_be_bytes() } else { v.to_le_bytes() };
            let mut body = element(MI_UINT32, &[word(*flags), word(0)].concat(), big);
            let dims: Vec<u8> = dims
                .iter()
                .flat_map(|d| if big { d.to_be_bytes() } else { d.to_le_bytes() })
                .collect();
            body.extend(element(MI_INT32, &dims, big));
            body.extend(element(MI_INT8, name.as_bytes(), big));
            body.extend(element(*ty, data, big));
            out.extend(element(MI_MATRIX, &body, big));
        }
        out
    }

    #[test]
    fn big_endian_files_with_integer_storage_read() {
        // X = [[1, 2], [3, 4]] stored column-major as miINT16; y = [0; 1] as miUINT8.
        let x: Vec<u8> = [1_i16, 3, 2, 4].iter().flat_map(|v| v.to_be_bytes()).collect();
        let file = mat_file(
            &[("X", 6, &[2, 2], MI_INT16, x), ("y", 6, &[2, 1], MI_UINT8, vec![0, 1])],
            true,
        );
        let vars = parse_mat(&file).unwrap();
        assert_eq!(vars[0].0, "X");
        // Column-major, as stored.
        assert_eq!(vars[0].1.as_ref().unwrap().values, [1.0, 3.0, 2.0, 4.0]);
        assert!(vars[0].1.as_ref().unwrap().fortran_order);
        assert_eq!(vars[1].1.as_ref().unwrap().shape, [2, 1]);
    }

    #[test]
    fn small_elements_are_read() {
        // A name of at most 4 bytes may use the small format: size in the upper bytes.
        let mut file =
            mat_file(&[("X", 6, &[1, 1], MI_DOUBLE, 2.5_f64.to_le_bytes().to_vec())], false);
        // Rewrite the name element (8-byte tag + "X" padded) as a small element.
        let name_at = 128 + 8 + 16 + 16;
        let small = (1_u32 << 16) | MI_INT8;
        file[name_at..name_at + 4].copy_from_slice(&small.to_le_bytes());
        file[name_at + 4..name_at + 8].copy_from_slice(b"X\0\0\0");
        // The name now takes 8 bytes instead of 16: drop 8 bytes and fix the size.
        file.drain(name_at + 8..name_at + 16);
        let size = u32::from_le_bytes(file[132..136].try_into().unwrap()) - 8;
        file[132..136].copy_from_slice(&size.to_le_bytes());
        let vars = parse_mat(&file).unwrap();
        assert_eq!(vars[0].0, "X");
        assert_eq!(vars[0].1.as_ref().unwrap().values, [2.5]);
    }

    #[test]
    fn sparse_complex_and_cells_are_refused_per_variable() {
        let file = mat_file(
            &[
                ("S", 5, &[1, 1], MI_DOUBLE, vec![0; 8]),
                ("C", 6 | 0x0800, &[1, 1], MI_DOUBLE, vec![0; 8]),
                ("A", 1, &[1, 1], MI_DOUBLE, vec![0; 8]),
            ],
            false,
        );
        let vars = parse_mat(&file).unwrap();
        assert!(matches!(vars[0].1, Err(MatError::Sparse)), "{:?}", vars[0].1);
        assert!(vars[0].1.as_ref().unwrap_err().to_string().contains("sparse"));
        assert!(matches!(vars[1].1, Err(MatError::Complex)), "{:?}", vars[1].1);
        assert!(vars[1].1.as_ref().unwrap_err().to_string().contains("complex"));
        assert!(matches!(vars[2].1, Err(MatError::Cell)), "{:?}", vars[2].1);
        assert!(vars[2].1.as_ref().unwrap_err().to_string().contains("cell"));
    }

    #[test]
    fn version_7_3_is_named() {
        let mut file = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00".to_vec();
        file.resize(600, 0);
        let err = parse_mat(&file).unwrap_err();
        assert!(matches!(err, MatError::V73), "{err:?}");
        assert_eq!(err.to_string(), "MATLAB v7.3 (HDF5) files are not supported; re-save with -v7");
    }

    #[test]
    fn truncated_files_are_errors_not_panics() {
        let x: Vec<u8> = [1.0_f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let file = mat_file(&[("X", 6, &[2, 1], MI_DOUBLE, x)], false);
        for cut in 0..file.len() {
            // No cut may panic, and none may yield `X`.
            let x = parse_mat(&file[..cut])
                .ok()
                .and_then(|vars| vars.into_iter().find(|(n, _)| n == "X"))
                .and_then(|(_, a)| a.ok());
            assert_eq!(x, None, "cut at {cut}");
        }
        assert!(parse_mat(&file).is_ok());
    }

    #[test]
    fn mat_errors_keep_their_messages() {
        let err = parse_mat(&[0; 64]).unwrap_err();
        assert!(matches!(err, MatError::TooShort), "{err:?}");
        assert_eq!(err.to_string(), "file too short for a MAT-file header");
        let err = parse_mat(&[b' '; 128]).unwrap_err();
        assert!(matches!(err, MatError::BadHeader), "{err:?}");
        assert_eq!(
            err.to_string(),
            "not a MATLAB 5 MAT-file (bad header; v4 files are not supported)"
        );
        // Three doubles announced by the dimensions, two stored.
        let x: Vec<u8> = [1.0_f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let vars = parse_mat(&mat_file(&[("X", 6, &[3, 1], MI_DOUBLE, x)], false)).unwrap();
        let err = vars[0].1.as_ref().unwrap_err();
        assert!(matches!(err, MatError::DataSize { len: 16, count: 3, size: 8, .. }), "{err:?}");
        assert_eq!(err.to_string(), "16 bytes of data for shape [3, 1] (3 values of 8 bytes)");
        let vars = parse_mat(&mat_file(&[("X", 6, &[1], 99, vec![0; 8])], false)).unwrap();
        let err = vars[0].1.as_ref().unwrap_err();
        assert!(matches!(err, MatError::UnsupportedDataType(99)), "{err:?}");
        assert_eq!(err.to_string(), "unsupported data type 99");
        let err = parse_mat(&mat_file(&[("X", 6, &[-1], MI_DOUBLE, vec![])], false)).unwrap_err();
        assert!(matches!(err, MatError::NegativeDimension(-1)), "{err:?}");
        assert_eq!(err.to_string(), "negative dimension -1");
        let mut file = mat_file(&[("X", 6, &[1], MI_DOUBLE, vec![0; 8])], false);
        file.truncate(file.len() - 8);
        let err = parse_mat(&file).unwrap_err();
        assert!(matches!(err, MatError::TruncatedElement { at: 128, .. }), "{err:?}");
        assert!(err.to_string().starts_with("truncated element at byte 128: "), "{err}");
    }
}
