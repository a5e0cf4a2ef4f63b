//! Parameter domains and values.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a numeric parameter is spread over its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Uniform in the value.
    Linear,
    /// Uniform in the logarithm of the value (learning rates, strengths, batch sizes).
    Log,
}

/// The set of values one parameter may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Domain {
    /// A real number in `low..=high`.
    Float {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Linear or log scale.
        scale: Scale,
    },
    /// An integer in `low..=high`.
    Int {
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
        /// Linear or log scale.
        scale: Scale,
    },
    /// One of a list of named choices.
    Categorical {
        /// The choices, in order.
        choices: Vec<String>,
    },
    /// A value held fixed: part of every configuration, never searched.
    Fixed {
        /// The value.
        value: Value,
    },
}

impl Domain {
    /// A real range `low..=high` on `scale`: `Domain::float(1e-4, 1e-1, Scale::Log)`.
    /// Checked when the space is built, not here.
    #[must_use]
    pub const fn float(low: f64, high: f64, scale: Scale) -> Self {
        Domain::Float { low, high, scale }
    }

    /// An integer range `low..=high` on `scale`: `Domain::int(8, 256, Scale::Log)`.
    /// Checked when the space is built, not here.
    #[must_use]
    pub const fn int(low: i64, high: i64, scale: Scale) -> Self {
        Domain::Int { low, high, scale }
    }

    /// A value held fixed: `Domain::fixed(0.0)` (a float), `Domain::fixed(30)`
    /// (an integer), `Domain::fixed("he")` (a choice).
    ///
    /// ```
    /// use autotune::space::{Domain, Value};
    /// assert_eq!(Domain::fixed(30), Domain::Fixed { value: Value::Int(30) });
    /// assert_eq!(Domain::fixed(0.5), Domain::Fixed { value: Value::Float(0.5) });
    /// ```
    #[must_use]
    pub fn fixed(value: impl Into<Value>) -> Self {
        Domain::Fixed {
            value: value.into(),
        }
    }

    /// Whether `value` lies in this domain.
    #[must_use]
    pub fn contains(&self, value: &Value) -> bool {
        match (self, value) {
            (Domain::Float { low, high, .. }, Value::Float(v)) => {
                v.is_finite() && *low <= *v && *v <= *high
            }
            (Domain::Int { low, high, .. }, Value::Int(v)) => *low <= *v && *v <= *high,
            (Domain::Categorical { choices }, Value::Str(s)) => choices.iter().any(|c| c == s),
            (Domain::Fixed { value: fixed }, v) => fixed == v,
            _ => false,
        }
    }

    /// The name of the value type this domain holds, for error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Domain::Float { .. } => "a float",
            Domain::Int { .. } => "an integer",
            Domain::Categorical { .. } => "one of the choices",
            Domain::Fixed { .. } => "the fixed value",
        }
    }

    /// Whether the parameter is searched (not fixed).
    #[must_use]
    pub fn is_free(&self) -> bool {
        !matches!(self, Domain::Fixed { .. })
    }

    /// Whether the domain is on a log scale.
    #[must_use]
    pub fn is_log(&self) -> bool {
        matches!(
            self,
            Domain::Float {
                scale: Scale::Log,
                ..
            } | Domain::Int {
                scale: Scale::Log,
                ..
            }
        )
    }
}

/// One parameter's value. Serialised untagged: `3` is an integer, `3.0` a float,
/// `"he"` a categorical choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A categorical choice.
    Str(String),
}

impl Value {
    /// The value as `f64` if numeric (integers converted).
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            Value::Str(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}

/// A named parameter and its domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter's name, unique in its space.
    pub name: String,
    /// Its domain.
    pub domain: Domain,
}
