//! Mapping parameters to and from the unit cube.
//!
//! Each free parameter owns a slice of the encoded vector:
//! - a float: one coordinate, `(t(x) - t(low)) / (t(high) - t(low))` with `t = ln`
//!   on a log scale and the identity otherwise;
//! - an integer: one coordinate, the same map over the bounds widened by half a
//!   step, `[low - 1/2, high + 1/2]` (as Optuna does), so every integer owns an
//!   equal share of the coordinate (equal in `t`); decoding rounds to the nearest
//!   integer and clamps;
//! - a categorical with `k` choices: `k` one-hot coordinates; decoding takes the
//!   largest (the first on ties);
//! - a fixed parameter: no coordinate.

use super::{Domain, Scale};

/// Where one free parameter sits in the encoded vector, and how it is searched.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedParam {
    /// The parameter's name.
    pub name: String,
    /// Its index among all parameters of the space (fixed ones included).
    pub index: usize,
    /// Its first coordinate in the encoded vector.
    pub offset: usize,
    /// How its coordinates are to be searched.
    pub kind: EncodedKind,
}

/// How an encoded parameter's coordinates are searched.
#[derive(Debug, Clone, PartialEq)]
pub enum EncodedKind {
    /// One coordinate in `[0, 1]`, any value.
    Continuous,
    /// One coordinate; only the encodings of the integers `low..=high` are distinct
    /// values ([`EncodedParam::grid`] lists them).
    Integer {
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
        /// Linear or log.
        scale: Scale,
    },
    /// `n` one-hot coordinates.
    OneHot {
        /// Number of choices.
        n: usize,
    },
}

impl EncodedParam {
    /// Number of coordinates.
    #[must_use]
    pub fn width(&self) -> usize {
        match self.kind {
            EncodedKind::OneHot { n } => n,
            _ => 1,
        }
    }

    /// For an integer parameter, the encoded coordinate of every integer in
    /// `low..=high`, ascending; empty for other kinds.
    #[must_use]
    pub fn grid(&self) -> Vec<f64> {
        match self.kind {
            EncodedKind::Integer { low, high, scale } => (low..=high)
                .map(|v| int_to_unit(v, low, high, scale))
                .collect(),
            _ => Vec::new(),
        }
    }
}

// `libm`'s log and exp (not std's, which call the platform's C library), so
// that sampled and decoded values are the same on every platform (see
// `crate::rng`).
fn t(x: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => x,
        Scale::Log => libm::log(x),
    }
}

fn t_inv(y: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => y,
        Scale::Log => libm::exp(y),
    }
}

/// Encodes a float of `low..=high` into `[0, 1]`.
pub(super) fn float_to_unit(x: f64, low: f64, high: f64, scale: Scale) -> f64 {
    let (a, b) = (t(low, scale), t(high, scale));
    ((t(x, scale) - a) / (b - a)).clamp(0.0, 1.0)
}

/// Decodes a coordinate of `[0, 1]` (clamped) into `low..=high`.
pub(super) fn unit_to_float(u: f64, low: f64, high: f64, scale: Scale) -> f64 {
    let (a, b) = (t(low, scale), t(high, scale));
    t_inv(a + u.clamp(0.0, 1.0) * (b - a), scale).clamp(low, high)
}

/// Encodes an integer over the bounds widened by half a step.
pub(super) fn int_to_unit(x: i64, low: i64, high: i64, scale: Scale) -> f64 {
    float_to_unit(x as f64, low as f64 - 0.5, high as f64 + 0.5, scale)
}

/// Decodes a coordinate into the nearest integer of `low..=high`.
pub(super) fn unit_to_int(u: f64, low: i64, high: i64, scale: Scale) -> i64 {
    let x = unit_to_float(u, low as f64 - 0.5, high as f64 + 0.5, scale);
    (x.round() as i64).clamp(low, high)
}

/// The encoded layout of a list of domains.
pub(super) fn layout(names_domains: &[(String, Domain)]) -> Vec<EncodedParam> {
    let mut offset = 0;
    let mut out = Vec::new();
    for (index, (name, domain)) in names_domains.iter().enumerate() {
        let kind = match domain {
            Domain::Float { .. } => EncodedKind::Continuous,
            Domain::Int { low, high, scale } => EncodedKind::Integer {
                low: *low,
                high: *high,
                scale: *scale,
            },
            Domain::Categorical { choices } => EncodedKind::OneHot { n: choices.len() },
            Domain::Fixed { .. } => continue,
        };
        let p = EncodedParam {
            name: name.clone(),
            index,
            offset,
            kind,
        };
        offset += p.width();
        out.push(p);
    }
    out
}
