//! NumPy `.npz` archives (ADBench) and the `.npy` arrays inside them.
//!
//! An `.npz` file is a zip archive whose entries `X.npy` and `y.npy` are `.npy`
//! arrays, stored or deflate-compressed. A `.npy` array is a magic string, a
//! version, a Python dict literal header (`descr`, `fortran_order`, `shape`) and
//! the raw values.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{IngestError, IngestErrorKind, OversizedArray};
use crate::table::{matrix_columns, LabelSource, Lines, RawTable, Table, Values};
use crate::ReadOptions;

/// A numeric array converted to `f64`, values in storage order: row-major (C)
/// unless `fortran_order`, then column-major (as MATLAB stores every array).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NdArray {
    pub(crate) shape: Vec<usize>,
    pub(crate) values: Vec<f64>,
    pub(crate) fortran_order: bool,
}

/// The largest array a `.npz` file may declare when [`ReadOptions::max_array_bytes`] is
/// `None`: 8 GiB. A fixed cap, not a share of this machine's memory, so that a file reads
/// (or is refused) alike on every machine; it is far above the largest ADBench array
/// (about 1.2 GB) and still refuses a decompression bomb before anything is inflated.
pub const DEFAULT_MAX_ARRAY_BYTES: u64 = 8 << 30;

/// Reads `X` (n × d, or n values) and `y` (n, or n × 1) from an `.npz` archive.
///
/// Before an array is inflated, the size its zip entry declares and the size its `.npy`
/// header describes (shape × dtype) must agree and stay within the limit
/// ([`ReadOptions::max_array_bytes`]); an entry that inflates beyond what it declares is
/// refused as soon as it does.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let file = File::open(path).map_err(|e| IngestError::io(path, &e))?;
    let len = file.metadata().map_err(|e| IngestError::io(path, &e))?.len();
    if len == 0 {
        return Err(IngestError::new(path, IngestErrorKind::Empty));
    }
    let limit = opts.max_array_bytes.unwrap_or(DEFAULT_MAX_ARRAY_BYTES);
    let mut archive = zip::ZipArchive::new(file).map_err(|e| IngestError::unreadable(path, e))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.strip_suffix(".npy").unwrap_or(&n).to_string())
        .collect();
    let mut entry = |array: &str| -> Result<Option<NdArray>, IngestError> {
        let Some(index) = [format!("{array}.npy"), array.to_string()]
            .iter()
            .find_map(|n| archive.index_for_name(n))
        else {
            return Ok(None);
        };
        let unreadable = |e: &dyn std::fmt::Display| {
            IngestError::unreadable(path, format!("entry `{array}.npy`: {e}"))
        };
        let mut file = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let bytes = read_entry(&mut file, limit).map_err(|e| match e {
            EntryError::Zip(e) => unreadable(&e),
            EntryError::Npy(e) => IngestError::unreadable(path, format!("array `{array}`: {e}")),
            EntryError::TooLarge { declared, shape } => IngestError::new(
                path,
                IngestErrorKind::ArrayTooLarge(Box::new(OversizedArray {
                    array: array.to_string(),
                    declared,
                    shape,
                    limit,
                })),
            ),
        })?;
        parse_npy(&bytes)
            .map(Some)
            .map_err(|e| IngestError::unreadable(path, format!("array `{array}`: {e}")))
    };
    let x = entry("X")?.ok_or_else(|| {
        IngestError::unreadable(path, format!("no array `X` (arrays: {})", names.join(", ")))
    })?;
    let y = match opts.label {
        Some(_) => Some(entry("y")?.ok_or_else(|| {
            IngestError::new(path, IngestErrorKind::LabelMissing { available: names.clone() })
                .column("y")
        })?),
        None => None,
    };
    matrix_table(path, name, opts, x, y)
}

/// Why one zip entry was not read into memory.
#[derive(Debug)]
enum EntryError {
    /// The entry is not valid zip data, inflates beyond what it declares, or its
    /// declared size disagrees with its `.npy` header.
    Zip(String),
    /// The `.npy` header is malformed.
    Npy(NpyError),
    /// The entry declares more bytes than the limit.
    TooLarge { declared: u64, shape: Option<Vec<usize>> },
}

impl From<std::io::Error> for EntryError {
    fn from(e: std::io::Error) -> Self {
        Self::Zip(e.to_string())
    }
}

/// The bytes of one `.npy` entry of declared (uncompressed) size `file.size()`, read only
/// once that size is within `limit` and agrees with the size its `.npy` header describes;
/// reading stops with an error as soon as the entry inflates beyond its declared size.
fn read_entry<R: Read>(
    file: &mut zip::read::ZipFile<'_, R>,
    limit: u64,
) -> Result<Vec<u8>, EntryError> {
    let declared = file.size();
    // The entry holds the array's data and a header of at most 12 + MAX_HEADER_BYTES.
    if declared > limit.saturating_add(12 + MAX_HEADER_BYTES) {
        return Err(EntryError::TooLarge { declared, shape: None });
    }
    // One byte more than declared is read, so that an entry that lies is noticed.
    let mut reader = Read::take(file, declared.saturating_add(1));
    // The magic string, the version and the header length (2 bytes in version 1, else 4).
    let mut bytes = Vec::new();
    (&mut reader).take(10).read_to_end(&mut bytes)?;
    if bytes.len() == 10 && bytes.starts_with(b"\x93NUMPY") && bytes[6] != 1 {
        (&mut reader).take(2).read_to_end(&mut bytes)?;
    }
    let header_len = match npy_header_len(&bytes) {
        Ok((_, len)) if len > MAX_HEADER_BYTES => {
            return Err(EntryError::Npy(NpyError::HeaderTooLong))
        }
        Ok((prefix, len)) => prefix as u64 + len,
        // Too short or not a .npy array: the parser names what is wrong.
        Err(e) => return Err(EntryError::Npy(e)),
    };
    if header_len > declared {
        return Err(EntryError::Zip(format!(
            "the zip entry declares {declared} bytes, fewer than its .npy header ({header_len} bytes)"
        )));
    }
    (&mut reader).take(header_len - bytes.len() as u64).read_to_end(&mut bytes)?;
    let layout = npy_layout(&bytes).map_err(EntryError::Npy)?;
    let needed = u64::try_from(layout.data_bytes).unwrap_or(u64::MAX);
    if needed > limit {
        return Err(EntryError::TooLarge { declared: needed, shape: Some(layout.header.shape) });
    }
    let described = header_len.saturating_add(needed);
    if described != declared {
        return Err(EntryError::Zip(format!(
            "the zip entry declares {declared} bytes but its .npy header describes {described} \
             (shape {:?}, dtype `{}`)",
            layout.header.shape, layout.header.descr
        )));
    }
    // Within the limit and agreed by both: reserve once, then read the values.
    let capacity = usize::try_from(declared)
        .map_err(|_| EntryError::TooLarge { declared, shape: Some(layout.header.shape.clone()) })?;
    bytes.reserve_exact(capacity - bytes.len());
    reader.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > declared {
        return Err(EntryError::Zip(format!(
            "the zip entry inflates beyond the {declared} bytes it declares"
        )));
    }
    Ok(bytes)
}

/// The table of `X` with labels `y`, shared by `.npz` and `.mat`.
pub(crate) fn matrix_table(
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    x: NdArray,
    y: Option<NdArray>,
) -> Result<Table, IngestError> {
    let (n, d) = match x.shape[..] {
        [n] => (n, 1),
        [n, d] => (n, d),
        _ => {
            let detail = format!("array `X` has shape {:?}, expected 1 or 2 dimensions", x.shape);
            return Err(IngestError::shape(path, detail));
        }
    };
    if n == 0 {
        return Err(IngestError::new(path, IngestErrorKind::NoRows));
    }
    if d == 0 {
        return Err(IngestError::new(path, IngestErrorKind::NoFeatures));
    }
    let label = match y {
        None => LabelSource::None,
        Some(y) => {
            let ok = match y.shape[..] {
                [m] | [m, 1] | [1, m] => m == n,
                _ => false,
            };
            if !ok {
                let detail =
                    format!("array `y` has shape {:?}, expected ({n},) or ({n}, 1)", y.shape);
                return Err(IngestError::shape(path, detail).column("y"));
            }
            LabelSource::Given("y".into(), Values::Float(y.values.into_iter().map(Some).collect()))
        }
    };
    let columns = matrix_columns(&x.values, n, d, x.fortran_order);
    let raw = RawTable { path, columns, n_rows: n, lines: Lines::None };
    raw.into_table(name, opts, label)
}

/// Why a `.npy` array cannot be read. The message is the detail of an
/// [`IngestErrorKind::Unreadable`] error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NpyError {
    /// Occurs when the bytes do not start with the `.npy` magic string.
    #[error("not a .npy array (bad magic)")]
    BadMagic,
    /// Occurs when the file ends inside the version, header length or header.
    #[error("truncated .npy header")]
    TruncatedHeader,
    /// Occurs when a header is longer than 1 MiB.
    #[error("header too long")]
    HeaderTooLong,
    /// Occurs when the major version is not 1, 2 or 3.
    #[error("unsupported .npy version {0}")]
    UnsupportedVersion(u8),
    /// Occurs when the header is not UTF-8 text.
    #[error("the .npy header is not text")]
    HeaderNotText,
    /// Occurs when the dtype's byte order is not `<`, `>`, `|` or `=`.
    #[error("unsupported dtype `{0}`")]
    UnsupportedByteOrder(String),
    /// Occurs when the dtype is not a numeric or boolean type that is read.
    #[error("unsupported dtype `{0}` (numeric dtypes only)")]
    UnsupportedDtype(String),
    /// Occurs when the dtype is structured (a list of fields, not a string).
    #[error("structured dtypes are not supported")]
    StructuredDtype,
    /// Occurs when the number of elements or bytes of the shape overflows.
    #[error("shape too large")]
    ShapeTooLarge,
    /// Occurs when the data after the header is shorter than the shape needs.
    #[error("truncated data: {len} bytes for shape {shape:?}, need {needed}")]
    TruncatedData {
        /// The bytes of data present.
        len: usize,
        /// The shape of the header.
        shape: Vec<usize>,
        /// The bytes of data the shape needs.
        needed: usize,
    },
    /// Occurs when the header dict has a key other than `descr`, `fortran_order`
    /// and `shape`.
    #[error("unexpected key `{0}` in the .npy header")]
    UnexpectedKey(String),
    /// Occurs when the header dict lacks one of its three keys.
    #[error("the .npy header has no `{0}`")]
    MissingKey(&'static str),
    /// Occurs when the header lacks a required punctuation character.
    #[error("malformed .npy header: expected `{expected}` at byte {at}")]
    Expected {
        /// The character expected.
        expected: char,
        /// Its byte offset in the header.
        at: usize,
    },
    /// Occurs when the header has no quoted string where one is required.
    #[error("malformed .npy header at byte {0}")]
    ExpectedString(usize),
    /// Occurs when `fortran_order` is neither `True` nor `False`.
    #[error("malformed .npy header: expected True or False at byte {0}")]
    ExpectedBoolean(usize),
    /// Occurs when a dimension of `shape` is not a non-negative integer.
    #[error("malformed shape at byte {0}")]
    MalformedShape(usize),
}

/// The element types that are read (shared with `.mat` files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F8,
    F4,
    I8,
    I4,
    I2,
    I1,
    U8,
    U4,
    U2,
    U1,
    Bool,
}

impl Dtype {
    /// The size of one element in bytes.
    pub(crate) fn size(self) -> usize {
        match self {
            Self::F8 | Self::I8 | Self::U8 => 8,
            Self::F4 | Self::I4 | Self::U4 => 4,
            Self::I2 | Self::U2 => 2,
            Self::I1 | Self::U1 | Self::Bool => 1,
        }
    }

    /// Every whole element of `data` as `f64` (exact, except 64-bit integers
    /// beyond 2^53, which round).
    pub(crate) fn decode(self, data: &[u8], little: bool) -> Vec<f64> {
        macro_rules! each {
            ($n:literal, |$b:ident| $convert:expr) => {
                data.chunks_exact($n)
                    .map(|c| {
                        let mut $b: [u8; $n] = c.try_into().unwrap_or([0; $n]);
                        if !little {
                            $b.reverse();
                        }
                        $convert
                    })
                    .collect()
            };
        }
        match self {
            Self::F8 => each!(8, |b| f64::from_le_bytes(b)),
            Self::F4 => each!(4, |b| f64::from(f32::from_le_bytes(b))),
            Self::I8 => each!(8, |b| i64::from_le_bytes(b) as f64),
            Self::I4 => each!(4, |b| f64::from(i32::from_le_bytes(b))),
            Self::I2 => each!(2, |b| f64::from(i16::from_le_bytes(b))),
            Self::I1 => data.iter().map(|&b| f64::from(i8::from_le_bytes([b]))).collect(),
            Self::U8 => each!(8, |b| u64::from_le_bytes(b) as f64),
            Self::U4 => each!(4, |b| f64::from(u32::from_le_bytes(b))),
            Self::U2 => each!(2, |b| f64::from(u16::from_le_bytes(b))),
            Self::U1 => data.iter().map(|&b| f64::from(b)).collect(),
            Self::Bool => data.iter().map(|&b| f64::from(u8::from(b != 0))).collect(),
        }
    }
}

/// The longest `.npy` header read (numpy's own reader refuses headers over 10000 bytes
/// unless told otherwise); a longer one is refused before it is read.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// The bytes before a `.npy` header (magic, version, header length) and the header's
/// length, from the first bytes of an array (at least 10, or 12 for versions 2 and 3).
fn npy_header_len(bytes: &[u8]) -> Result<(usize, u64), NpyError> {
    let rest = bytes.strip_prefix(b"\x93NUMPY").ok_or(NpyError::BadMagic)?;
    let (&major, rest) = rest.split_first().ok_or(NpyError::TruncatedHeader)?;
    let (_minor, rest) = rest.split_first().ok_or(NpyError::TruncatedHeader)?;
    match major {
        1 => {
            let b = rest.get(..2).ok_or(NpyError::TruncatedHeader)?;
            Ok((10, u64::from(u16::from_le_bytes([b[0], b[1]]))))
        }
        2 | 3 => {
            let b = rest.get(..4).ok_or(NpyError::TruncatedHeader)?;
            Ok((12, u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))))
        }
        v => Err(NpyError::UnsupportedVersion(v)),
    }
}

/// What a `.npy` header says about the data after it.
#[derive(Debug)]
struct Layout {
    header: Header,
    dtype: Dtype,
    little: bool,
    /// Where the data starts.
    data_start: usize,
    /// The bytes of data the shape and dtype need.
    data_bytes: usize,
}

/// Parses the header of a `.npy` array (versions 1, 2 and 3); `bytes` holds at least the
/// whole header, the data may follow.
fn npy_layout(bytes: &[u8]) -> Result<Layout, NpyError> {
    let (prefix, header_len) = npy_header_len(bytes)?;
    if header_len > MAX_HEADER_BYTES {
        return Err(NpyError::HeaderTooLong);
    }
    let header_len = usize::try_from(header_len).map_err(|_| NpyError::HeaderTooLong)?;
    let end = prefix.checked_add(header_len).ok_or(NpyError::HeaderTooLong)?;
    let header = bytes.get(prefix..end).ok_or(NpyError::TruncatedHeader)?;
    let header = std::str::from_utf8(header).map_err(|_| NpyError::HeaderNotText)?;
    let header = parse_header(header)?;

    let descr = header.descr.as_str();
    let (order, code) = descr.split_at(descr.len().min(1));
    let little = match order {
        "<" | "|" | "=" => true,
        ">" => false,
        _ => return Err(NpyError::UnsupportedByteOrder(descr.to_string())),
    };
    let dtype = match code {
        "f8" => Dtype::F8,
        "f4" => Dtype::F4,
        "i8" => Dtype::I8,
        "i4" => Dtype::I4,
        "i2" => Dtype::I2,
        "i1" => Dtype::I1,
        "u8" => Dtype::U8,
        "u4" => Dtype::U4,
        "u2" => Dtype::U2,
        "u1" => Dtype::U1,
        "b1" => Dtype::Bool,
        _ => return Err(NpyError::UnsupportedDtype(descr.to_string())),
    };
    let count = header
        .shape
        .iter()
        .try_fold(1_usize, |acc, &s| acc.checked_mul(s))
        .ok_or(NpyError::ShapeTooLarge)?;
    let data_bytes = count.checked_mul(dtype.size()).ok_or(NpyError::ShapeTooLarge)?;
    Ok(Layout { header, dtype, little, data_start: end, data_bytes })
}

/// Parses a whole `.npy` file (versions 1, 2 and 3).
pub(crate) fn parse_npy(bytes: &[u8]) -> Result<NdArray, NpyError> {
    let Layout { header, dtype, little, data_start, data_bytes: needed } = npy_layout(bytes)?;
    let data = &bytes[data_start..];
    let data = data.get(..needed).ok_or_else(|| NpyError::TruncatedData {
        len: data.len(),
        shape: header.shape.clone(),
        needed,
    })?;
    Ok(NdArray {
        values: dtype.decode(data, little),
        fortran_order: header.fortran_order && header.shape.len() > 1,
        shape: header.shape,
    })
}

/// The fields of a `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Parses the Python dict literal of a `.npy` header, e.g.
/// `{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }`.
fn parse_header(text: &str) -> Result<Header, NpyError> {
    let mut p = Parser { s: text.trim_end_matches(['\n', ' ', '\0']).as_bytes(), i: 0 };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    p.expect(b'{')?;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.expect(b':')?;
        p.skip_ws();
        match key.as_str() {
            "descr" => {
                if p.peek() != Some(b'\'') && p.peek() != Some(b'"') {
                    return Err(NpyError::StructuredDtype);
                }
                descr = Some(p.string()?);
            }
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(NpyError::UnexpectedKey(other.to_string())),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.expect(b'}')?;
            break;
        }
    }
    Ok(Header {
        descr: descr.ok_or(NpyError::MissingKey("descr"))?,
        fortran_order: fortran.ok_or(NpyError::MissingKey("fortran_order"))?,
        shape: shape.ok_or(NpyError::MissingKey("shape"))?,
    })
}

/// A cursor over the header text.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn expect(&mut self, c: u8) -> Result<(), NpyError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(NpyError::Expected { expected: char::from(c), at: self.i })
        }
    }

    fn string(&mut self) -> Result<String, NpyError> {
        self.skip_ws();
        let quote = self.peek().filter(|&q| q == b'\'' || q == b'"');
        let quote = quote.ok_or(NpyError::ExpectedString(self.i))?;
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(|c| c != quote) {
            self.i += 1;
        }
        let s = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.expect(quote)?;
        Ok(s)
    }

    fn boolean(&mut self) -> Result<bool, NpyError> {
        self.skip_ws();
        for (word, value) in [(&b"True"[..], true), (&b"False"[..], false)] {
            if self.s[self.i..].starts_with(word) {
                self.i += word.len();
                return Ok(value);
            }
        }
        Err(NpyError::ExpectedBoolean(self.i))
    }

    fn tuple(&mut self) -> Result<Vec<usize>, NpyError> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(out);
            }
            let start = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
            let dim = digits.parse().map_err(|_| NpyError::MalformedShape(start))?;
            out.push(dim);
            if !self.eat(b',') {
                self.expect(b')')?;
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::RawColumn;

    /// A `.npy` file of version 1 with the given header fields and raw data.
    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let fortran = if fortran { "True" } else { "False" };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn fortran_order_is_transposed() {
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        let data: Vec<u8> =
            [1.0_f64, 4.0, 2.0, 5.0, 3.0, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let column = |c: &RawColumn| match &c.values {
            Values::Float(v) => v.iter().map(|x| x.unwrap()).collect::<Vec<_>>(),
            _ => unreachable!(),
        };
        let a = parse_npy(&npy("<f8", true, "(2, 3)", &data)).unwrap();
        assert_eq!((a.shape.as_slice(), a.fortran_order), (&[2, 3][..], true));
        let columns = matrix_columns(&a.values, 2, 3, a.fortran_order);
        assert_eq!(
            columns.iter().map(column).collect::<Vec<_>>(),
            [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
        );
        let c = parse_npy(&npy("<f8", false, "(3, 2)", &data)).unwrap();
        let columns = matrix_columns(&c.values, 3, 2, c.fortran_order);
        assert_eq!(
            columns.iter().map(column).collect::<Vec<_>>(),
            [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        );
    }

    #[test]
    fn integer_and_bool_dtypes_convert_exactly() {
        let a = parse_npy(&npy("<i2", false, "(3,)", &[0xff, 0xff, 2, 0, 0, 0x80])).unwrap();
        assert_eq!(a.values, [-1.0, 2.0, -32768.0]);
        let a = parse_npy(&npy(">i4", false, "(1,)", &[0xff, 0xff, 0xff, 0xfe])).unwrap();
        assert_eq!(a.values, [-2.0]);
        let a = parse_npy(&npy("|u1", false, "(2,)", &[0, 255])).unwrap();
        assert_eq!(a.values, [0.0, 255.0]);
        let a = parse_npy(&npy("|b1", false, "(2,)", &[0, 1])).unwrap();
        assert_eq!(a.values, [0.0, 1.0]);
        let a = parse_npy(&npy("|i1", false, "(1,)", &[0x80])).unwrap();
        assert_eq!(a.values, [-128.0]);
        let a = parse_npy(&npy("<u8", false, "(1,)", &u64::MAX.to_le_bytes())).unwrap();
        assert_eq!(a.values, [u64::MAX as f64]);
        let a = parse_npy(&npy("<f4", false, "(1,)", &1.5_f32.to_le_bytes())).unwrap();
        assert_eq!(a.values, [1.5]);
        let a = parse_npy(&npy("<i8", false, "()", &7_i64.to_le_bytes())).unwrap();
        assert_eq!((a.shape.len(), a.values.as_slice()), (0, &[7.0][..]));
    }

    #[test]
    fn version_two_headers_are_read() {
        let mut v2 = npy("<f8", false, "(1,)", &2.5_f64.to_le_bytes());
        // Rewrite as version 2: a 4-byte header length.
        let len = u16::from_le_bytes([v2[8], v2[9]]);
        v2[6] = 2;
        v2.splice(8..10, u32::from(len).to_le_bytes());
        assert_eq!(parse_npy(&v2).unwrap().values, [2.5]);
    }

    #[test]
    fn malformed_arrays_are_errors_not_panics() {
        let good = npy("<f8", false, "(2, 2)", &[0; 32]);
        for cut in 0..good.len() {
            assert!(parse_npy(&good[..cut]).is_err(), "cut at {cut}");
        }
        for bad in [
            npy("<c16", false, "(1,)", &[0; 16]),
            npy("|O", false, "(1,)", &[0; 8]),
            npy("<f8", false, "(99999999999, 99999999999, 99999999999)", &[]),
            npy("<f8", false, "(1, x)", &[0; 8]),
        ] {
            assert!(parse_npy(&bad).is_err());
        }
        assert!(parse_header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}")
            .is_err());
    }

    #[test]
    fn npy_errors_keep_their_messages() {
        let err = parse_npy(b"PK\x03\x04").unwrap_err();
        assert_eq!(err, NpyError::BadMagic);
        assert_eq!(err.to_string(), "not a .npy array (bad magic)");
        let err = parse_npy(&npy("<c16", false, "(1,)", &[0; 16])).unwrap_err();
        assert!(matches!(&err, NpyError::UnsupportedDtype(d) if d == "<c16"), "{err:?}");
        assert_eq!(err.to_string(), "unsupported dtype `<c16` (numeric dtypes only)");
        let err = parse_npy(&npy("<f8", false, "(2, 2)", &[0; 8])).unwrap_err();
        assert!(matches!(err, NpyError::TruncatedData { len: 8, needed: 32, .. }), "{err:?}");
        assert_eq!(err.to_string(), "truncated data: 8 bytes for shape [2, 2], need 32");
        let err = parse_npy(&npy("<f8", false, "(1, x)", &[0; 8])).unwrap_err();
        assert!(matches!(err, NpyError::MalformedShape(_)), "{err:?}");
        assert!(err.to_string().starts_with("malformed shape at byte "), "{err}");
        let err = parse_header("{'descr': '<f8', 'fortran_order': Maybe}").unwrap_err();
        assert_eq!(err, NpyError::ExpectedBoolean(34));
        assert_eq!(err.to_string(), "malformed .npy header: expected True or False at byte 34");
        let err = parse_header("{'descr': '<f8' 'shape': ()}").unwrap_err();
        assert_eq!(err.to_string(), "malformed .npy header: expected `}` at byte 16");
        let err = parse_header("{'descr': '<f8', 'shape': (), }").unwrap_err();
        assert_eq!(err, NpyError::MissingKey("fortran_order"));
        assert_eq!(err.to_string(), "the .npy header has no `fortran_order`");
        let err = parse_header("{'order': 'C'}").unwrap_err();
        assert_eq!(err.to_string(), "unexpected key `order` in the .npy header");
    }
}
