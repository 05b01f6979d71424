//! The exit codes of `oddity`: part of its interface, like the journal's format.

use std::process::ExitCode;

/// Everything asked for was done.
pub const SUCCESS: u8 = 0;
/// The run finished but some jobs did not end `ok` (failed, timeout, oom), or a merge of
/// shard folders misses jobs. Every finished result is kept.
pub const JOBS_FAILED: u8 = 1;
/// Nothing was done, or the run stopped: a bad config, data file, argument or output folder
/// (the one-line `error:` says which).
pub const ERROR: u8 = 2;

/// [`SUCCESS`] as an [`ExitCode`].
pub fn success() -> ExitCode {
    ExitCode::from(SUCCESS)
}

/// [`JOBS_FAILED`] as an [`ExitCode`].
pub fn jobs_failed() -> ExitCode {
    ExitCode::from(JOBS_FAILED)
}

/// [`ERROR`] as an [`ExitCode`].
pub fn error() -> ExitCode {
    ExitCode::from(ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_stable() {
        assert_eq!((SUCCESS, JOBS_FAILED, ERROR), (0, 1, 2));
    }
}
