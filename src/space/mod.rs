//! Search spaces: named parameters with their domains, validated once.
//!
//! A [`SearchSpace`] is built with [`SearchSpace::builder`]; `build()` checks it
//! and returns typed [`SpaceError`]s. Configurations are [`Params`]. For the
//! surrogate, a configuration is encoded into the unit cube
//! ([`SearchSpace::encode`], layout in [`EncodedParam`]) and decoded back
//! ([`SearchSpace::decode`]).
//!
//! ```
//! use autotune::space::{SearchSpace, Scale};
//! let space = SearchSpace::builder()
//!     .float("learning_rate", 1e-5..=1.0, Scale::Log)
//!     .int("batch_size", 8..=512, Scale::Log)
//!     .categorical("init", ["xavier", "he", "lecun"])
//!     .build()?;
//! let mut rng = autotune::rng::rng_from_seed(7);
//! let params = space.sample(&mut rng);
//! let x = space.encode(&params)?;
//! assert_eq!(x.len(), 5); // 1 + 1 + 3 one-hot
//! let back = space.decode(&x)?;
//! assert_eq!(back.int("batch_size")?, params.int("batch_size")?);
//! assert_eq!(back.categorical("init")?, params.categorical("init")?);
//! # Ok::<(), autotune::space::SpaceError>(())
//! ```

mod builder;
mod domain;
mod encoding;
mod params;

pub use crate::error::SpaceError;
pub use builder::SearchSpaceBuilder;
pub use domain::{Domain, Param, Scale, Value};
pub use encoding::{EncodedKind, EncodedParam, IntEncoding};
pub use params::Params;

use crate::rng::{StudyRng, unit_f64};
use encoding::{float_to_unit, unit_to_float};
use serde::{Deserialize, Serialize};

/// A validated search space. Build one with [`SearchSpace::builder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Param>", into = "Vec<Param>")]
pub struct SearchSpace {
    params: Vec<Param>,
    encoded: Vec<EncodedParam>,
    dim: usize,
}

impl TryFrom<Vec<Param>> for SearchSpace {
    type Error = SpaceError;
    fn try_from(params: Vec<Param>) -> Result<Self, SpaceError> {
        builder::validate(&params)?;
        Ok(Self::from_validated(params))
    }
}

impl From<SearchSpace> for Vec<Param> {
    fn from(space: SearchSpace) -> Self {
        space.params
    }
}

impl SearchSpace {
    /// A builder for a new space.
    pub fn builder() -> SearchSpaceBuilder {
        SearchSpaceBuilder::new()
    }

    fn from_validated(params: Vec<Param>) -> Self {
        let nd: Vec<(String, Domain)> = params
            .iter()
            .map(|p| (p.name.clone(), p.domain.clone()))
            .collect();
        let encoded = encoding::layout(&nd);
        let dim = encoded.iter().map(EncodedParam::width).sum();
        Self {
            params,
            encoded,
            dim,
        }
    }

    /// All parameters, fixed ones included, in order.
    #[must_use]
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The parameter named `name`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The free (searched) parameters' encoded layout.
    #[must_use]
    pub fn encoded_params(&self) -> &[EncodedParam] {
        &self.encoded
    }

    /// Number of free parameters (the dimension of [`SearchSpace::from_unit`]'s input).
    #[must_use]
    pub fn n_free(&self) -> usize {
        self.encoded.len()
    }

    /// Length of an encoded point.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Checks that `params` holds exactly this space's parameters, each in its domain.
    ///
    /// # Errors
    /// [`SpaceError::MissingParam`], [`SpaceError::UnknownParam`],
    /// [`SpaceError::WrongType`] or [`SpaceError::OutOfDomain`].
    pub fn check(&self, params: &Params) -> Result<(), SpaceError> {
        for (name, _) in params.iter() {
            if self.param(name).is_none() {
                return Err(SpaceError::UnknownParam {
                    name: name.to_owned(),
                });
            }
        }
        for p in &self.params {
            let v = params
                .get(&p.name)
                .ok_or_else(|| SpaceError::MissingParam {
                    name: p.name.clone(),
                })?;
            let type_ok = matches!(
                (&p.domain, v),
                (Domain::Float { .. }, Value::Float(_))
                    | (Domain::Int { .. }, Value::Int(_))
                    | (Domain::Categorical { .. }, Value::Str(_))
                    | (Domain::Fixed { .. }, _)
            );
            if !type_ok {
                return Err(SpaceError::WrongType {
                    name: p.name.clone(),
                    expected: p.domain.type_name(),
                    got: v.to_string(),
                });
            }
            if !p.domain.contains(v) {
                return Err(SpaceError::OutOfDomain {
                    name: p.name.clone(),
                    value: v.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Encodes a configuration into the unit cube (see [`EncodedParam`]).
    ///
    /// # Errors
    /// As [`SearchSpace::check`].
    pub fn encode(&self, params: &Params) -> Result<Vec<f64>, SpaceError> {
        self.check(params)?;
        let mut x = vec![0.0; self.dim];
        for e in &self.encoded {
            let p = &self.params[e.index];
            let v = params.get(&p.name).expect("checked above");
            match (&p.domain, v) {
                (Domain::Float { low, high, scale }, Value::Float(v)) => {
                    x[e.offset] = float_to_unit(*v, *low, *high, *scale);
                }
                (Domain::Int { low, high, scale }, Value::Int(v)) => {
                    x[e.offset] = IntEncoding::new(*low, *high, *scale).encode(*v);
                }
                (Domain::Categorical { choices }, Value::Str(s)) => {
                    let k = choices.iter().position(|c| c == s).expect("checked above");
                    x[e.offset + k] = 1.0;
                }
                _ => unreachable!("check() matched every free domain with its value type"),
            }
        }
        Ok(x)
    }

    /// Decodes a point of the unit cube: an integer coordinate to the integer
    /// whose share holds it (see [`IntEncoding`]), the largest
    /// one-hot coordinate chosen, fixed values added. Coordinates outside
    /// `[0, 1]` by at most [`COORDINATE_TOLERANCE`] (rounding) are clamped.
    ///
    /// # Errors
    /// [`SpaceError::WrongDimension`] if `x.len() != self.dim()`;
    /// [`SpaceError::BadCoordinate`] for the first coordinate that is NaN,
    /// infinite or farther outside `[0, 1]`.
    pub fn decode(&self, x: &[f64]) -> Result<Params, SpaceError> {
        if x.len() != self.dim {
            return Err(SpaceError::WrongDimension {
                expected: self.dim,
                got: x.len(),
            });
        }
        check_unit(x)?;
        let mut out = Params::new();
        let mut free = self.encoded.iter().peekable();
        for (i, p) in self.params.iter().enumerate() {
            let e = match free.peek() {
                Some(e) if e.index == i => free.next().expect("peeked"),
                _ => {
                    if let Domain::Fixed { value } = &p.domain {
                        out.set(p.name.clone(), value.clone());
                    }
                    continue;
                }
            };
            let value = match &p.domain {
                Domain::Float { low, high, scale } => {
                    Value::Float(unit_to_float(x[e.offset], *low, *high, *scale))
                }
                Domain::Int { low, high, scale } => {
                    Value::Int(IntEncoding::new(*low, *high, *scale).decode(x[e.offset]))
                }
                Domain::Categorical { choices } => {
                    let slice = &x[e.offset..e.offset + choices.len()];
                    let k = argmax(slice);
                    Value::Str(choices[k].clone())
                }
                Domain::Fixed { .. } => unreachable!("fixed parameters are not encoded"),
            };
            out.set(p.name.clone(), value);
        }
        Ok(out)
    }

    /// Maps one coordinate of `[0, 1)` per free parameter to a configuration,
    /// uniformly in each parameter's scale: floats and integers as in
    /// [`SearchSpace::decode`], a categorical with `k` choices takes choice
    /// `floor(u k)`. Used for quasi-random (Sobol) designs and random sampling.
    ///
    /// # Errors
    /// [`SpaceError::WrongDimension`] if `u.len() != self.n_free()`;
    /// [`SpaceError::BadCoordinate`] as [`SearchSpace::decode`].
    pub fn from_unit(&self, u: &[f64]) -> Result<Params, SpaceError> {
        if u.len() != self.n_free() {
            return Err(SpaceError::WrongDimension {
                expected: self.n_free(),
                got: u.len(),
            });
        }
        check_unit(u)?;
        let mut x = vec![0.0; self.dim];
        for (e, &ui) in self.encoded.iter().zip(u) {
            match e.kind {
                EncodedKind::OneHot { n } => {
                    let k = ((ui.clamp(0.0, 1.0) * n as f64) as usize).min(n - 1);
                    x[e.offset + k] = 1.0;
                }
                _ => x[e.offset] = ui,
            }
        }
        self.decode(&x)
    }

    /// A configuration drawn uniformly in each parameter's scale
    /// (log-uniform for log parameters).
    pub fn sample(&self, rng: &mut StudyRng) -> Params {
        let u: Vec<f64> = (0..self.n_free()).map(|_| unit_f64(rng)).collect();
        self.from_unit(&u)
            .expect("u has one coordinate per free parameter")
    }
}

/// How far outside `[0, 1]` a coordinate given to [`SearchSpace::decode`] or
/// [`SearchSpace::from_unit`] may lie and still be read as rounding (and
/// clamped): a millionth of a millionth of the cube's width, far above the
/// few ulps that arithmetic on coordinates loses and far below any step a
/// search takes.
pub const COORDINATE_TOLERANCE: f64 = 1e-12;

/// Every coordinate of `x` is finite and within `[0, 1]` up to
/// [`COORDINATE_TOLERANCE`].
fn check_unit(x: &[f64]) -> Result<(), SpaceError> {
    let range = -COORDINATE_TOLERANCE..=1.0 + COORDINATE_TOLERANCE;
    match x.iter().position(|v| !range.contains(v)) {
        Some(index) => Err(SpaceError::BadCoordinate {
            index,
            value: x[index],
        }),
        None => Ok(()),
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests;
