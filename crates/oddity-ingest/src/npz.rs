//! NumPy `.npz` archives (ADBench) and the `.npy` arrays inside them.
//!
//! An `.npz` file is a zip archive whose entries `X.npy` and `y.npy` are `.npy`
//! arrays, stored or deflate-compressed. A `.npy` array is a magic string, a
//! version, a Python dict literal header (`descr`, `fortran_order`, `shape`) and
//! the raw values.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{IngestError, IngestErrorKind};
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

/// Reads `X` (n × d, or n values) and `y` (n, or n × 1) from an `.npz` archive.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let file = File::open(path).map_err(|e| IngestError::io(path, &e))?;
    let len = file.metadata().map_err(|e| IngestError::io(path, &e))?.len();
    if len == 0 {
        return Err(IngestError::new(path, IngestErrorKind::Empty));
    }
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
        let mut bytes = Vec::new();
        archive
            .by_index(index)
            .and_then(|mut f| f.read_to_end(&mut bytes).map_err(Into::into))
            .map_err(|e| IngestError::unreadable(path, format!("entry `{array}.npy`: {e}")))?;
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

/// Parses a whole `.npy` file (versions 1, 2 and 3).
pub(crate) fn parse_npy(bytes: &[u8]) -> Result<NdArray, String> {
    let rest = bytes.strip_prefix(b"\x93NUMPY").ok_or("not a .npy array (bad magic)")?;
    let (&major, rest) = rest.split_first().ok_or("truncated .npy header")?;
    let (_minor, rest) = rest.split_first().ok_or("truncated .npy header")?;
    let (header_len, rest) = match major {
        1 => {
            let b = rest.get(..2).ok_or("truncated .npy header")?;
            (usize::from(u16::from_le_bytes([b[0], b[1]])), &rest[2..])
        }
        2 | 3 => {
            let b = rest.get(..4).ok_or("truncated .npy header")?;
            let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            (usize::try_from(len).map_err(|_| "header too long")?, &rest[4..])
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = rest.get(..header_len).ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let header = parse_header(header)?;
    let data = &rest[header_len..];

    let descr = header.descr.as_str();
    let (order, code) = descr.split_at(descr.len().min(1));
    let little = match order {
        "<" | "|" | "=" => true,
        ">" => false,
        _ => return Err(format!("unsupported dtype `{descr}`")),
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
        _ => return Err(format!("unsupported dtype `{descr}` (numeric dtypes only)")),
    };
    let count = header
        .shape
        .iter()
        .try_fold(1_usize, |acc, &s| acc.checked_mul(s))
        .ok_or("shape too large")?;
    let needed = count.checked_mul(dtype.size()).ok_or("shape too large")?;
    let data = data.get(..needed).ok_or_else(|| {
        format!("truncated data: {} bytes for shape {:?}, need {needed}", data.len(), header.shape)
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
fn parse_header(text: &str) -> Result<Header, String> {
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
                    return Err("structured dtypes are not supported".into());
                }
                descr = Some(p.string()?);
            }
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(format!("unexpected key `{other}` in the .npy header")),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.expect(b'}')?;
            break;
        }
    }
    Ok(Header {
        descr: descr.ok_or("the .npy header has no `descr`")?,
        fortran_order: fortran.ok_or("the .npy header has no `fortran_order`")?,
        shape: shape.ok_or("the .npy header has no `shape`")?,
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

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("malformed .npy header: expected `{}` at byte {}", c as char, self.i))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let quote = self.peek().filter(|&q| q == b'\'' || q == b'"');
        let quote = quote.ok_or_else(|| format!("malformed .npy header at byte {}", self.i))?;
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(|c| c != quote) {
            self.i += 1;
        }
        let s = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.expect(quote)?;
        Ok(s)
    }

    fn boolean(&mut self) -> Result<bool, String> {
        self.skip_ws();
        for (word, value) in [(&b"True"[..], true), (&b"False"[..], false)] {
            if self.s[self.i..].starts_with(word) {
                self.i += word.len();
                return Ok(value);
            }
        }
        Err(format!("malformed .npy header: expected True or False at byte {}", self.i))
    }

    fn tuple(&mut self) -> Result<Vec<usize>, String> {
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
            let dim = digits.parse().map_err(|_| format!("malformed shape at byte {start}"))?;
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
}
