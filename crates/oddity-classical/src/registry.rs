//! The detectors this crate provides, as the runner and `oddity list` see them.

use oddity_core::{Detector, DetectorEntry, Error, ParamSpec, Params};

use crate::{RobustZScore, ZScore};

/// Every classical detector: name, one-line summary, parameters and constructor.
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry {
            name: "zscore",
            summary: "max over features of |x - mean| / std (train statistics, ddof 0, std 0 -> 1)",
            params: vec![ParamSpec::int("ddof", 0, "delta degrees of freedom of the std: 0 (population) or 1 (sample)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(ZScore::new(p.int("ddof")?)?))
            },
        },
        DetectorEntry {
            name: "robust_zscore",
            summary:
                "max over features of |x - median| / (1.4826 * MAD) (train statistics, MAD 0 -> 1)",
            params: vec![ParamSpec::float("c", crate::MAD_CONSISTENCY, "factor applied to the MAD (1.4826: consistent with the std under normality)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(RobustZScore::new(p.float("c")?)?))
            },
        },
        DetectorEntry {
            name: "knn",
            summary: "distance to the k-th nearest train row, or mean / median of the k distances",
            params: vec![
                ParamSpec::int("k", 5, "number of nearest train rows (>= 1 and < number of train rows)"),
                ParamSpec::one_of("method", crate::KnnMethod::NAMES, "largest", "largest: k-th distance; mean / median of the k distances"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Knn::new(p.int("k")?, p.str("method")?)?))
            },
        },
        DetectorEntry {
            name: "lof",
            summary: "local outlier factor (novelty mode, as scikit-learn): mean neighbour lrd / own lrd",
            params: vec![ParamSpec::int("k", 20, "number of neighbours (>= 1); min(k, n_train - 1) is used")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Lof::new(p.int("k")?)?))
            },
        },
        DetectorEntry {
            name: "mahalanobis",
            summary: "squared Mahalanobis distance to the train mean (ddof-0 covariance, pseudo-inverse)",
            params: vec![ParamSpec::float("pinv_rtol", 0.0, "relative eigenvalue cutoff of the pseudo-inverse; 0 = d * machine epsilon (scipy pinvh)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Mahalanobis::new(p.float("pinv_rtol")?)?))
            },
        },
        DetectorEntry {
            name: "ecod",
            summary: "ECOD: sum of -ln ECDF tail probabilities; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch",
            params: vec![
                ParamSpec::one_of("ecdf", &["train", "pooled"], "train", "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]"),
                ParamSpec::one_of("aggregation", &["pyod", "paper"], "pyod", "pyod: sum_j max(U_l, U_r, U_skew); paper: max(sum U_l, sum U_r, sum U_skew)"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Ecod::new(p.str("ecdf")?, p.str("aggregation")?)?))
            },
        },
        DetectorEntry {
            name: "copod",
            summary: "COPOD: sum_j max(U_skew, (U_l + U_r) / 2) of -ln ECDF tails; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch",
            params: vec![ParamSpec::one_of("ecdf", &["train", "pooled"], "train", "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Copod::new(p.str("ecdf")?)?))
            },
        },
        DetectorEntry {
            name: "hbos",
            summary: "HBOS: -sum_j log2(density + alpha) of per-feature equal-width train histograms (PyOD binning)",
            params: vec![
                ParamSpec::int("bins", 10, "equal-width bins per feature (>= 2)"),
                ParamSpec::float("alpha", 0.1, "added to each density before log2 (> 0)"),
                ParamSpec::float("tol", 0.5, "values within tol bin widths outside the train range use the edge bin (>= 0)"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Hbos::new(p.int("bins")?, p.float("alpha")?, p.float("tol")?)?))
            },
        },
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
