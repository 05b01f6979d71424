//! The detectors this crate provides, as the runner and `oddity list` see them.

use oddity_core::{Detector, DetectorEntry, Error, FittedDetector, ParamSpec, ParamValue, Params};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{RobustZScore, ZScore};

/// The name of the fitted type `T` (`FittedKnn`), the tag of its saved state.
fn kind<T>() -> &'static str {
    std::any::type_name::<T>().rsplit("::").next().unwrap_or("detector")
}

/// The saved state of a fitted detector: its fields after the tag of its type.
pub(crate) fn save_state<T: Serialize>(state: &T) -> Result<Vec<u8>, Error> {
    oddity_core::state::encode_tagged(kind::<T>(), state)
}

/// Loads a fitted detector of type `T` from the bytes of its [`FittedDetector::save`].
fn load<T: FittedDetector + DeserializeOwned + 'static>(
    bytes: &[u8],
) -> Result<Box<dyn FittedDetector>, Error> {
    Ok(Box::new(oddity_core::state::decode_tagged::<T>(bytes, kind::<T>())?))
}

/// Every classical detector: name, one-line summary, parameters and constructor.
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry {
            load: Some(load::<crate::FittedCenterScale>),
            name: "zscore",
            summary: "max over features of |x - mean| / std (train statistics, ddof 0, std 0 -> 1)",
            params: vec![ParamSpec::int("ddof", 0, "delta degrees of freedom of the std: 0 (population) or 1 (sample)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(ZScore::new(p.int("ddof")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedCenterScale>),
            name: "robust_zscore",
            summary:
                "max over features of |x - median| / (1.4826 * MAD) (train statistics, MAD 0 -> 1)",
            params: vec![ParamSpec::float("c", crate::MAD_CONSISTENCY, "factor applied to the MAD (1.4826: consistent with the std under normality)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(RobustZScore::new(p.float("c")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::GaussianMixture>),
            name: "gmm",
            summary: "negative log-likelihood under a Gaussian mixture (full covariances, EM from a k-means init, log-sum-exp)",
            params: vec![
                ParamSpec::int_or("components", &["bic"], ParamValue::Int(4), "number of components, or \"bic\": lowest train BIC over bic_components"),
                ParamSpec::text("bic_components", "1,2,4,8", "comma-separated candidate counts for components = \"bic\""),
                ParamSpec::float("reg_covar", 1e-6, "added to every covariance diagonal"),
                ParamSpec::int("max_iter", 100, "EM iterations per run at most"),
                ParamSpec::float("tol", 1e-3, "EM stops when the mean train log-likelihood changes less than this (max_iter reached: last parameters kept)"),
                ParamSpec::int("n_init", 1, "EM runs from different seeded initialisations (best likelihood kept)"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                let components = crate::Gmm::parse_components(p.value("components")?, p.str("bic_components")?)?;
                Ok(Box::new(crate::Gmm::new(components, p.float("reg_covar")?, p.int("max_iter")?, p.float("tol")?, p.int("n_init")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::Centroids>),
            name: "kmeans",
            summary: "Euclidean distance to the nearest k-means centroid (greedy k-means++ init, best of n_init Lloyd runs)",
            params: vec![
                ParamSpec::int("clusters", 8, "number of clusters (at most the number of train rows)"),
                ParamSpec::int("n_init", 10, "runs from different seeded k-means++ initialisations (lowest inertia kept)"),
                ParamSpec::int("max_iter", 300, "Lloyd iterations per run at most"),
                ParamSpec::float("tol", 1e-4, "a run stops when the summed squared centroid shift is at most tol times the mean feature variance"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::KMeans::new(p.int("clusters")?, p.int("n_init")?, p.int("max_iter")?, p.float("tol")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedKnn>),
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
            load: Some(load::<crate::FittedLof>),
            name: "lof",
            summary: "local outlier factor (novelty mode, as scikit-learn): mean neighbour lrd / own lrd",
            params: vec![ParamSpec::int("k", 20, "number of neighbours (>= 1); min(k, n_train - 1) is used")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Lof::new(p.int("k")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedDbscan>),
            name: "dbscan",
            summary: "DBSCAN core distance: Euclidean distance to the nearest core sample of the train rows (scikit-learn's core rule)",
            params: vec![
                ParamSpec::float_or("eps", &["auto"], ParamValue::Str("auto".into()), "neighbourhood radius (> 0), or \"auto\": 90th percentile of the train rows' distance to their 5th nearest other train row"),
                ParamSpec::int("min_samples", 5, "train rows within eps, the row itself included, that make a core sample (>= 1)"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                let eps = crate::DbscanEps::from_param(p.value("eps")?)?;
                Ok(Box::new(crate::Dbscan::new(eps, p.int("min_samples")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedMahalanobis>),
            name: "mahalanobis",
            summary: "squared Mahalanobis distance to the train mean (ddof-0 covariance, pseudo-inverse)",
            params: vec![ParamSpec::float("pinv_rtol", 0.0, "relative eigenvalue cutoff of the pseudo-inverse; 0 = d * machine epsilon (scipy pinvh)")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Mahalanobis::new(p.float("pinv_rtol")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedEcod>),
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
            load: Some(load::<crate::FittedCopod>),
            name: "copod",
            summary: "COPOD: sum_j max(U_skew, (U_l + U_r) / 2) of -ln ECDF tails; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch",
            params: vec![ParamSpec::one_of("ecdf", &["train", "pooled"], "train", "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]")],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Copod::new(p.str("ecdf")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedHbos>),
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
        DetectorEntry {
            load: Some(load::<crate::FittedIsolationForest>),
            name: "iforest",
            summary: "isolation forest (Liu et al. 2008): 2^(-mean path length / c(psi)) in (0, 1], scikit-learn's -score_samples",
            params: vec![
                ParamSpec::int("n_estimators", 100, "number of trees (>= 1)"),
                ParamSpec::int("max_samples", 256, "rows per tree, min(max_samples, n) are used (>= 1)"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::IsolationForest::new(p.int("n_estimators")?, p.int("max_samples")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedExtendedIsolationForest>),
            name: "eif",
            summary: "extended isolation forest (Hariri et al. 2019): random-hyperplane splits, score 2^(-mean path length / c(psi))",
            params: vec![
                ParamSpec::int("n_estimators", 100, "number of trees (>= 1)"),
                ParamSpec::int("max_samples", 256, "rows per tree, min(max_samples, n) are used (>= 1)"),
                ParamSpec::int_or("extension_level", &["full"], ParamValue::Str("full".into()), "non-zero slope coordinates minus 1: 0 = axis-parallel (iforest), full = d - 1"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                let level = match p.value("extension_level")? {
                    ParamValue::Int(level) => Some(*level),
                    _ => None,
                };
                Ok(Box::new(crate::ExtendedIsolationForest::new(p.int("n_estimators")?, p.int("max_samples")?, level)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedPca>),
            name: "pca",
            summary: "PCA on standardised train rows; score=weighted: sum_j y_j^2 / lambda_j (Shyu et al. 2003); score=pyod: PyOD's sum_j ||x - v_j|| / evr_j",
            params: vec![
                ParamSpec::int("components", 0, "leading components kept; 0 = all (min(n, d))"),
                ParamSpec::bool("whiten", false, "accepted for PyOD compatibility; changes no score"),
                ParamSpec::one_of("score", crate::PcaScore::NAMES, "weighted", "weighted: sum of squared projections / variance; pyod: PyOD's decision_function"),
                ParamSpec::bool("standardize", true, "standardise with train mean / population std first (PyOD's default)"),
                ParamSpec::bool("drop_null", true, "drop components with explained-variance ratio <= 1e-12; false: such components are a fit error"),
            ],
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::Pca::new(p.int("components")?, p.bool("whiten")?, p.str("score")?, p.bool("standardize")?, p.bool("drop_null")?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<crate::FittedRandomScores>),
            name: "random",
            summary: "random baseline: seeded uniform scores in [0, 1), independent of the rows (the chance level of every metric)",
            params: vec![],
            build: |_: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(crate::RandomScores))
            },
        },
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
