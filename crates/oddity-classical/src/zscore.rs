//! The z-score detector.

use oddity_core::{stats, Dataset, Detector, Error, FitContext, FittedDetector};

use crate::center_scale::{guard_scale, FittedCenterScale};

/// z-score: `max_j |x_j − mean_j| / std_j` with the training mean and standard deviation
/// of each feature (population, `ddof = 0`, by default); a zero std counts as 1.
///
/// Statistics are computed as numpy does (sequential sums, two-pass variance), so scores
/// equal the reference's `zscore` column to rounding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZScore {
    /// Delta degrees of freedom of the standard deviation: 0 (population) or 1 (sample).
    pub ddof: usize,
}

impl ZScore {
    /// Checks the parameters and builds the detector.
    pub fn new(ddof: i64) -> Result<Self, Error> {
        match ddof {
            0 | 1 => Ok(Self { ddof: ddof as usize }),
            _ => Err(Error::InvalidParameter {
                name: "ddof".into(),
                reason: format!("must be 0 or 1, got {ddof}"),
            }),
        }
    }
}

impl Detector for ZScore {
    fn name(&self) -> &str {
        "zscore"
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        if (1..=self.ddof).contains(&train.n_rows()) {
            return Err(Error::Fit(format!(
                "ddof {} needs more than {} training rows",
                self.ddof, self.ddof
            )));
        }
        FittedCenterScale::fit_columns(train, |col| {
            let m = stats::mean(col);
            (m, guard_scale(stats::std(col, m, self.ddof), 1.0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn oracle_hand_computed() {
        // Column a: mean 2, std sqrt(2/3); column b: mean 0, std 2.
        let train = Dataset::from_features("t", array![[1.0, -2.0], [2.0, 2.0], [3.0, -2.0]]);
        let f = ZScore::default().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0, 6.0], [4.0, 0.0]])).unwrap();
        let sa = (2.0f64 / 3.0).sqrt();
        // Three rows: b = (-2, 2, -2) has mean -2/3 and population std sqrt(32/9).
        let (mb, sb) = (-2.0 / 3.0, (32.0f64 / 9.0).sqrt());
        assert_eq!(s[0], f64::max(0.0 / sa, (6.0 - mb) / sb));
        assert_eq!(s[1], f64::max(2.0 / sa, (0.0 - mb) / sb));
    }

    #[test]
    fn constant_column_gives_finite_scores() {
        let train = Dataset::from_features("t", array![[1.0], [1.0]]);
        let f = ZScore::default().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[3.0]])).unwrap();
        assert_eq!(s[0], 2.0);
    }

    #[test]
    fn column_count_mismatch_is_an_error() {
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        let f = ZScore::default().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn nan_and_empty_inputs_are_errors() {
        let nan = Dataset::from_features("t", array![[f64::NAN]]);
        assert!(matches!(
            ZScore::default().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", ndarray::Array2::zeros((0, 2)));
        assert!(matches!(
            ZScore::default().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
    }

    #[test]
    fn sample_std_with_ddof_one() {
        let train = Dataset::from_features("t", array![[1.0], [3.0]]);
        let f = ZScore::new(1).unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[4.0]])).unwrap();
        assert_eq!(s[0], 2.0 / 2.0f64.sqrt());
        assert!(matches!(ZScore::new(2), Err(Error::InvalidParameter { .. })));
        let one = Dataset::from_features("t", array![[1.0]]);
        assert!(matches!(
            ZScore::new(1).unwrap().fit(&one, &FitContext::new(0)),
            Err(Error::Fit(_))
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<ZScore>();
        is_send_sync::<FittedCenterScale>();
    }
}
