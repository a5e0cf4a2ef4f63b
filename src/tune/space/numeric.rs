//! The numeric hyperparameters' domains: what each accepts, and the cap on
//! the batch size.

use crate::error::ConfigError;
use crate::space::{Domain, Scale, Value};

/// The values a numeric hyperparameter takes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Numeric {
    /// A real number: a [`Domain::Float`] range or a fixed [`Value::Float`],
    /// finite, `> 0` (`>= 0` if `zero_ok`) and below `below` if given.
    Real {
        /// Whether 0 is allowed.
        zero_ok: bool,
        /// An exclusive upper bound.
        below: Option<f64>,
    },
    /// A count: a [`Domain::Int`] range or a fixed [`Value::Int`], `>= 1`
    /// and at most `max` if given.
    Count {
        /// An inclusive upper bound.
        max: Option<i64>,
    },
}

/// Checks `domain` for the hyperparameter `name` of kind `kind`.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `name`: a domain of the wrong kind (a
/// categorical, an integer range for a real hyperparameter, a float for a
/// count), a bound out of range, an empty range, a log range reaching 0.
pub(super) fn check(name: &'static str, domain: &Domain, kind: Numeric) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { name, reason };
    match kind {
        Numeric::Real { zero_ok, below } => {
            let (low, high, scale) = match *domain {
                Domain::Float { low, high, scale } => (low, high, Some(scale)),
                Domain::Fixed {
                    value: Value::Float(v),
                } => (v, v, None),
                _ => {
                    return Err(invalid(format!(
                        "needs a float range (Domain::Float) or a fixed float, got {}",
                        describe(domain)
                    )));
                }
            };
            if !(low.is_finite() && high.is_finite()) {
                return Err(invalid(format!("{low}..={high} is not finite")));
            }
            if low < 0.0 || (low == 0.0 && !zero_ok) {
                let bound = if zero_ok { ">= 0" } else { "> 0" };
                return Err(invalid(format!("must be {bound}, got {low}")));
            }
            if let Some(max) = below
                && high >= max
            {
                return Err(invalid(format!("must be below {max}, got {high}")));
            }
            if let Some(scale) = scale {
                if low >= high {
                    return Err(invalid(format!("empty range {low}..={high}")));
                }
                if scale == Scale::Log && low <= 0.0 {
                    return Err(invalid(format!("a log scale needs low > 0, got {low}")));
                }
            }
            Ok(())
        }
        Numeric::Count { max } => match *domain {
            Domain::Int { low, high, .. } if low < 1 || low >= high => Err(invalid(format!(
                "needs 1 <= low < high, got {low}..={high}"
            ))),
            Domain::Fixed {
                value: Value::Int(v),
            } if v < 1 => Err(invalid(format!("must be at least 1, got {v}"))),
            Domain::Fixed {
                value: Value::Int(v),
            }
            | Domain::Int { high: v, .. }
                if max.is_some_and(|m| v > m) =>
            {
                let m = max.unwrap_or(i64::MAX);
                Err(invalid(format!("must be at most {m}, got {v}")))
            }
            Domain::Int { .. }
            | Domain::Fixed {
                value: Value::Int(_),
            } => Ok(()),
            _ => Err(invalid(format!(
                "needs an integer range (Domain::Int) or a fixed integer, got {}",
                describe(domain)
            ))),
        },
    }
}

/// A domain as an error message names it.
fn describe(domain: &Domain) -> String {
    match domain {
        Domain::Float { low, high, .. } => format!("the float range {low:?}..={high:?}"),
        Domain::Int { low, high, .. } => format!("the integer range {low}..={high}"),
        Domain::Categorical { choices } => format!("the choices [{}]", choices.join(", ")),
        Domain::Fixed { value } => match value {
            Value::Float(v) => format!("the fixed float {v:?}"),
            Value::Int(v) => format!("the fixed integer {v}"),
            Value::Str(s) => format!("the fixed choice `{s}`"),
        },
    }
}

/// An integer domain capped at `cap`: a range reaching above it ends at
/// `cap` (and becomes fixed at `cap` if nothing else is left), a fixed value
/// above it becomes `cap`. Other domains are returned unchanged.
pub(super) fn capped(domain: &Domain, cap: i64) -> Domain {
    match *domain {
        Domain::Fixed {
            value: Value::Int(v),
        } => Domain::fixed(v.min(cap)),
        Domain::Int { low, high, scale } => {
            let high = high.min(cap);
            if low >= high {
                Domain::fixed(high)
            } else {
                Domain::int(low, high, scale)
            }
        }
        ref other => other.clone(),
    }
}
