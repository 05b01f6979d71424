//! Errors of the runner: a bad config, bad data, or an output that cannot be written.

use std::fmt;
use std::path::PathBuf;

/// A config error, pointing at the file, line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The key concerned (`dataset[1].split`, `method[0].k` …), when known.
    pub key: Option<String>,
    /// What is wrong, one line.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config `{}`", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// An error that stops a run before or after its jobs (a failing job never does).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Occurs when the config is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Occurs when a dataset cannot be read or split.
    #[error("dataset `{dataset}`: {message}")]
    Data {
        /// The dataset's name.
        dataset: String,
        /// What is wrong (names the file, column and row).
        message: String,
    },
    /// Occurs when the output folder or a result file cannot be written.
    #[error("output `{}`: {message}", path.display())]
    Output {
        /// The path concerned.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Occurs when a worker process is given a request it cannot serve.
    #[error("worker: {message}")]
    Worker {
        /// What is wrong.
        message: String,
    },
    /// Occurs when a model file cannot be written or read (not a model, another model
    /// format, truncated or corrupt, an unknown detector).
    #[error("model `{}`: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Occurs when a journal cannot be read back.
    #[error("journal `{}`, line {line}: {message}", path.display())]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl RunError {
    /// An [`RunError::Output`] error for `path`.
    pub fn output(path: impl Into<PathBuf>, e: impl fmt::Display) -> Self {
        Self::Output { path: path.into(), message: e.to_string() }
    }
}
