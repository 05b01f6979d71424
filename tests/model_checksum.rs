//! Issue 19: a saved model file carries a checksum, so a flipped bit anywhere in it is a
//! one-line "corrupt model file" error of `oddity score`, never a panic and never scores
//! that silently differ from the model's.

mod common;

use common::{folder, oddity, repo};

/// 256 bit positions of a file of `bits` bits, from a seeded SplitMix64.
fn flips(bits: usize) -> Vec<usize> {
    let mut state = 19_u64;
    (0..256)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % bits as u64) as usize
        })
        .collect()
}

#[test]
fn issue_19_flipped_bits_in_a_saved_model_are_refused() {
    let dir = folder(&[]);
    let data = repo().join("datasets");
    let config = format!(
        r#"
[experiment]
name = "checksum"
seeds = [0]
data_dir = "{}"

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"
split = {{ method = "chronological", train = 0.6 }}

[[method]]
detector = "knn"

[evaluate]
metrics = ["roc_auc"]
random_baseline = false
"#,
        data.display()
    );
    std::fs::write(dir.path().join("c.toml"), config).unwrap();
    let run = oddity(dir.path(), &["fit", "c.toml", "--save", "saved", "--out", "out"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let good = std::fs::read(dir.path().join("saved/cardio/knn-seed0.oddity")).unwrap();
    let cardio = data.join("odds/cardio.csv");
    let cardio = cardio.to_str().unwrap();

    let score = |model: &str, out: &str| {
        oddity(dir.path(), &["score", "--model", model, cardio, "--out", out])
    };
    std::fs::write(dir.path().join("good.oddity"), &good).unwrap();
    let run = score("good.oddity", "before.csv");
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let before = std::fs::read(dir.path().join("before.csv")).unwrap();

    for bit in flips(good.len() * 8) {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(dir.path().join("bad.oddity"), &bad).unwrap();
        let run = score("bad.oddity", "bad.csv");
        assert!(!dir.path().join("bad.csv").exists(), "bit {bit}: scores were written");
        run.assert_one_line_error(&["bad.oddity"]);
    }

    // The untouched file still scores, bit for bit as before.
    let run = score("good.oddity", "after.csv");
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(std::fs::read(dir.path().join("after.csv")).unwrap(), before);
}
