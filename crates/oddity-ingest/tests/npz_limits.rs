//! Issue 19: a `.npz` file cannot make the reader allocate more than its arrays' declared
//! sizes, and those must stay within `ReadOptions::max_array_bytes`.
//!
//! "Refused before inflating" is checked as memory, not as time: the process's peak
//! resident memory (Linux `VmHWM`) stays far below the array's size.

use std::io::Write;
use std::path::PathBuf;

use oddity_ingest::{
    read_table, IngestErrorKind, OversizedArray, ReadOptions, DEFAULT_MAX_ARRAY_BYTES,
};

/// This process's peak resident memory in bytes (`VmHWM`; Linux only, else 0).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A version 1 `.npy` header for `descr` and `shape` (a Python tuple), padded as numpy pads.
fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out
}

/// A deflated zip entry `name` whose data is `head` followed by `zeros` zero bytes,
/// written in chunks so that the test never holds the inflated data.
fn zip_entry(
    w: &mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>,
    name: &str,
    head: &[u8],
    zeros: u64,
) {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(head.len() as u64 + zeros > u64::from(u32::MAX));
    w.start_file(name, options).unwrap();
    w.write_all(head).unwrap();
    let chunk = vec![0_u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
}

/// Writes an `.npz` of the given entries (name, head, zero bytes after it).
fn npz(name: &str, entries: &[(&str, Vec<u8>, u64)]) -> (tempfile::TempDir, PathBuf) {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (entry, head, zeros) in entries {
        zip_entry(&mut w, entry, head, *zeros);
    }
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// An `.npz` whose `X` is an honest `(rows, cols)` float64 array of zeros.
fn zeros_npz(name: &str, rows: u64, cols: u64) -> (tempfile::TempDir, PathBuf) {
    let head = npy_header("<f8", &format!("({rows}, {cols})"));
    npz(name, &[("X.npy", head, rows * cols * 8)])
}

fn no_label() -> ReadOptions {
    ReadOptions { label: None, ..ReadOptions::default() }
}

#[test]
fn issue_19_npz_bomb_is_refused_before_inflating() {
    // 1 GiB of zeros: about 1 MB compressed. The limit is set below it (the default, 8 GiB,
    // would be a slow file to build), so the refusal is the one a bomb over 8 GiB meets.
    let (_dir, path) = zeros_npz("bomb.npz", 32_768, 4_096);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 2 << 20, "the bomb is {size} bytes");
    let opts = ReadOptions { max_array_bytes: Some(1 << 29), ..no_label() };
    let err = read_table(&path, "bomb", &opts).unwrap_err();
    let peak = peak_rss();
    assert!(
        matches!(err.kind(), IngestErrorKind::ArrayTooLarge(a) if **a == OversizedArray {
            array: "X".into(),
            declared: 1_073_741_952,
            shape: None,
            limit: 1 << 29,
        }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with("file `"), "{msg}");
    assert!(msg.contains("bomb.npz`: array `X` declares 1073741952 bytes"), "{msg}");
    assert!(msg.contains("more than the limit of 536870912 bytes"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    // Building the file and the test binary itself take a few tens of MB.
    assert!(peak < 256 << 20, "peak resident memory {peak} bytes");
}

#[test]
fn issue_19_npy_header_over_the_limit_is_refused_naming_the_shape() {
    // The header describes 8 GiB + 8 bytes: refused by the default limit, before any data.
    let head = npy_header("<f8", "(1073741825,)");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Only the header is written; the entry is cut short, and never read that far.
    zip_entry(&mut w, "X.npy", &head, 0);
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.npz");
    std::fs::write(&path, bytes).unwrap();
    let err = read_table(&path, "huge", &no_label()).unwrap_err();
    assert!(peak_rss() < 256 << 20, "peak resident memory {} bytes", peak_rss());
    // The entry declares only its header, but the header's shape alone is over the limit.
    assert!(
        matches!(err.kind(), IngestErrorKind::ArrayTooLarge(a) if **a == OversizedArray {
            array: "X".into(),
            declared: 8_589_934_600,
            shape: Some(vec![1_073_741_825]),
            limit: DEFAULT_MAX_ARRAY_BYTES,
        }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("huge.npz`: array `X` declares 8589934600 bytes (shape (1073741825,)), more than the limit of 8589934592 bytes"),
        "{msg}"
    );
}

#[test]
fn issue_19_entry_that_inflates_beyond_its_declared_size_is_refused() {
    // `X.npy` says (99, 10) float64 values in its header and declares as much in the zip,
    // but inflates to (100, 10): the central directory and the local header are rewritten
    // to declare 80 bytes less than the entry holds.
    let head = npy_header("<f8", "(99, 10)");
    let (_dir, path) = npz("liar.npz", &[("X.npy", head.clone(), 8_000)]);
    let mut bytes = std::fs::read(&path).unwrap();
    let true_size = u32::try_from(head.len() + 8_000).unwrap();
    let needle = true_size.to_le_bytes();
    let mut patched = 0;
    for i in 0..bytes.len() - 4 {
        if bytes[i..i + 4] == needle {
            bytes[i..i + 4].copy_from_slice(&(true_size - 80).to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "the local header and the central directory");
    std::fs::write(&path, &bytes).unwrap();
    let err = read_table(&path, "liar", &no_label()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err.kind(), IngestErrorKind::Unreadable(_)), "{err:?}");
    assert!(msg.contains("liar.npz"), "{msg}");
    // The zip crate notices first (its own check); this reader's bounded read is the
    // second guard, with the message "the zip entry inflates beyond the N bytes it declares".
    assert!(
        msg.contains("entry `X.npy`: ")
            && (msg.contains("larger than its declared uncompressed size")
                || msg.contains("inflates beyond the 8048 bytes it declares")),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn issue_19_zip_and_npy_sizes_must_agree() {
    // The header describes 2 × 2 float64 values, the entry holds 3 × 8 bytes after it.
    let head = npy_header("<f8", "(2, 2)");
    let (_dir, path) = npz("short.npz", &[("X.npy", head.clone(), 24)]);
    let msg = read_table(&path, "short", &no_label()).unwrap_err().to_string();
    assert!(
        msg.contains(&format!(
            "entry `X.npy`: the zip entry declares {} bytes but its .npy header describes {}",
            head.len() + 24,
            head.len() + 32
        )),
        "{msg}"
    );
}

#[test]
fn issue_19_arrays_within_the_limit_still_read() {
    let (_dir, path) = zeros_npz("ok.npz", 100, 10);
    let table = read_table(&path, "ok", &no_label()).unwrap();
    assert_eq!((table.dataset.n_rows(), table.dataset.n_features()), (100, 10));
    // Exactly at the limit is allowed.
    let opts = ReadOptions { max_array_bytes: Some(8_000), ..no_label() };
    assert_eq!(read_table(&path, "ok", &opts).unwrap().dataset.n_rows(), 100);
    let opts = ReadOptions { max_array_bytes: Some(7_999), ..no_label() };
    let err = read_table(&path, "ok", &opts).unwrap_err();
    assert!(matches!(err.kind(), IngestErrorKind::ArrayTooLarge(_)), "{err:?}");
}
