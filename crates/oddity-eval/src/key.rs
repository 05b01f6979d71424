//! [`MetricKey`]: which value a result is, by fields.

use std::fmt;

/// Which value a result is: the metric's name in results, the label of its options, and the
/// threshold rule it was computed at.
///
/// Compare and group results by these fields; [`Display`](fmt::Display) gives the form shown
/// in reports (`best_f1`, `vus_pr [buffer=period]`, `f1 @ pot(q=0.001,level=0.98)`) and is
/// never parsed back.
///
/// # Example
///
/// ```
/// use oddity_eval::MetricKey;
/// let key = MetricKey::new("f1").at("pot(q=0.001,level=0.98)");
/// assert_eq!(key.to_string(), "f1 @ pot(q=0.001,level=0.98)");
/// assert!(key.is_at_threshold() && key.metric == "f1");
/// let vus = MetricKey::new("vus_pr").with_options("buffer=period");
/// assert_eq!(vus.to_string(), "vus_pr [buffer=period]");
/// assert_eq!(MetricKey::new("roc_auc").with_options(""), MetricKey::new("roc_auc"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey {
    /// The metric's name in results (`f1` for `best_f1` at a threshold rule).
    pub metric: String,
    /// The label of its options (`buffer=100;thresholds=all`), if any.
    pub options: Option<String>,
    /// The label of the threshold rule it was computed at, if any.
    pub threshold: Option<String>,
}

impl MetricKey {
    /// A metric without options, not at a threshold rule.
    pub fn new(metric: impl Into<String>) -> Self {
        Self { metric: metric.into(), options: None, threshold: None }
    }

    /// The same key with the options' label (an empty label is no options).
    #[must_use]
    pub fn with_options(mut self, label: impl Into<String>) -> Self {
        let label = label.into();
        self.options = (!label.is_empty()).then_some(label);
        self
    }

    /// The same key at the threshold rule labelled `rule`.
    #[must_use]
    pub fn at(mut self, rule: impl Into<String>) -> Self {
        self.threshold = Some(rule.into());
        self
    }

    /// Whether the value was computed at a threshold rule's alarms.
    pub fn is_at_threshold(&self) -> bool {
        self.threshold.is_some()
    }
}

/// `metric`, then ` [options]`, then ` @ rule`.
impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.metric)?;
        if let Some(options) = &self.options {
            write!(f, " [{options}]")?;
        }
        if let Some(rule) = &self.threshold {
            write!(f, " @ {rule}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_report_form() {
        let key =
            MetricKey::new("best_f1").with_options("compat=tsbad").at("spot(q=0.001,level=0.98)");
        assert_eq!(key.to_string(), "best_f1 [compat=tsbad] @ spot(q=0.001,level=0.98)");
        assert_eq!(MetricKey::new("roc_auc").to_string(), "roc_auc");
    }

    #[test]
    fn fields_decide_equality_not_the_text() {
        // A metric name with " @ " in it is still not at a threshold.
        let odd = MetricKey::new("f1 @ x");
        let at = MetricKey::new("f1").at("x");
        assert_eq!(odd.to_string(), at.to_string());
        assert_ne!(odd, at);
        assert!(!odd.is_at_threshold());
    }
}
