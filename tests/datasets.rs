//! The bundled datasets are the files their README describes.

use sha2::{Digest, Sha256};

#[test]
fn bundled_datasets_match_checksums() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
    let sums = std::fs::read_to_string(root.join("SHA256SUMS")).unwrap();
    let mut n = 0;
    for line in sums.lines() {
        let (want, file) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(root.join(file)).unwrap();
        let got: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want, "{file}");
        n += 1;
    }
    assert_eq!(n, 4);
}
