//! Mapping parameters to and from the unit cube.
//!
//! Each free parameter owns a slice of the encoded vector:
//! - a float: one coordinate, `(t(x) - t(low)) / (t(high) - t(low))` with `t = ln`
//!   on a log scale and the identity otherwise (correct for any finite range,
//!   `-1e308..=1e308` included);
//! - an integer: one coordinate, the same map over the bounds widened by half a
//!   step, `[low - 1/2, high + 1/2]` (as Optuna does), so every integer owns an
//!   equal share of the coordinate (equal in `t`); decoding takes the integer
//!   whose share holds the coordinate. [`IntEncoding`] computes both on the
//!   offset from `low`, for any range up to `i64::MIN..=i64::MAX`, without
//!   ever listing the integers;
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
    /// One coordinate; only the encodings of the integers `low..=high` are
    /// distinct values ([`EncodedParam::integer`] maps between the two
    /// without listing them).
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

    /// For an integer parameter, its [`IntEncoding`]; `None` for other kinds.
    #[must_use]
    pub fn integer(&self) -> Option<IntEncoding> {
        match self.kind {
            EncodedKind::Integer { low, high, scale } => Some(IntEncoding::new(low, high, scale)),
            _ => None,
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

/// Encodes a float of `low..=high` into `[0, 1]`: `(t(x) − t(low)) /
/// (t(high) − t(low))`. When the width `t(high) − t(low)` overflows (a linear
/// range such as `-1e308..=1e308`), every term is halved first, which is exact
/// and keeps it finite.
pub(super) fn float_to_unit(x: f64, low: f64, high: f64, scale: Scale) -> f64 {
    let (x, a, b) = (t(x, scale), t(low, scale), t(high, scale));
    let u = if (b - a).is_finite() {
        (x - a) / (b - a)
    } else {
        (x / 2.0 - a / 2.0) / (b / 2.0 - a / 2.0)
    };
    u.clamp(0.0, 1.0)
}

/// Decodes a coordinate of `[0, 1]` (clamped) into `low..=high`:
/// `t⁻¹(t(low) + u (t(high) − t(low)))`, in halves when the width overflows
/// (see [`float_to_unit`]), so any finite range decodes to finite values
/// spread over the whole range.
pub(super) fn unit_to_float(u: f64, low: f64, high: f64, scale: Scale) -> f64 {
    let (a, b) = (t(low, scale), t(high, scale));
    let u = u.clamp(0.0, 1.0);
    let y = if (b - a).is_finite() {
        a + u * (b - a)
    } else {
        // |a/2 + u (b/2 − a/2)| ≤ max(|a|, |b|)/2: doubling it cannot
        // overflow by more than the rounding the clamp below removes.
        2.0 * (a / 2.0 + u * (b / 2.0 - a / 2.0))
    };
    t_inv(y, scale).clamp(low, high)
}

/// How an integer parameter of `low..=high` is encoded in its coordinate,
/// computed on the offset `k = v − low` so that no width overflows and no
/// integer is listed: integer `low + k` owns the share
/// `[t(low + k − ½), t(low + k + ½))` of `[t(low − ½), t(high + ½)]` (in `t`,
/// the identity or `ln`), and is encoded at `t(low + k)`.
///
/// - linear: `u(k) = (k + ½) / n` with `n = high − low + 1` integers, and
///   `k(u) = ⌊u n⌋`;
/// - log (`low ≥ 1`): with `a = low − ½`, `u(k) = ln(1 + (k + ½)/a) / D` and
///   `D = ln(1 + n/a)`, and `k(u) = ⌊a (e^{u D} − 1)⌋` (`ln_1p` and `exp_m1`,
///   accurate however large `low` is).
///
/// Both are exact round trips (`k(u(k)) = k`) for ranges of up to 2^40
/// integers; wider ranges (up to `i64::MIN..=i64::MAX`) hold more integers
/// than one `f64` coordinate can tell apart, and decode to within a relative
/// 10^-12 of the bounds' magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntEncoding {
    low: i64,
    high: i64,
    scale: Scale,
}

impl IntEncoding {
    /// The encoding of `low..=high`, as validated by the space builder
    /// (`low < high`, and `low ≥ 1` on a log scale).
    pub(crate) fn new(low: i64, high: i64, scale: Scale) -> Self {
        Self { low, high, scale }
    }

    /// `high − low`: the largest offset, one less than the number of
    /// integers (at most `u64::MAX`, for `i64::MIN..=i64::MAX`).
    #[must_use]
    pub fn steps(&self) -> u64 {
        // The difference of two i64 lies in 0..=2^64 − 1 when low <= high.
        u64::try_from(i128::from(self.high) - i128::from(self.low)).unwrap_or(u64::MAX)
    }

    /// The number of integers as `f64` (`steps + 1`, rounded).
    fn n(&self) -> f64 {
        self.steps() as f64 + 1.0
    }

    /// `low − ½`, the log scale's origin (`≥ ½`).
    fn origin(&self) -> f64 {
        self.low as f64 - 0.5
    }

    /// The coordinate of the integer `low + k` (`k` clamped to `steps`).
    #[must_use]
    pub fn coordinate(&self, k: u64) -> f64 {
        let k = k.min(self.steps()) as f64 + 0.5;
        let u = match self.scale {
            Scale::Linear => k / self.n(),
            Scale::Log => {
                let a = self.origin();
                libm::log1p(k / a) / libm::log1p(self.n() / a)
            }
        };
        u.clamp(0.0, 1.0)
    }

    /// The offset `k` of the integer whose share holds the coordinate `u`
    /// (clamped to `[0, 1]`).
    #[must_use]
    pub fn offset(&self, u: f64) -> u64 {
        let u = u.clamp(0.0, 1.0);
        if u == 1.0 {
            // Exactly `high`: `n` as `f64` may round below it for wide ranges.
            return self.steps();
        }
        let y = match self.scale {
            Scale::Linear => u * self.n(),
            Scale::Log => {
                let a = self.origin();
                a * libm::expm1(u * libm::log1p(self.n() / a))
            }
        };
        // `as` saturates: a y at or beyond 2^64 is the last offset.
        (y.floor().max(0.0) as u64).min(self.steps())
    }

    /// The coordinate of `v` (clamped to `low..=high`).
    #[must_use]
    pub fn encode(&self, v: i64) -> f64 {
        let k = i128::from(v.clamp(self.low, self.high)) - i128::from(self.low);
        self.coordinate(u64::try_from(k).unwrap_or(0))
    }

    /// The integer whose share holds `u`.
    #[must_use]
    pub fn decode(&self, u: f64) -> i64 {
        let v = i128::from(self.low) + i128::from(self.offset(u));
        // low + offset <= high by construction.
        i64::try_from(v).unwrap_or(self.high)
    }
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
