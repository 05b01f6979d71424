//! A job's fitted pipeline (imputer, scaler, windows, detector) and the model files that
//! keep it: `oddity fit --save DIR` (or `save_models = true`) writes one per job, and
//! `oddity score --model FILE` scores new rows with it exactly as the job scored its test
//! part.
//!
//! # File layout
//! A model file is three parts, so that a file of another kind or another version is
//! recognised before its body is decoded:
//! 1. the line `ODDITY-MODEL`;
//! 2. one line of JSON, the [`ModelHeader`]: the model format (this oddity reads format
//!    [`MODEL_FORMAT`] only), the oddity version that wrote it, the detector's name and
//!    the file's checksum;
//! 3. the body, CBOR: the [`ModelInfo`] (where the model comes from, its feature columns),
//!    the fitted imputer and scaler, the windows, and the detector's own state (bytes of
//!    [`FittedDetector::save`], decoded by its registry entry's `load`).
//!
//! # Checksum
//! The header's `checksum` is `crc64:` and 16 lowercase hex digits of the CRC-64/XZ of the
//! whole file as written with an empty `checksum` (the magic line, the header line, the
//! body). On reading, the header line must also be exactly as this oddity writes it, so
//! that any change of any byte — a flipped bit in the body, the header or the checksum
//! itself — is a "corrupt model file" error before the body is decoded. Files of the same
//! model format written before checksums were added have no `checksum` and are read
//! unchecked; older readers ignore the field.

use std::path::{Path, PathBuf};

use ndarray::Array1;
use oddity_core::{Dataset, FittedDetector};
use oddity_preprocess::{FittedImputer, FittedScaler, Imputer, PreprocessError, Scaler, Windows};
use serde::{Deserialize, Serialize};

use crate::checksum::Crc64;
use crate::record::JobRecord;
use crate::{registry, RunError};

/// The first line of every model file.
pub const MODEL_MAGIC: &str = "ODDITY-MODEL";
/// The model format this oddity writes and reads.
pub const MODEL_FORMAT: u32 = 2;
/// The extension of model files.
pub const MODEL_EXTENSION: &str = "oddity";

/// Why a pipeline could not be fitted or could not score rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// Occurs when imputing, scaling or windowing fails (a missing value without an
    /// imputer, a window longer than the part …).
    #[error(transparent)]
    Preprocess(#[from] PreprocessError),
    /// Occurs when the preprocessed rows do not fit the dataset's shape.
    #[error(transparent)]
    Shape(#[from] oddity_core::Error),
    /// Occurs when the detector fails to score.
    #[error("score: {0}")]
    Score(oddity_core::Error),
    /// Occurs when the detector returns a score count other than the row count.
    #[error("detector returned {got} scores for {rows} {part} rows")]
    ScoreCount {
        /// Scores returned.
        got: usize,
        /// Rows given.
        rows: usize,
        /// The part scored (`test`, `training`, `scored`).
        part: &'static str,
    },
    /// Occurs when the detector returns NaN or an infinity.
    #[error("detector returned a non-finite score at {part} row {row}")]
    NonFinite {
        /// The part scored.
        part: &'static str,
        /// The first row with a non-finite score.
        row: usize,
    },
}

/// Why a model file could not be written or read (the message of [`RunError::Model`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// Occurs when the file does not start with [`MODEL_MAGIC`].
    #[error("not an oddity model file (it does not start with `{MODEL_MAGIC}`); models are written by `oddity fit --save DIR`")]
    NotAModel,
    /// Occurs when the file ends before its header line does.
    #[error("truncated model file (no header line)")]
    NoHeader,
    /// Occurs when the header line is not the JSON header.
    #[error("corrupt model header ({0})")]
    Header(String),
    /// Occurs when the file is of another model format.
    #[error("written by oddity {oddity} in model format {format}; this oddity ({this}) reads model format {MODEL_FORMAT} only: refit with `oddity fit --save`")]
    Format {
        /// The oddity version that wrote it.
        oddity: String,
        /// Its model format.
        format: u32,
        /// This oddity's version.
        this: &'static str,
    },
    /// Occurs when the body cannot be decoded.
    #[error("truncated or corrupt model file ({0})")]
    Body(oddity_core::Error),
    /// Occurs when the model's detector is not in this oddity's registry.
    #[error("{}", crate::registry::left_out(.0).unwrap_or_else(|| format!("the model's detector `{}` is not known to this oddity", .0)))]
    UnknownDetector(String),
    /// Occurs when the detector's state cannot be loaded.
    #[error("truncated or corrupt model file (detector `{detector}`: {error})")]
    State {
        /// The detector.
        detector: String,
        /// Why its state was refused.
        error: oddity_core::Error,
    },
    /// Occurs when the header and the body name different detectors.
    #[error("corrupt model file: the header says detector `{header}`, the body `{body}`")]
    Mismatch {
        /// The header's detector.
        header: String,
        /// The body's detector.
        body: String,
    },
    /// Occurs when the file's checksum is not that of its bytes, or its header line is
    /// not as written (a changed byte anywhere).
    #[error("truncated or corrupt model file ({0})")]
    Corrupt(String),
    /// Occurs when the fitted state cannot be encoded.
    #[error("{0}")]
    Save(oddity_core::Error),
}

/// The preprocessing of a job, fitted on its training part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Fills missing values.
    pub imputer: FittedImputer,
    /// Scales the features.
    pub scaler: FittedScaler,
}

impl Preprocessing {
    /// Fits `impute` then `scale` on the training part `train`; returns them with `train`
    /// imputed and scaled.
    pub fn fit(
        impute: Imputer,
        scale: Scaler,
        train: &Dataset,
    ) -> Result<(Self, Dataset), PipelineError> {
        let names = &train.feature_names;
        let imputer = impute.fit(&train.features, names)?;
        let x = imputer.transform(&train.features, names)?;
        let scaler = scale.fit(&x)?;
        let train = train.with_features(scaler.transform(&x))?;
        Ok((Self { imputer, scaler }, train))
    }

    /// `part` with its features imputed and scaled.
    pub fn apply(&self, part: &Dataset) -> Result<Dataset, PipelineError> {
        let x = self.imputer.transform(&part.features, &part.feature_names)?;
        Ok(part.with_features(self.scaler.transform(&x))?)
    }
}

/// The rows of `part` as flattened windows of `w` (every `stride`-th window), marked as
/// windows of `w.size` steps; `name` names the part in errors.
pub(crate) fn windowed(
    w: &Windows,
    part: &Dataset,
    stride: usize,
    name: &'static str,
) -> Result<Dataset, PipelineError> {
    let x = w.flatten(part.features.view(), stride, name)?;
    Ok(Dataset::from_features(part.name.clone(), x).with_window(w.size)?)
}

/// Everything a job fitted: preprocessing, windows and detector. Scoring rows with it is
/// the one scoring path of a job's test part, of its training part (for thresholds) and of
/// `oddity score`.
pub struct FittedPipeline {
    /// Imputer and scaler.
    pub preprocessing: Preprocessing,
    /// Sliding windows before the detector, if any.
    pub window: Option<Windows>,
    /// The fitted detector.
    pub detector: Box<dyn FittedDetector>,
}

impl std::fmt::Debug for FittedPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedPipeline")
            .field("preprocessing", &self.preprocessing)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl FittedPipeline {
    /// One score per row of `part`, whose features are already preprocessed. With windows,
    /// every window (stride 1) is scored and each row gets the mean (or max) over the windows
    /// covering it. `name` names the part in errors.
    pub fn score_preprocessed(
        &self,
        part: &Dataset,
        name: &'static str,
    ) -> Result<Vec<f64>, PipelineError> {
        let scores: Array1<f64> = match &self.window {
            None => self.detector.score(part).map_err(PipelineError::Score)?,
            Some(w) => {
                let on = windowed(w, part, 1, name)?;
                // Sequence detectors give each window's error at every step; others one
                // score per window.
                match self.detector.score_steps(&on) {
                    Some(steps) => {
                        let steps = steps.map_err(PipelineError::Score)?;
                        w.spread_steps(part.n_rows(), steps.view()).into()
                    }
                    None => self.detector.score(&on).map_err(PipelineError::Score)?,
                }
            }
        };
        self.step_scores(part.n_rows(), scores, name)
    }

    /// One score per row of a part of `rows` rows from the detector's scores of it: with
    /// windows, scores of its stride-1 windows spread back to the rows (scores already one
    /// per row pass through); then checked to be one finite score per row.
    pub(crate) fn step_scores(
        &self,
        rows: usize,
        scores: Array1<f64>,
        name: &'static str,
    ) -> Result<Vec<f64>, PipelineError> {
        let scores = match &self.window {
            Some(w) if rows >= w.size && scores.len() == rows + 1 - w.size => {
                w.spread(rows, &scores.to_vec())
            }
            _ => scores.to_vec(),
        };
        if scores.len() != rows {
            return Err(PipelineError::ScoreCount { got: scores.len(), rows, part: name });
        }
        if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
            return Err(PipelineError::NonFinite { part: name, row: i });
        }
        Ok(scores)
    }

    /// One score per row of `rows` as read (preprocessing applied first).
    pub fn score(&self, rows: &Dataset) -> Result<Vec<f64>, PipelineError> {
        self.score_preprocessed(&self.preprocessing.apply(rows)?, "scored")
    }
}

/// The first lines of a model file, readable without decoding its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// The model format ([`MODEL_FORMAT`] when written by this oddity).
    pub format: u32,
    /// The version of oddity that wrote the file.
    pub oddity: String,
    /// The detector's registry name.
    pub detector: String,
    /// `crc64:` and 16 lowercase hex digits (see the [module docs](self#checksum)); `None`
    /// in files written before checksums were added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// Where a saved model comes from, and what its rows look like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The experiment's name.
    pub experiment: String,
    /// The dataset it was fitted on.
    pub dataset: String,
    /// The method variant's label.
    pub method: String,
    /// The detector's registry name.
    pub detector: String,
    /// Its resolved parameters, `k=v;…` as in results.
    pub params: String,
    /// The experiment seed of the job.
    pub seed: u64,
    /// The job's id.
    pub job: String,
    /// The feature columns, in the order the detector saw them.
    pub features: Vec<String>,
    /// The dataset's label column (read back by `oddity score` when the file has it).
    pub label: String,
    /// The dataset's timestamp column, if any.
    pub timestamp: Option<String>,
    /// Rows of the training part.
    pub n_train: usize,
}

impl ModelInfo {
    /// The origin of the model of the job of `record`, fitted on `features` of a dataset
    /// with the `label` and `timestamp` columns.
    pub fn of(
        record: &JobRecord,
        features: Vec<String>,
        label: String,
        timestamp: Option<String>,
    ) -> Self {
        Self {
            experiment: record.experiment.clone(),
            dataset: record.dataset.clone(),
            method: record.method.clone(),
            detector: record.detector.clone(),
            params: record.params.clone(),
            seed: record.seed,
            job: record.job.clone(),
            features,
            label,
            timestamp,
            n_train: record.n_train,
        }
    }
}

/// The CBOR body of a model file.
#[derive(Serialize, Deserialize)]
struct Body {
    info: ModelInfo,
    preprocessing: Preprocessing,
    window: Option<Windows>,
    #[serde(with = "serde_bytes")]
    state: Vec<u8>,
}

/// A fitted pipeline with where it comes from: what a model file holds.
#[derive(Debug)]
pub struct SavedModel {
    /// Where it comes from.
    pub info: ModelInfo,
    /// The fitted pipeline.
    pub pipeline: FittedPipeline,
}

/// An error reading or writing the model file `path`.
fn model_error(path: &Path, message: impl std::fmt::Display) -> RunError {
    RunError::Model { path: path.to_path_buf(), message: message.to_string() }
}

impl SavedModel {
    /// The model file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        let state = self.pipeline.detector.save().map_err(ModelFileError::Save)?;
        let mut header = ModelHeader {
            format: MODEL_FORMAT,
            oddity: env!("CARGO_PKG_VERSION").into(),
            detector: self.info.detector.clone(),
            checksum: None,
        };
        let body = Body {
            info: self.info.clone(),
            preprocessing: self.pipeline.preprocessing.clone(),
            window: self.pipeline.window,
            state,
        };
        let body = oddity_core::state::encode(&body).map_err(ModelFileError::Save)?;
        header.checksum = Some(checksum(&header, &body)?);
        let mut out = format!("{MODEL_MAGIC}\n{}\n", header_line(&header)?).into_bytes();
        out.extend(body);
        Ok(out)
    }

    /// Writes the model file at `path` (through a temporary file: never half a model).
    pub fn write(&self, path: &Path) -> Result<(), RunError> {
        let bytes = self.to_bytes().map_err(|e| model_error(path, e))?;
        crate::record::write_whole(path, bytes)
            .map_err(|e| model_error(path, format!("cannot write: {e}")))
    }

    /// Reads the model file at `path`. A file of another kind, another model format, an
    /// unknown detector, or a truncated or corrupt file is an error naming the file.
    pub fn read(path: &Path) -> Result<Self, RunError> {
        let bytes =
            std::fs::read(path).map_err(|e| model_error(path, format!("cannot read: {e}")))?;
        Self::from_bytes(&bytes).map_err(|e| model_error(path, e))
    }

    /// The model in `bytes` (see [`SavedModel::read`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        let (header, body) = parts(bytes)?;
        let body: Body = oddity_core::state::decode(body, "model").map_err(ModelFileError::Body)?;
        let entry = registry::detector(&header.detector)
            .ok_or_else(|| ModelFileError::UnknownDetector(header.detector.clone()))?;
        let detector = entry
            .load_fitted(&body.state)
            .map_err(|error| ModelFileError::State { detector: header.detector.clone(), error })?;
        if body.info.detector != header.detector {
            return Err(ModelFileError::Mismatch {
                header: header.detector,
                body: body.info.detector,
            });
        }
        Ok(Self {
            info: body.info,
            pipeline: FittedPipeline {
                preprocessing: body.preprocessing,
                window: body.window,
                detector,
            },
        })
    }
}

/// The header line of `header`, as written.
fn header_line(header: &ModelHeader) -> Result<String, ModelFileError> {
    serde_json::to_string(header).map_err(|e| ModelFileError::Header(e.to_string()))
}

/// The checksum of a model file of `header` (its `checksum` left empty) and `body`.
fn checksum(header: &ModelHeader, body: &[u8]) -> Result<String, ModelFileError> {
    let blank = ModelHeader { checksum: Some(String::new()), ..header.clone() };
    let mut crc = Crc64::new();
    crc.update(MODEL_MAGIC.as_bytes());
    crc.update(b"\n");
    crc.update(header_line(&blank)?.as_bytes());
    crc.update(b"\n");
    crc.update(body);
    Ok(format!("crc64:{:016x}", crc.finish()))
}

/// The header of the model in `bytes`, checked (the magic line, then a header of this
/// oddity's model format, written as this oddity writes it, then the checksum when the
/// header has one), and the body after it.
fn parts(bytes: &[u8]) -> Result<(ModelHeader, &[u8]), ModelFileError> {
    let (magic, rest) = split_line(bytes).ok_or(ModelFileError::NotAModel)?;
    if magic != MODEL_MAGIC.as_bytes() {
        return Err(ModelFileError::NotAModel);
    }
    let (line, body) = split_line(rest).ok_or(ModelFileError::NoHeader)?;
    let header: ModelHeader =
        serde_json::from_slice(line).map_err(|e| ModelFileError::Header(e.to_string()))?;
    if header.format != MODEL_FORMAT {
        return Err(ModelFileError::Format {
            oddity: header.oddity,
            format: header.format,
            this: env!("CARGO_PKG_VERSION"),
        });
    }
    // A changed byte that still parses to a header (an unknown key, other spacing) would
    // escape the checksum, which is computed over the header as written.
    if header_line(&header)?.as_bytes() != line {
        return Err(ModelFileError::Corrupt("the header line is not as oddity writes it".into()));
    }
    if let Some(stored) = &header.checksum {
        let actual = checksum(&header, body)?;
        if *stored != actual {
            return Err(ModelFileError::Corrupt(format!(
                "checksum mismatch: the header says `{}`, the file gives `{actual}`",
                stored.escape_debug()
            )));
        }
    }
    Ok((header, body))
}

/// The bytes up to the first newline and the bytes after it; `None` without a newline.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..i], &bytes[i + 1..]))
}

/// The file name of a job's model inside the models folder:
/// `<dataset>/<method>-seed<S>.oddity`, with characters other than letters, digits, `-`, `_`
/// and `.` replaced by `_` and, when a name had any, `~` and a hash of the name appended
/// (`knn[k=5]` → `knn_k_5_~<16 hex digits>`), so that two names never share a file.
pub fn model_path(dir: &Path, dataset: &str, method: &str, seed: u64) -> PathBuf {
    let safe = crate::record::tracks::file_safe;
    dir.join(safe(dataset)).join(format!("{}-seed{seed}.{MODEL_EXTENSION}", safe(method)))
}

/// Reads the rows of `path` that a model of `info` scores: its feature columns by name (in
/// the model's order, other columns ignored), and the labels when the file has the model's
/// label column (as a dataset's test part is read). Missing values read as NaN: the model's
/// imputer fills them, or names the first one.
pub fn read_rows(path: &Path, info: &ModelInfo) -> Result<Dataset, RunError> {
    let opts = |label| oddity_ingest::ReadOptions {
        label,
        timestamp: None,
        features: Some(info.features.clone()),
        extra: vec![],
        allow_missing: true,
        max_array_bytes: None,
    };
    crate::data::read_part(path, &info.dataset, opts, &info.label, false)
        .map_err(|e| RunError::Data { dataset: path.display().to_string(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use oddity_core::{FitContext, Params};

    use super::*;

    /// A real model file (standard scaling, then `knn`) fitted on 40 rows, with the rows it
    /// scores and its scores of them.
    fn saved_model() -> (Vec<u8>, Dataset, Vec<f64>) {
        let rows = |n: usize, shift: f64| {
            Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.5 + shift)
        };
        let train = Dataset::from_features("t", rows(40, 0.0));
        let test = Dataset::from_features("t", rows(12, 0.25));
        let (preprocessing, fit_on) =
            Preprocessing::fit(Imputer::None, Scaler::Standard, &train).unwrap();
        let entry = registry::detector("knn").unwrap();
        let (_, detector) = entry.instantiate(&Params::default()).unwrap();
        let detector = detector.fit(&fit_on, &FitContext::new(7)).unwrap();
        let pipeline = FittedPipeline { preprocessing, window: None, detector };
        let scores = pipeline.score(&test).unwrap();
        let info = ModelInfo {
            experiment: "e".into(),
            dataset: "t".into(),
            method: "knn".into(),
            detector: "knn".into(),
            params: String::new(),
            seed: 0,
            job: "0123456789abcdef".into(),
            features: train.feature_names.clone(),
            label: "label".into(),
            timestamp: None,
            n_train: 40,
        };
        (SavedModel { info, pipeline }.to_bytes().unwrap(), test, scores)
    }

    fn bits(scores: &[f64]) -> Vec<u64> {
        scores.iter().map(|s| s.to_bits()).collect()
    }

    #[test]
    fn untouched_model_file_loads_and_scores_bit_identically() {
        let (bytes, test, scores) = saved_model();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.lines().nth(1).unwrap().contains(r#","checksum":"crc64:"#), "{text}");
        let model = SavedModel::from_bytes(&bytes).unwrap();
        assert_eq!(bits(&model.pipeline.score(&test).unwrap()), bits(&scores));
        // Written again, the file is the same bytes.
        assert_eq!(model.to_bytes().unwrap(), bytes);
    }

    #[test]
    fn every_single_bit_flip_of_a_model_file_is_an_error() {
        let (bytes, _, _) = saved_model();
        let mut corrupt = 0;
        for bit in 0..bytes.len() * 8 {
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            match SavedModel::from_bytes(&bad) {
                Ok(_) => panic!("flipping bit {bit} of {} went unnoticed", bytes.len() * 8),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(!msg.contains('\n'), "bit {bit}: {msg}");
                    corrupt += usize::from(matches!(e, ModelFileError::Corrupt(_)));
                }
            }
        }
        // Every flip past the magic line and the format is the checksum's (or the header
        // line's) to catch, before the body is decoded.
        assert!(corrupt > bytes.len() * 8 * 9 / 10, "{corrupt} of {} flips", bytes.len() * 8);
    }

    #[test]
    fn checksum_mismatch_is_a_one_line_error_naming_the_file() {
        let (mut bytes, _, _) = saved_model();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x10;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.oddity");
        std::fs::write(&path, &bytes).unwrap();
        let msg = SavedModel::read(&path).unwrap_err().to_string();
        assert!(msg.contains("m.oddity"), "{msg}");
        assert!(
            msg.contains(
                "truncated or corrupt model file (checksum mismatch: the header says `crc64:"
            ),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn model_files_without_a_checksum_still_read() {
        let (bytes, test, scores) = saved_model();
        let text = String::from_utf8_lossy(&bytes);
        let start = text.find(r#","checksum":""#).unwrap();
        let end = start + text[start..].find('}').unwrap();
        let mut old = bytes[..start].to_vec();
        old.extend(&bytes[end..]);
        let model = SavedModel::from_bytes(&old).unwrap();
        assert_eq!(model.info.detector, "knn");
        assert_eq!(bits(&model.pipeline.score(&test).unwrap()), bits(&scores));
        // A header with an unknown key is not as written: refused, not read unchecked.
        let mut renamed = bytes.clone();
        renamed[start + r#","checksum"#.len() - 1] = b'n';
        let err = SavedModel::from_bytes(&renamed).unwrap_err();
        assert!(matches!(err, ModelFileError::Corrupt(_)), "{err}");
    }
}
