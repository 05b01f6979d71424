//! Detector parameters: typed values, their specifications (shown by `oddity list`) and
//! their resolution against user input.

use std::collections::BTreeMap;
use std::fmt;

use crate::Error;

/// One parameter value as written in a config.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v:?}"),
            Self::Bool(v) => write!(f, "{v}"),
            Self::Str(v) => write!(f, "{v}"),
        }
    }
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An integer.
    Int,
    /// A number (integers are accepted).
    Float,
    /// A boolean.
    Bool,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// An integer, or one of a fixed set of words (`components = 4` or `components = "bic"`).
    IntOr(&'static [&'static str]),
    /// A number, or one of a fixed set of words (`eps = 0.5` or `eps = "auto"`).
    FloatOr(&'static [&'static str]),
    /// Free text, checked by the detector that reads it (e.g. a comma-separated list).
    Text,
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int => f.write_str("int"),
            Self::Float => f.write_str("float"),
            Self::Bool => f.write_str("bool"),
            Self::OneOf(choices) => write!(f, "one of {}", choices.join("|")),
            Self::IntOr(words) => write!(f, "int or {}", words.join("|")),
            Self::FloatOr(words) => write!(f, "float or {}", words.join("|")),
            Self::Text => f.write_str("text"),
        }
    }
}

/// The largest magnitude of an integer detector parameter: a count beyond it (trees,
/// neighbours, epochs, bins …) is never meant and would only exhaust memory inside a job.
pub const MAX_INT_PARAM: i64 = 10_000_000;

/// The specification of one detector parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// The key used in configs.
    pub name: &'static str,
    /// Its type.
    pub kind: ParamKind,
    /// The value used when the config does not set it.
    pub default: ParamValue,
    /// One line of documentation.
    pub doc: &'static str,
}

impl ParamSpec {
    /// An integer parameter.
    pub fn int(name: &'static str, default: i64, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Int, default: ParamValue::Int(default), doc }
    }

    /// A number parameter.
    pub fn float(name: &'static str, default: f64, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Float, default: ParamValue::Float(default), doc }
    }

    /// A parameter taking one of `choices` (`default` should be one of them).
    pub fn one_of(
        name: &'static str,
        choices: &'static [&'static str],
        default: &'static str,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            kind: ParamKind::OneOf(choices),
            default: ParamValue::Str(default.into()),
            doc,
        }
    }

    /// A boolean parameter.
    pub fn bool(name: &'static str, default: bool, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Bool, default: ParamValue::Bool(default), doc }
    }

    /// An integer-or-word parameter; `default` is an [`ParamValue::Int`] or one of `words`.
    pub fn int_or(
        name: &'static str,
        words: &'static [&'static str],
        default: ParamValue,
        doc: &'static str,
    ) -> Self {
        Self { name, kind: ParamKind::IntOr(words), default, doc }
    }

    /// A number-or-word parameter; `default` is a number or one of `words`.
    pub fn float_or(
        name: &'static str,
        words: &'static [&'static str],
        default: ParamValue,
        doc: &'static str,
    ) -> Self {
        Self { name, kind: ParamKind::FloatOr(words), default, doc }
    }

    /// A parameter taking one of the words of the enum `C`, `value` being the default.
    pub fn choice<C: ParamChoice>(name: &'static str, value: C, doc: &'static str) -> Self {
        Self::one_of(name, C::NAMES, value.name(), doc)
    }

    /// A count parameter (an integer in configs).
    pub fn count(name: &'static str, default: usize, doc: &'static str) -> Self {
        Self::int(name, default as i64, doc)
    }

    /// A free-text parameter, parsed and checked by the detector.
    pub fn text(name: &'static str, default: impl Into<String>, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Text, default: ParamValue::Str(default.into()), doc }
    }

    /// Checks `value` against this spec, converting an integer to a float where a float is
    /// expected.
    pub fn check(&self, value: &ParamValue) -> Result<ParamValue, Error> {
        let bad = |expected: String| Error::InvalidParameter {
            name: self.name.into(),
            reason: format!("expected {expected}, got `{value}`"),
        };
        if let ParamValue::Int(v) = value {
            if v.unsigned_abs() > MAX_INT_PARAM as u64
                && matches!(self.kind, ParamKind::Int | ParamKind::IntOr(_))
            {
                return Err(Error::InvalidParameter {
                    name: self.name.into(),
                    reason: format!(
                        "{v} is out of range: integer parameters lie within ±{MAX_INT_PARAM}"
                    ),
                });
            }
        }
        match (self.kind, value) {
            (ParamKind::Int, ParamValue::Int(_))
            | (ParamKind::Float, ParamValue::Float(_))
            | (ParamKind::Bool, ParamValue::Bool(_)) => Ok(value.clone()),
            (ParamKind::Float, ParamValue::Int(v)) => Ok(ParamValue::Float(*v as f64)),
            (ParamKind::OneOf(choices), ParamValue::Str(s)) if choices.contains(&s.as_str()) => {
                Ok(value.clone())
            }
            (ParamKind::IntOr(_), ParamValue::Int(_))
            | (ParamKind::FloatOr(_), ParamValue::Float(_))
            | (ParamKind::Text, ParamValue::Str(_)) => Ok(value.clone()),
            (ParamKind::FloatOr(_), ParamValue::Int(v)) => Ok(ParamValue::Float(*v as f64)),
            (ParamKind::IntOr(words) | ParamKind::FloatOr(words), ParamValue::Str(s))
                if words.contains(&s.as_str()) =>
            {
                Ok(value.clone())
            }
            (kind, _) => Err(bad(kind.to_string())),
        }
    }
}

/// An enum parameter, written in configs as one of a fixed set of words.
///
/// ```
/// use oddity_core::ParamChoice;
///
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Side { Left, Right }
/// impl ParamChoice for Side {
///     const ALL: &'static [Self] = &[Self::Left, Self::Right];
///     const NAMES: &'static [&'static str] = &["left", "right"];
/// }
/// assert_eq!(Side::Right.name(), "right");
/// assert_eq!(Side::from_name("left"), Some(Side::Left));
/// assert_eq!(Side::from_name("up"), None);
/// ```
pub trait ParamChoice: Sized + Copy + PartialEq + 'static {
    /// Every value, in the order of [`ParamChoice::NAMES`].
    const ALL: &'static [Self];
    /// The word of every value, in the order of [`ParamChoice::ALL`].
    const NAMES: &'static [&'static str];

    /// The word of `self`.
    fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|v| *v == self).expect("every value is in ALL");
        Self::NAMES[i]
    }

    /// The value written `word`, if any.
    fn from_name(word: &str) -> Option<Self> {
        Self::NAMES.iter().position(|n| *n == word).map(|i| Self::ALL[i])
    }
}

/// Resolved parameters of one detector variant, keyed by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(pub BTreeMap<String, ParamValue>);

impl Params {
    /// Checks `given` against `specs` (unknown names and wrong types are errors) and fills
    /// in the defaults.
    pub fn resolve(detector: &str, specs: &[ParamSpec], given: &Params) -> Result<Self, Error> {
        for name in given.0.keys() {
            if !specs.iter().any(|s| s.name == name) {
                let known: Vec<_> = specs.iter().map(|s| s.name).collect();
                return Err(Error::UnknownParameter {
                    detector: detector.into(),
                    name: name.clone(),
                    known: if known.is_empty() { "none".into() } else { known.join(", ") },
                });
            }
        }
        let mut out = BTreeMap::new();
        for spec in specs {
            let value = match given.0.get(spec.name) {
                Some(v) => spec.check(v)?,
                None => spec.default.clone(),
            };
            out.insert(spec.name.to_string(), value);
        }
        Ok(Self(out))
    }

    /// The integer parameter `name`.
    pub fn int(&self, name: &str) -> Result<i64, Error> {
        match self.0.get(name) {
            Some(ParamValue::Int(v)) => Ok(*v),
            _ => Err(missing(name, "int")),
        }
    }

    /// The float parameter `name`.
    pub fn float(&self, name: &str) -> Result<f64, Error> {
        match self.0.get(name) {
            Some(ParamValue::Float(v)) => Ok(*v),
            Some(ParamValue::Int(v)) => Ok(*v as f64),
            _ => Err(missing(name, "float")),
        }
    }

    /// The string parameter `name`.
    pub fn str(&self, name: &str) -> Result<&str, Error> {
        match self.0.get(name) {
            Some(ParamValue::Str(v)) => Ok(v),
            _ => Err(missing(name, "string")),
        }
    }

    /// The bool parameter `name`.
    pub fn bool(&self, name: &str) -> Result<bool, Error> {
        match self.0.get(name) {
            Some(ParamValue::Bool(v)) => Ok(*v),
            _ => Err(missing(name, "bool")),
        }
    }

    /// The integer parameter `name` as a count; a negative value is an error naming it.
    pub fn usize(&self, name: &str) -> Result<usize, Error> {
        let v = self.int(name)?;
        usize::try_from(v).map_err(|_| Error::InvalidParameter {
            name: name.into(),
            reason: format!("must be a non-negative integer, got {v}"),
        })
    }

    /// The parameter `name`, one of the words of the enum `C`.
    pub fn choice<C: ParamChoice>(&self, name: &str) -> Result<C, Error> {
        let word = self.str(name)?;
        C::from_name(word).ok_or_else(|| Error::InvalidParameter {
            name: name.into(),
            reason: format!("must be one of {}, got `{word}`", C::NAMES.join("|")),
        })
    }

    /// The raw value of parameter `name`, for int-or-word and float-or-word parameters.
    pub fn value(&self, name: &str) -> Result<&ParamValue, Error> {
        self.0.get(name).ok_or_else(|| missing(name, "any"))
    }

    /// `name=value` pairs joined by `;`, in name order: the `params` column of results.
    pub fn describe(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
    }
}

fn missing(name: &str, kind: &str) -> Error {
    Error::InvalidParameter { name: name.into(), reason: format!("missing {kind} value") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec { name: "k", kind: ParamKind::Int, default: ParamValue::Int(5), doc: "" },
            ParamSpec {
                name: "c",
                kind: ParamKind::Float,
                default: ParamValue::Float(1.0),
                doc: "",
            },
            ParamSpec {
                name: "method",
                kind: ParamKind::OneOf(&["largest", "mean"]),
                default: ParamValue::Str("largest".into()),
                doc: "",
            },
        ]
    }

    #[test]
    fn defaults_fill_and_ints_widen() {
        let given = Params([("c".to_string(), ParamValue::Int(2))].into());
        let p = Params::resolve("d", &specs(), &given).unwrap();
        assert_eq!(p.int("k").unwrap(), 5);
        assert_eq!(p.float("c").unwrap(), 2.0);
        assert_eq!(p.str("method").unwrap(), "largest");
        assert_eq!(p.describe(), "c=2.0;k=5;method=largest");
    }

    #[test]
    fn integers_beyond_the_sane_range_are_refused_before_a_job_runs() {
        // i64::MAX trees or neighbours passed validation and overflowed a capacity in a job.
        let specs = [ParamSpec::count("n_estimators", 100, "trees")];
        let given = Params([("n_estimators".to_string(), ParamValue::Int(i64::MAX))].into());
        let err = Params::resolve("iforest", &specs, &given).unwrap_err();
        assert!(
            err.to_string().contains("out of range: integer parameters lie within ±10000000"),
            "{err}"
        );
        let fine = Params([("n_estimators".to_string(), ParamValue::Int(MAX_INT_PARAM))].into());
        assert!(Params::resolve("iforest", &specs, &fine).is_ok());
    }

    #[test]
    fn unknown_parameter_is_named() {
        let given = Params([("kk".to_string(), ParamValue::Int(2))].into());
        let err = Params::resolve("d", &specs(), &given).unwrap_err();
        assert!(matches!(err, Error::UnknownParameter { ref name, .. } if name == "kk"));
    }

    #[test]
    fn wrong_type_and_bad_choice_are_rejected() {
        let given = Params([("k".to_string(), ParamValue::Float(2.5))].into());
        assert!(matches!(
            Params::resolve("d", &specs(), &given),
            Err(Error::InvalidParameter { .. })
        ));
        let given = Params([("method".to_string(), ParamValue::Str("max".into()))].into());
        assert!(matches!(
            Params::resolve("d", &specs(), &given),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn number_or_word_parameters() {
        let specs = vec![
            ParamSpec::int_or("components", &["bic"], ParamValue::Int(4), ""),
            ParamSpec::float_or("eps", &["auto"], ParamValue::Str("auto".into()), ""),
            ParamSpec::text("list", "1,2", ""),
        ];
        let resolve = |k: &str, v: ParamValue| {
            Params::resolve("d", &specs, &Params([(k.to_string(), v)].into()))
        };
        let p = resolve("components", ParamValue::Str("bic".into())).unwrap();
        assert_eq!(p.value("components").unwrap(), &ParamValue::Str("bic".into()));
        assert_eq!(p.value("eps").unwrap(), &ParamValue::Str("auto".into()));
        let p = resolve("eps", ParamValue::Int(2)).unwrap();
        assert_eq!(p.float("eps").unwrap(), 2.0);
        assert!(resolve("components", ParamValue::Str("aic".into())).is_err());
        assert!(resolve("components", ParamValue::Float(1.5)).is_err());
        assert!(resolve("eps", ParamValue::Str("big".into())).is_err());
        assert_eq!(resolve("list", ParamValue::Str("3".into())).unwrap().str("list").unwrap(), "3");
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Side {
        Left,
        Right,
    }

    impl ParamChoice for Side {
        const ALL: &'static [Self] = &[Self::Left, Self::Right];
        const NAMES: &'static [&'static str] = &["left", "right"];
    }

    #[test]
    fn counts_and_choices_are_typed() {
        let specs = vec![ParamSpec::count("n", 3, ""), ParamSpec::choice("side", Side::Right, "")];
        assert_eq!(specs[0].default, ParamValue::Int(3));
        assert_eq!(specs[1].kind, ParamKind::OneOf(&["left", "right"]));
        assert_eq!(specs[1].default, ParamValue::Str("right".into()));
        let p = Params::resolve("d", &specs, &Params::default()).unwrap();
        assert_eq!((p.usize("n").unwrap(), p.choice::<Side>("side").unwrap()), (3, Side::Right));
        let negative = Params([("n".to_string(), ParamValue::Int(-1))].into());
        let p = Params::resolve("d", &specs, &negative).unwrap();
        let err = p.usize("n").unwrap_err();
        assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "n"), "{err}");
        let word = Params([("side".to_string(), ParamValue::Str("up".into()))].into());
        assert!(p.choice::<Side>("nope").is_err());
        assert!(Params(word.0).choice::<Side>("side").is_err());
        assert_eq!(Side::from_name("left"), Some(Side::Left));
        assert_eq!(Side::Left.name(), "left");
    }
}
