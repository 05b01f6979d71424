//! The detectors this crate provides, as the runner and `oddity list` see them.

use oddity_core::{Detector, DetectorEntry, Error, ParamKind, ParamSpec, ParamValue, Params};

use crate::{RobustZScore, ZScore};

/// Every classical detector: name, one-line summary, parameters and constructor.
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry {
            name: "zscore",
            summary: "max over features of |x - mean| / std (train statistics, ddof 0, std 0 -> 1)",
            params: vec![ParamSpec {
                name: "ddof",
                kind: ParamKind::Int,
                default: ParamValue::Int(0),
                doc: "delta degrees of freedom of the std: 0 (population) or 1 (sample)",
            }],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(ZScore::new(p.int("ddof")?)?))
            },
        },
        DetectorEntry {
            name: "robust_zscore",
            summary:
                "max over features of |x - median| / (1.4826 * MAD) (train statistics, MAD 0 -> 1)",
            params: vec![ParamSpec {
                name: "c",
                kind: ParamKind::Float,
                default: ParamValue::Float(crate::MAD_CONSISTENCY),
                doc: "factor applied to the MAD (1.4826: consistent with the std under normality)",
            }],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(RobustZScore::new(p.float("c")?)?))
            },
        },
        DetectorEntry {
            name: "knn",
            summary: "distance to the k-th nearest train row, or mean / median of the k distances",
            params: vec![
                ParamSpec {
                    name: "k",
                    kind: ParamKind::Int,
                    default: ParamValue::Int(5),
                    doc: "number of nearest train rows (>= 1 and < number of train rows)",
                },
                ParamSpec {
                    name: "method",
                    kind: ParamKind::OneOf(crate::KnnMethod::NAMES),
                    default: ParamValue::Str("largest".into()),
                    doc: "largest: k-th distance; mean / median of the k distances",
                },
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Knn::new(p.int("k")?, p.str("method")?)?))
            },
        },
        DetectorEntry {
            name: "lof",
            summary: "local outlier factor (novelty mode, as scikit-learn): mean neighbour lrd / own lrd",
            params: vec![ParamSpec {
                name: "k",
                kind: ParamKind::Int,
                default: ParamValue::Int(20),
                doc: "number of neighbours (>= 1); min(k, n_train - 1) is used",
            }],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Lof::new(p.int("k")?)?))
            },
        },
        DetectorEntry {
            name: "mahalanobis",
            summary: "squared Mahalanobis distance to the train mean (ddof-0 covariance, pseudo-inverse)",
            params: vec![ParamSpec {
                name: "pinv_rtol",
                kind: ParamKind::Float,
                default: ParamValue::Float(0.0),
                doc: "relative eigenvalue cutoff of the pseudo-inverse; 0 = d * machine epsilon (scipy pinvh)",
            }],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Mahalanobis::new(p.float("pinv_rtol")?)?))
            },
        },
        DetectorEntry {
            name: "ecod",
            summary: "ECOD: sum of -ln ECDF tail probabilities; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch",
            params: vec![
                ParamSpec {
                    name: "ecdf",
                    kind: ParamKind::OneOf(&["train", "pooled"]),
                    default: ParamValue::Str("train".into()),
                    doc: "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]",
                },
                ParamSpec {
                    name: "aggregation",
                    kind: ParamKind::OneOf(&["pyod", "paper"]),
                    default: ParamValue::Str("pyod".into()),
                    doc: "pyod: sum_j max(U_l, U_r, U_skew); paper: max(sum U_l, sum U_r, sum U_skew)",
                },
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Ecod::new(p.str("ecdf")?, p.str("aggregation")?)?))
            },
        },
        DetectorEntry {
            name: "copod",
            summary: "COPOD: sum_j max(U_skew, (U_l + U_r) / 2) of -ln ECDF tails; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch",
            params: vec![ParamSpec {
                name: "ecdf",
                kind: ParamKind::OneOf(&["train", "pooled"]),
                default: ParamValue::Str("train".into()),
                doc: "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]",
            }],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Copod::new(p.str("ecdf")?)?))
            },
        },
        DetectorEntry {
            name: "hbos",
            summary: "HBOS: -sum_j log2(density + alpha) of per-feature equal-width train histograms (PyOD binning)",
            params: vec![
                ParamSpec {
                    name: "bins",
                    kind: ParamKind::Int,
                    default: ParamValue::Int(10),
                    doc: "equal-width bins per feature (>= 2)",
                },
                ParamSpec {
                    name: "alpha",
                    kind: ParamKind::Float,
                    default: ParamValue::Float(0.1),
                    doc: "added to each density before log2 (> 0)",
                },
                ParamSpec {
                    name: "tol",
                    kind: ParamKind::Float,
                    default: ParamValue::Float(0.5),
                    doc: "values within tol bin widths outside the train range use the edge bin (>= 0)",
                },
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
