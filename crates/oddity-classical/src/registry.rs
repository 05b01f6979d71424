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
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
