//! Per-job resource limits: `time_limit` and `memory_limit`, set for the whole experiment in
//! `[experiment]` or per `[[method]]` (the method's value wins).

use std::time::Duration;

/// The limits of one job. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Wall-clock time for the whole job (reading its data, fitting, scoring, evaluating).
    pub time: Option<Duration>,
    /// Address space of the job's worker process, in bytes.
    pub memory: Option<u64>,
}

impl Limits {
    /// `self` with every limit that `over` sets replaced by `over`'s.
    pub fn overridden_by(self, over: Limits) -> Limits {
        Limits { time: over.time.or(self.time), memory: over.memory.or(self.memory) }
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.time.is_some() || self.memory.is_some()
    }
}

/// Why a `time_limit` or `memory_limit` value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// Occurs when a time is neither a number nor a string with a number.
    #[error("expected seconds or a duration like \"30s\", \"10m\", \"2h\", got {0}")]
    NotATime(String),
    /// Occurs when a time's unit is not one of ms, s, m, h.
    #[error("unknown time unit `{0}` (use ms, s, m or h)")]
    TimeUnit(String),
    /// Occurs when a time is zero, negative, NaN or infinite.
    #[error("must be a positive duration, got {0} s")]
    TimeNotPositive(f64),
    /// Occurs when a time is longer than [`MAX_TIME_LIMIT_SECONDS`] (one year).
    #[error("must be at most one year ({MAX_TIME_LIMIT_SECONDS} s), got {0} s")]
    TimeTooLong(f64),
    /// Occurs when a size is neither a number nor a string with a number.
    #[error("expected bytes or a size like \"512MB\", \"2GB\", got {0}")]
    NotASize(String),
    /// Occurs when a size's unit is not one of B, KB, MB, GB, KiB, MiB, GiB.
    #[error("unknown size unit `{0}` (use KB, MB, GB, KiB, MiB or GiB)")]
    SizeUnit(String),
    /// Occurs when a size is below one byte, NaN or too large.
    #[error("must be a positive size, got {0} bytes")]
    SizeNotPositive(f64),
}

/// The longest `time_limit`: one year (365 days), in seconds.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

/// Parses a `time_limit`: a number of seconds, or a string with a unit (`"250ms"`, `"30s"`,
/// `"10m"`, `"2h"`), positive and at most [`MAX_TIME_LIMIT_SECONDS`] (one year).
pub fn parse_time(value: &toml::Value) -> Result<Duration, LimitError> {
    let seconds = match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        toml::Value::String(s) => {
            let s = s.trim();
            let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
            let (number, unit) = s.split_at(split);
            let number: f64 =
                number.trim().parse().map_err(|_| LimitError::NotATime(format!("\"{s}\"")))?;
            let scale = match unit.trim() {
                "ms" => 0.001,
                "" | "s" => 1.0,
                "m" | "min" => 60.0,
                "h" => 3600.0,
                other => return Err(LimitError::TimeUnit(other.to_string())),
            };
            number * scale
        }
        other => return Err(LimitError::NotATime(other.type_str().to_string())),
    };
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(LimitError::TimeNotPositive(seconds));
    }
    if seconds > MAX_TIME_LIMIT_SECONDS {
        return Err(LimitError::TimeTooLong(seconds));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a `memory_limit`: a number of bytes, or a string with a unit (`"512MB"`, `"2GB"`,
/// `"1.5GiB"`; KB/MB/GB are powers of 1000, KiB/MiB/GiB and K/M/G of 1024).
pub fn parse_memory(value: &toml::Value) -> Result<u64, LimitError> {
    let bytes = match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::String(s) => {
            let s = s.trim();
            let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
            let (number, unit) = s.split_at(split);
            let number: f64 =
                number.trim().parse().map_err(|_| LimitError::NotASize(format!("\"{s}\"")))?;
            let scale = match unit.trim() {
                "" | "B" => 1.0,
                "KB" => 1e3,
                "MB" => 1e6,
                "GB" => 1e9,
                "K" | "KiB" => 1024.0,
                "M" | "MiB" => 1024.0 * 1024.0,
                "G" | "GiB" => 1024.0 * 1024.0 * 1024.0,
                other => return Err(LimitError::SizeUnit(other.to_string())),
            };
            number * scale
        }
        other => return Err(LimitError::NotASize(other.type_str().to_string())),
    };
    if !(bytes >= 1.0 && bytes.is_finite() && bytes < u64::MAX as f64) {
        return Err(LimitError::SizeNotPositive(bytes));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value;

    #[test]
    fn time_limits_take_numbers_and_units() {
        assert_eq!(parse_time(&Value::Integer(30)), Ok(Duration::from_secs(30)));
        assert_eq!(parse_time(&Value::Float(0.5)), Ok(Duration::from_millis(500)));
        assert_eq!(parse_time(&Value::String("10m".into())), Ok(Duration::from_secs(600)));
        assert_eq!(parse_time(&Value::String("250ms".into())), Ok(Duration::from_millis(250)));
        assert_eq!(parse_time(&Value::String("2h".into())), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn time_limit_beyond_a_year_is_an_error_not_a_panic() {
        assert_eq!(parse_time(&Value::Float(1e20)), Err(LimitError::TimeTooLong(1e20)));
        assert!(parse_time(&Value::String("1e300h".into())).is_err());
        assert!(parse_time(&Value::Integer(i64::MAX)).is_err());
        let year = Duration::from_secs(365 * 24 * 3600);
        assert_eq!(parse_time(&Value::String("8760h".into())), Ok(year));
    }

    #[test]
    fn time_limit_cannot_be_zero_negative_nan_or_unitless_nonsense() {
        assert!(parse_time(&Value::Integer(0)).is_err());
        assert!(parse_time(&Value::Float(-1.0)).is_err());
        assert!(parse_time(&Value::Float(f64::NAN)).is_err());
        assert!(parse_time(&Value::String("soon".into())).is_err());
        assert!(parse_time(&Value::String("3 days".into())).is_err());
        assert!(parse_time(&Value::Boolean(true)).is_err());
    }

    #[test]
    fn memory_limits_take_bytes_and_units() {
        assert_eq!(parse_memory(&Value::Integer(4096)), Ok(4096));
        assert_eq!(parse_memory(&Value::String("512MB".into())), Ok(512_000_000));
        assert_eq!(parse_memory(&Value::String("2GiB".into())), Ok(2 << 30));
        assert_eq!(parse_memory(&Value::String("1.5G".into())), Ok(3 << 29));
    }

    #[test]
    fn memory_limit_cannot_be_zero_or_unknown_unit() {
        assert!(parse_memory(&Value::Integer(0)).is_err());
        assert!(parse_memory(&Value::String("12 parsecs".into())).is_err());
        assert!(parse_memory(&Value::Float(1e9)).is_err());
    }
}
