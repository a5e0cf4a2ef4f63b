//! Building a search space: validated once, then a checked type.

use super::{Domain, Param, Scale, SearchSpace, Value};
use crate::error::SpaceError;
use std::collections::HashSet;
use std::ops::RangeInclusive;

/// Collects parameters; [`SearchSpaceBuilder::build`] validates them once.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct SearchSpaceBuilder {
    params: Vec<Param>,
}

impl SearchSpaceBuilder {
    /// A builder with no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter with any domain.
    pub fn param(mut self, name: impl Into<String>, domain: Domain) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain,
        });
        self
    }

    /// Adds a real parameter in `range` on `scale`.
    pub fn float(self, name: impl Into<String>, range: RangeInclusive<f64>, scale: Scale) -> Self {
        let (low, high) = range.into_inner();
        self.param(name, Domain::Float { low, high, scale })
    }

    /// Adds an integer parameter in `range` on `scale`.
    pub fn int(self, name: impl Into<String>, range: RangeInclusive<i64>, scale: Scale) -> Self {
        let (low, high) = range.into_inner();
        self.param(name, Domain::Int { low, high, scale })
    }

    /// Adds a categorical parameter.
    pub fn categorical<I, S>(self, name: impl Into<String>, choices: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let choices = choices.into_iter().map(Into::into).collect();
        self.param(name, Domain::Categorical { choices })
    }

    /// Adds a parameter held at `value`.
    pub fn fixed(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.param(
            name,
            Domain::Fixed {
                value: value.into(),
            },
        )
    }

    /// Validates the parameters and returns the space.
    ///
    /// # Errors
    /// The first problem found, as a [`SpaceError`]: no parameters, an empty or
    /// duplicate name, non-finite bounds, `low >= high`, a log scale with
    /// `low <= 0`, empty or duplicate choices, a non-finite fixed value.
    pub fn build(self) -> Result<SearchSpace, SpaceError> {
        validate(&self.params)?;
        Ok(SearchSpace::from_validated(self.params))
    }
}

/// Checks a list of parameters; see [`SearchSpaceBuilder::build`].
pub(super) fn validate(params: &[Param]) -> Result<(), SpaceError> {
    if params.is_empty() {
        return Err(SpaceError::Empty);
    }
    let mut names = HashSet::new();
    for p in params {
        if p.name.is_empty() {
            return Err(SpaceError::EmptyName);
        }
        if !names.insert(p.name.as_str()) {
            return Err(SpaceError::DuplicateName {
                name: p.name.clone(),
            });
        }
        validate_domain(&p.name, &p.domain)?;
    }
    Ok(())
}

fn validate_domain(name: &str, domain: &Domain) -> Result<(), SpaceError> {
    let name = name.to_owned();
    match domain {
        Domain::Float { low, high, scale } => check_range(name, *low, *high, *scale),
        // Compared as integers: `i64::MAX - 1` and `i64::MAX` are one `f64`.
        Domain::Int { low, high, .. } if low >= high => Err(SpaceError::EmptyRange {
            name,
            low: *low as f64,
            high: *high as f64,
        }),
        Domain::Int {
            low,
            scale: Scale::Log,
            ..
        } if *low <= 0 => Err(SpaceError::NonPositiveLog {
            name,
            low: *low as f64,
        }),
        Domain::Int { .. } => Ok(()),
        Domain::Categorical { choices } => {
            if choices.is_empty() {
                return Err(SpaceError::EmptyChoices { name });
            }
            let mut seen = HashSet::new();
            for c in choices {
                if !seen.insert(c.as_str()) {
                    return Err(SpaceError::DuplicateChoice {
                        name,
                        choice: c.clone(),
                    });
                }
            }
            Ok(())
        }
        Domain::Fixed { value } => match value {
            Value::Float(v) if !v.is_finite() => Err(SpaceError::NonFiniteFixed { name }),
            _ => Ok(()),
        },
    }
}

fn check_range(name: String, low: f64, high: f64, scale: Scale) -> Result<(), SpaceError> {
    if !low.is_finite() || !high.is_finite() {
        return Err(SpaceError::NonFiniteBound { name, low, high });
    }
    if low >= high {
        return Err(SpaceError::EmptyRange { name, low, high });
    }
    if scale == Scale::Log && low <= 0.0 {
        return Err(SpaceError::NonPositiveLog { name, low });
    }
    Ok(())
}
