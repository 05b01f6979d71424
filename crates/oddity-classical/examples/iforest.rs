//! An isolation forest on an `Array2`, with `oddity-classical` alone (plus `oddity-core` for
//! the dataset type and `ndarray` for the matrix).
//!
//! `cargo xtask reuse` builds this program outside the workspace and runs it; inside:
//! `cargo run -p oddity-classical --example iforest`.

use ndarray::Array2;
use oddity_classical::IForestParams;
use oddity_core::{Dataset, Detector, DetectorParams, FitContext};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 500 points on a 2-D grid-like cloud, and three far away.
    let mut rows: Vec<[f64; 2]> =
        (0..500).map(|i| [(i % 25) as f64 / 25.0, (i / 25) as f64 / 20.0]).collect();
    rows.extend([[6.0, 6.0], [-5.0, 0.5], [0.5, 9.0]]);
    let x = Array2::from_shape_fn((rows.len(), 2), |(i, j)| rows[i][j]);
    let data = Dataset::from_features("cloud", x);

    let forest = IForestParams::default().n_estimators(200).check()?;
    let fitted = forest.fit(&data, &FitContext::new(42))?;
    let scores = fitted.score(&data)?;

    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    println!("most anomalous rows: {:?}", &order[..3]);
    let mut top = order[..3].to_vec();
    top.sort_unstable();
    assert_eq!(top, [500, 501, 502], "the three far points should score highest");
    Ok(())
}
