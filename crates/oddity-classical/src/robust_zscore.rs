//! The robust z-score detector.

use oddity_core::{stats, Dataset, Detector, Error, FitContext, FittedDetector};

use crate::center_scale::{guard_scale, FittedCenterScale};

/// The factor that makes the MAD a consistent estimator of the standard deviation under
/// normality.
pub const MAD_CONSISTENCY: f64 = 1.4826;

/// Robust z-score: `max_j |x_j − median_j| / (c · MAD_j)` with the training median
/// (`numpy.median`: mean of the two middle values for an even count), the raw median
/// absolute deviation and `c` = 1.4826 by default; a zero MAD counts as 1, so its
/// denominator is `c`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RobustZScore {
    /// The factor applied to the MAD.
    pub c: f64,
}

impl Default for RobustZScore {
    fn default() -> Self {
        Self { c: MAD_CONSISTENCY }
    }
}

impl RobustZScore {
    /// Checks the parameters and builds the detector.
    pub fn new(c: f64) -> Result<Self, Error> {
        if !(c > 0.0 && c.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "c".into(),
                reason: format!("must be a positive number, got {c}"),
            });
        }
        Ok(Self { c })
    }
}

impl Detector for RobustZScore {
    fn name(&self) -> &str {
        "robust_zscore"
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        FittedCenterScale::fit_columns(train, |col| {
            let med = stats::median(col.iter().copied());
            let mad = stats::median(col.iter().map(|&x| (x - med).abs()));
            (med, self.c * guard_scale(mad, 1.0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn oracle_hand_computed() {
        // Median 2.5; deviations 1.5, 0.5, 0.5, 97.5 → MAD = 1.0.
        let train = Dataset::from_features("t", array![[1.0], [2.0], [3.0], [100.0]]);
        let f = RobustZScore::default().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.5], [5.5]])).unwrap();
        assert_eq!(s.to_vec(), vec![0.0, 3.0 / 1.4826]);
    }

    #[test]
    fn factor_must_be_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(RobustZScore::new(bad), Err(Error::InvalidParameter { .. })));
        }
        assert_eq!(RobustZScore::new(1.0).unwrap().c, 1.0);
    }

    #[test]
    fn zero_mad_uses_the_consistency_factor_alone() {
        let train = Dataset::from_features("t", array![[1.0], [1.0], [1.0], [9.0]]);
        let f = RobustZScore::default().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0]])).unwrap();
        assert_eq!(s[0], 1.0 / 1.4826);
    }
}
