//! One test per error kind, plus corrupt files that must fail without a panic, and property
//! tests: arbitrary and mutated bytes in every format give typed one-line errors, never a panic.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{check_message, dataset};
use oddity_ingest::{
    read_labels, read_matrix, read_table, write_parquet, ColumnData, IngestError, IngestErrorKind,
    ReadOptions,
};
use proptest::prelude::*;

/// Writes `bytes` to `name` in a fresh temp dir (kept alive by the returned guard).
fn write(name: &str, bytes: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn read_err(path: &Path, opts: &ReadOptions) -> IngestError {
    match read_table(path, "t", opts) {
        Ok(t) => panic!("{} read without error: {:?}", path.display(), t.dataset),
        Err(e) => e,
    }
}

fn no_label() -> ReadOptions {
    ReadOptions { label: None, ..ReadOptions::default() }
}

#[test]
fn missing_file() {
    for name in ["nope.csv", "nope.parquet", "nope.npz", "nope.mat", "nope.txt"] {
        let path = std::env::temp_dir().join("oddity-ingest-no-such-dir").join(name);
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::Missing), "{err}");
        check_message(&err, &path, None);
    }
    let path = Path::new("no/such/labels.txt");
    assert!(matches!(read_labels(path).unwrap_err().kind(), IngestErrorKind::Missing));
}

#[test]
fn empty_file() {
    for name in ["e.csv", "e.parquet", "e.npz", "e.mat", "e.txt"] {
        let (_dir, path) = write(name, "");
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::Empty), "{err}");
        check_message(&err, &path, None);
    }
    let (_dir, path) = write("labels.txt", "");
    assert!(matches!(read_labels(&path).unwrap_err().kind(), IngestErrorKind::Empty));
}

#[test]
fn header_only_csv_has_no_rows() {
    for header in ["x0,x1,label\n", "x0,x1,label"] {
        let (_dir, path) = write("h.csv", header);
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::NoRows), "{err}");
        check_message(&err, &path, None);
    }
    let (_dir, path) = write("blank.txt", "\n\n");
    let err = read_matrix(&path, "t", false).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::NoRows), "{err}");
}

#[test]
fn unknown_extension() {
    let (_dir, path) = write("data.xlsx", "x0,label\n1.0,0\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::UnknownFormat(ext) if ext == "xlsx"), "{err}");
    check_message(&err, &path, None);
    let (_dir, path) = write("data", "x0,label\n1.0,0\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::UnknownFormat(ext) if ext.is_empty()));
}

#[test]
fn label_column_absent_lists_the_columns() {
    let (_dir, path) = write("nolabel.csv", "a,b\n1.0,2.0\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(
        matches!(err.kind(), IngestErrorKind::LabelMissing { available } if available == &["a", "b"])
    );
    check_message(&err, &path, Some("label"));
    assert!(err.to_string().contains("available: `a`, `b`"), "{err}");
}

#[test]
fn named_column_absent() {
    let (_dir, path) = write("cols.csv", "a,b,label\n1.0,2.0,0\n");
    for opts in [
        ReadOptions { features: Some(vec!["a".into(), "c".into()]), ..ReadOptions::default() },
        ReadOptions { extra: vec!["c".into()], ..ReadOptions::default() },
        ReadOptions { timestamp: Some("c".into()), ..ReadOptions::default() },
    ] {
        let err = read_err(&path, &opts);
        assert!(matches!(err.kind(), IngestErrorKind::ColumnMissing { .. }), "{err}");
        check_message(&err, &path, Some("c"));
    }
}

#[test]
fn non_numeric_column_names_the_first_bad_value() {
    // The string comes late, after the rows used to guess the column types.
    let mut csv = String::from("x0,x1,label\n");
    for i in 0..1500 {
        csv.push_str(&format!("{i}.5,1.0,0\n"));
    }
    csv.push_str("1.0,high,0\n");
    let (_dir, path) = write("strings.csv", csv);
    let err = read_err(&path, &ReadOptions::default());
    assert!(
        matches!(err.kind(), IngestErrorKind::NonNumeric { value } if value == "high"),
        "{err}"
    );
    check_message(&err, &path, Some("x1"));
    assert_eq!((err.row, err.line), (Some(1500), Some(1502)));
    assert!(err.to_string().contains("row 1500 (line 1502)"), "{err}");
    assert!(err.to_string().contains("set `features`"), "{err}");

    // Choosing the other columns avoids it.
    let opts = ReadOptions { features: Some(vec!["x0".into()]), ..ReadOptions::default() };
    assert_eq!(read_table(&path, "t", &opts).unwrap().dataset.n_rows(), 1501);
}

#[test]
fn late_values_of_a_wider_type_are_read() {
    // Integers for longer than the type guess, then a float and an empty cell.
    let mut csv = String::from("x0,x1,label\n");
    for i in 0..1500 {
        csv.push_str(&format!("{i},1,0\n"));
    }
    csv.push_str("0.5,,1\n");
    let (_dir, path) = write("late.csv", csv);
    let opts = ReadOptions { allow_missing: true, ..ReadOptions::default() };
    let data = read_table(&path, "t", &opts).unwrap().dataset;
    assert_eq!(data.n_rows(), 1501);
    assert_eq!(data.features[[1499, 0]], 1499.0);
    assert_eq!(data.features[[1500, 0]], 0.5);
    assert!(data.features[[1500, 1]].is_nan());
    assert_eq!(data.n_anomalies(), Some(1));
}

#[test]
fn text_matrix_value_not_a_number() {
    let (_dir, path) = write("m.txt", "1,2\n3,x\n");
    let err = read_matrix(&path, "t", false).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::NonNumeric { value } if value == "x"), "{err}");
    check_message(&err, &path, Some("x1"));
    assert_eq!((err.row, err.line), (Some(1), Some(2)));
}

#[test]
fn label_two_is_a_bad_label() {
    let (_dir, path) = write("l.csv", "x0,label\n1.0,0\n2.0,1\n3.0,2\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::BadLabel { value } if value == "2"), "{err}");
    check_message(&err, &path, Some("label"));
    assert_eq!((err.row, err.line), (Some(2), Some(4)));

    for (content, value) in [("x0,label\n1.0,0.5\n", "0.5"), ("x0,label\n1.0,\n2.0,1\n", "")] {
        let (_dir, path) = write("l.csv", content);
        let err = read_err(&path, &ReadOptions::default());
        assert!(
            matches!(err.kind(), IngestErrorKind::BadLabel { value: v } if v == value),
            "{err}"
        );
        assert_eq!(err.row, Some(0));
    }

    let (_dir, path) = write("labels.txt", "0\n1.0\n\n0.0\n7\n");
    let err = read_labels(&path).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::BadLabel { value } if value == "7"), "{err}");
    assert_eq!((err.row, err.line), (Some(3), Some(5)));
    check_message(&err, &path, None);
}

#[test]
fn labels_file_accepts_integers_and_floats() {
    let (_dir, path) = write("labels.txt", "0\n1.0\r\n\n0.0\n1\n");
    assert_eq!(read_labels(&path).unwrap(), ndarray::array![0, 1, 0, 1]);
}

#[test]
fn nan_without_allow_missing_is_an_error() {
    for content in ["x0,x1,label\n1.0,2.0,0\n1.0,NaN,1\n", "x0,x1,label\n1.0,2.0,0\n1.0,,1\n"] {
        let (_dir, path) = write("nan.csv", content);
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::NonFinite), "{err}");
        check_message(&err, &path, Some("x1"));
        assert_eq!((err.row, err.line), (Some(1), Some(3)));
    }
    let (_dir, path) = write("inf.csv", "x0,label\ninf,0\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::NonFinite), "{err}");
    let (_dir, path) = write("nan.txt", "1 2\n3 nan\n");
    let err = read_matrix(&path, "t", false).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::NonFinite), "{err}");
    assert_eq!((err.row, err.line), (Some(1), Some(2)));
}

#[test]
fn duplicate_column_names_are_an_error_naming_them() {
    // polars would rename the second `label` to `label_duplicated_0` and read it as a
    // feature (ROC-AUC 1.0).
    let (_dir, path) = write("dup.csv", "x0,label,x1,label\n1,0,2,0\n3,1,4,1\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::DuplicateColumn { first: 2, again: 4 }), "{err}");
    check_message(&err, &path, Some("label"));
    assert!(err.to_string().contains("columns 2 and 4"), "{err}");
    let (_dir, path) = write("dupf.csv", "\"a\",b,a\n1,2,3\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::DuplicateColumn { first: 1, again: 3 }), "{err}");
    // The message names config keys, not reader internals.
    let (_dir, path) = write("nan.csv", "x0,label\nNaN,0\n");
    let err = read_err(&path, &ReadOptions::default()).to_string();
    assert!(err.contains("[preprocess] impute") && !err.contains("allow_missing"), "{err}");
}

#[test]
fn nan_with_allow_missing_is_kept() {
    let opts = ReadOptions { allow_missing: true, ..ReadOptions::default() };
    let (_dir, path) = write("nan.csv", "x0,x1,label\n1.0,NaN,0\n,4.0,1\n5.0,6.0,0\n");
    let data = read_table(&path, "t", &opts).unwrap().dataset;
    assert!(data.features[[0, 1]].is_nan());
    assert!(data.features[[1, 0]].is_nan());
    assert_eq!(data.features[[2, 1]], 6.0);
    assert_eq!(data.labels, Some(ndarray::array![0, 1, 0]));

    let (_dir, path) = write("nan.txt", "1,NaN\n,4\n");
    let data = read_matrix(&path, "t", true).unwrap();
    assert!(data.features[[0, 1]].is_nan() && data.features[[1, 0]].is_nan());
    assert_eq!(data.features[[1, 1]], 4.0);
}

#[test]
fn bad_timestamp() {
    let (_dir, path) = write(
        "ts.csv",
        "timestamp,value,label\n2014-04-01 00:00:00,1.0,0\n2014-04-31 00:05:00,2.0,0\n",
    );
    let opts = ReadOptions { timestamp: Some("timestamp".into()), ..ReadOptions::default() };
    let err = read_err(&path, &opts);
    assert!(
        matches!(err.kind(), IngestErrorKind::BadTimestamp { value } if value == "2014-04-31 00:05:00"),
        "{err}"
    );
    check_message(&err, &path, Some("timestamp"));
    assert_eq!((err.row, err.line), (Some(1), Some(3)));

    // Integer timestamps are epoch seconds.
    let (_dir, path) = write("ts.csv", "t,value,label\n1396310400,1.0,0\n1396310700,2.0,1\n");
    let opts = ReadOptions { timestamp: Some("t".into()), ..ReadOptions::default() };
    let data = read_table(&path, "t", &opts).unwrap().dataset;
    assert_eq!(data.timestamps, Some(ndarray::array![1_396_310_400, 1_396_310_700]));
}

#[test]
fn ragged_text_names_the_line() {
    let (_dir, path) = write("ragged.txt", "1,2,3\n\n4,5,6\n7,8\n");
    let err = read_matrix(&path, "t", false).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::ShapeMismatch(_)), "{err}");
    check_message(&err, &path, None);
    assert_eq!((err.row, err.line), (Some(2), Some(4)));
    assert!(err.to_string().contains("line 4 has 2 values, the first row has 3"), "{err}");
}

#[test]
fn ragged_csv_is_unreadable_or_incomplete() {
    let (_dir, path) = write("ragged.csv", "x0,x1,label\n1.0,2.0,0\n1.0,2.0,0,9\n");
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err}");
    check_message(&err, &path, None);
}

#[test]
fn no_features_left() {
    let (_dir, path) = write("nf.csv", "split,label\n1.0,0\n");
    let opts = ReadOptions { extra: vec!["split".into()], ..ReadOptions::default() };
    let err = read_err(&path, &opts);
    assert!(matches!(err.kind(), IngestErrorKind::NoFeatures), "{err}");
    check_message(&err, &path, None);
}

#[test]
fn overlapping_options_are_refused() {
    let (_dir, path) = write("o.csv", "x0,label\n1.0,0\n");
    let opts = ReadOptions { features: Some(vec!["label".into()]), ..ReadOptions::default() };
    let err = read_err(&path, &opts);
    assert!(matches!(err.kind(), IngestErrorKind::BadOptions(_)), "{err}");
    check_message(&err, &path, None);
}

#[test]
fn corrupt_npz() {
    let good = std::fs::read(dataset("odds/wine.npz")).unwrap();
    for cut in [10, good.len() / 2, good.len() - 30] {
        let (_dir, path) = write("cut.npz", &good[..cut]);
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "cut {cut}: {err}");
        check_message(&err, &path, None);
    }
    let (_dir, path) = write("random.npz", random_bytes(1, 4096));
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err}");
}

#[test]
fn npz_without_x_or_y() {
    let npy_f8 = |shape: &str, values: &[f64]| {
        let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        out
    };
    let zip = |entries: &[(&str, Vec<u8>)]| {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, bytes) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, options).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
        buf.into_inner()
    };
    let x = npy_f8("(2, 1)", &[1.0, 2.0]);
    let (_dir, path) = write("nox.npz", zip(&[("y.npy", npy_f8("(2,)", &[0.0, 1.0]))]));
    let err = read_err(&path, &ReadOptions::default());
    assert!(
        matches!(err.kind(), IngestErrorKind::Unreadable(m) if m.contains("no array `X`")),
        "{err}"
    );

    let (_dir, path) = write("noy.npz", zip(&[("X.npy", x.clone())]));
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::LabelMissing { .. }), "{err}");
    check_message(&err, &path, Some("y"));
    assert_eq!(read_table(&path, "t", &no_label()).unwrap().dataset.n_rows(), 2);

    let (_dir, path) =
        write("bady.npz", zip(&[("X.npy", x.clone()), ("y.npy", npy_f8("(2,)", &[0.0, 3.0]))]));
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::BadLabel { value } if value == "3"), "{err}");
    check_message(&err, &path, Some("y"));
    assert_eq!(err.row, Some(1));

    let (_dir, path) =
        write("shorty.npz", zip(&[("X.npy", x), ("y.npy", npy_f8("(3,)", &[0.0; 3]))]));
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::ShapeMismatch(_)), "{err}");
}

#[test]
fn corrupt_mat() {
    let good = std::fs::read(dataset("odds/glass.mat")).unwrap();
    for cut in [0x40, 200, good.len() / 2, good.len() - 30] {
        let (_dir, path) = write("cut.mat", &good[..cut]);
        let err = read_err(&path, &ReadOptions::default());
        assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "cut {cut}: {err}");
        check_message(&err, &path, None);
    }
    // A compressed MATLAB file with its zlib stream damaged.
    let mut damaged = std::fs::read(dataset("odds/pima.mat")).unwrap();
    for b in &mut damaged[200..260] {
        *b ^= 0x5a;
    }
    let (_dir, path) = write("damaged.mat", damaged);
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err}");

    let mut v73 =
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 2024 HDF5 schema 1.00 ."
            .to_vec();
    v73.resize(1024, 0);
    let (_dir, path) = write("v73.mat", v73);
    let err = read_err(&path, &ReadOptions::default());
    assert!(err.to_string().contains("re-save with -v7"), "{err}");
}

#[test]
fn corrupt_parquet() {
    let (_dir, path) = write("random.parquet", random_bytes(2, 2048));
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err}");
    check_message(&err, &path, None);

    // A valid file cut short keeps its magic at the start but loses its footer.
    let (_dir, path) = write("magic.pq", [&b"PAR1"[..], &random_bytes(3, 500), b"PAR1"].concat());
    let err = read_err(&path, &ReadOptions::default());
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err}");
}

#[test]
fn random_bytes_never_panic() {
    for seed in 0..40 {
        let bytes = random_bytes(seed, 64 + (seed as usize) * 37);
        for ext in ["csv", "parquet", "npz", "mat", "txt"] {
            let (_dir, path) = write(&format!("r.{ext}"), &bytes);
            if let Err(err) = read_table(&path, "t", &ReadOptions::default()) {
                check_message(&err, &path, None);
            }
        }
        let (_dir, path) = write("labels.txt", &bytes);
        let _ = read_labels(&path);
    }
}

#[test]
fn truncated_real_files_never_panic() {
    for file in ["odds/wine.npz", "odds/lympho.mat", "odds/wbc.mat"] {
        let good = std::fs::read(dataset(file)).unwrap();
        let name = Path::new(file).file_name().unwrap().to_string_lossy().into_owned();
        for cut in (0..good.len()).step_by(97) {
            let (_dir, path) = write(&name, &good[..cut]);
            let err = read_err(&path, &ReadOptions::default());
            check_message(&err, &path, None);
        }
    }
}

#[test]
fn csv_lines_count_blank_lines_and_quoted_newlines() {
    // The reader skips blank lines, so line numbers must skip them too.
    let (_dir, path) = write("blank.csv", "x0,label\n1.0,0\n\n2.0,1\n  \n\n");
    let data = read_table(&path, "t", &ReadOptions::default()).unwrap().dataset;
    assert_eq!(data.features, ndarray::array![[1.0], [2.0]]);

    let (_dir, path) = write("q.csv", "name,x0,label\n\"a\nb\",1.0,0\n\n\"c\",NaN,0\n\n");
    let opts = ReadOptions { features: Some(vec!["x0".into()]), ..ReadOptions::default() };
    let err = read_err(&path, &opts);
    assert!(matches!(err.kind(), IngestErrorKind::NonFinite), "{err}");
    assert_eq!((err.row, err.line), (Some(1), Some(5)));
}

const EXTENSIONS: [&str; 5] = ["csv", "parquet", "npz", "mat", "txt"];

/// Reads `bytes` as a `.ext` file with the default options, with no labels and missing values
/// allowed, and with a timestamp and named columns; `.txt` also through the SMD matrix and
/// labels readers. Every error must name the file in one line.
fn read_every_way(ext: &str, bytes: &[u8]) {
    let (_dir, path) = write(&format!("p.{ext}"), bytes);
    let options = [
        ReadOptions::default(),
        ReadOptions { label: None, allow_missing: true, ..ReadOptions::default() },
        ReadOptions {
            timestamp: Some("timestamp".into()),
            features: Some(vec!["value".into(), "x0".into()]),
            extra: vec!["x1".into()],
            ..ReadOptions::default()
        },
    ];
    for opts in &options {
        if let Err(err) = read_table(&path, "t", opts) {
            check_message(&err, &path, None);
        }
    }
    if ext == "txt" {
        for allow_missing in [false, true] {
            if let Err(err) = read_matrix(&path, "t", allow_missing) {
                check_message(&err, &path, None);
            }
        }
        if let Err(err) = read_labels(&path) {
            check_message(&err, &path, None);
        }
    }
}

/// Small valid files of every format, to mutate: bundled real data and a written Parquet file.
fn seed_files() -> &'static [(&'static str, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let real = |file: &str| std::fs::read(dataset(file)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("s.parquet");
        write_parquet(
            &pq,
            &[
                ("timestamp", ColumnData::Int(vec![Some(0), Some(60), Some(120)])),
                ("x0", ColumnData::Float(vec![Some(0.5), None, Some(f64::NAN)])),
                ("x1", ColumnData::Text(vec![Some("a".into()), None, Some("1.5".into())])),
                ("label", ColumnData::Int(vec![Some(0), Some(1), Some(0)])),
            ],
        )
        .unwrap();
        vec![
            (
                "csv",
                b"timestamp,value,x0,x1,label\n2024-01-01,1,0.5,\"a\",0\n60,2,NaN,,1\n".to_vec(),
            ),
            ("parquet", std::fs::read(&pq).unwrap()),
            ("npz", real("odds/wine.npz")),
            ("mat", real("odds/lympho.mat")),
            ("mat", real("odds/glass.mat")),
            ("txt", b"0.1,0.2,0.3\n1 2 3\n\n4\t5\t6\n".to_vec()),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_in_any_reader(
        ext in proptest::sample::select(&EXTENSIONS[..]),
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        read_every_way(ext, &bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        seed in any::<proptest::sample::Index>(),
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<proptest::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let seeds = seed_files();
        let (ext, good) = &seeds[seed.index(seeds.len())];
        let mut bytes = good.clone();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        read_every_way(ext, &bytes);
    }

    #[test]
    fn arbitrary_delimited_text_never_panics(
        body in "[0-9a-zA-Z.,;:eE+\\- \t\n\r\"']{0,300}",
        header in proptest::sample::select(&["", "x0,x1,label\n", "timestamp,value,label\n"][..]),
    ) {
        let text = format!("{header}{body}");
        read_every_way("csv", text.as_bytes());
        read_every_way("txt", text.as_bytes());
    }
}

/// Deterministic pseudo-random bytes (SplitMix64).
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}
