//! Learning-rate schedules: pure functions `lr(base, t)`.
//!
//! `t` is a 0-based step counter. The trainer passes the **epoch index** by
//! default (the rate is constant within an epoch, so a schedule means the
//! same thing whatever the batch size), or the **number of updates made so
//! far** with [`StepUnit::Update`](super::StepUnit::Update). Lengths such as
//! `steps` and `every` are counted in the same unit.

use serde::{Deserialize, Serialize};

use crate::error::NnError;

/// A learning-rate schedule. Every variant is a pure function of the base
/// rate α0 and the step `t`; floors are fractions of α0 so a schedule
/// scales with a tuned base rate.
///
/// By default, [`Schedule::Constant`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// `α0`.
    #[default]
    Constant,
    /// `α0 / sqrt(1 + t)` (the "dynamic" rate of online learning, e.g.
    /// Zinkevich 2003).
    InverseSqrt,
    /// `α0 / (1 + k t)` (Robbins–Monro style inverse time decay).
    InverseTime {
        /// The decay rate k (finite, `>= 0`).
        decay: f64,
    },
    /// Linear decay from `α0` to `floor · α0` over `steps` steps, then
    /// constant: `α0 (1 - (1 - floor) min(t, steps) / steps)`.
    Linear {
        /// The decay length (`>= 1`).
        steps: u64,
        /// The final fraction of α0, in `[0, 1]`.
        floor: f64,
    },
    /// Step decay: `α0 γ^floor(t / every)`.
    Step {
        /// Steps between two drops (`>= 1`).
        every: u64,
        /// The factor per drop γ, in `(0, 1]`.
        gamma: f64,
    },
    /// Exponential decay: `α0 γ^t`.
    Exponential {
        /// The factor per step γ, in `(0, 1]`.
        gamma: f64,
    },
    /// Cosine annealing without restarts (Loshchilov & Hutter 2017, SGDR):
    /// `α0 (floor + (1 - floor) (1 + cos(π min(t, steps) / steps)) / 2)`.
    Cosine {
        /// The annealing length (`>= 1`).
        steps: u64,
        /// The final fraction of α0, in `[0, 1]`.
        floor: f64,
    },
    /// Linear warm-up in front of another schedule (Goyal et al. 2017):
    /// `α0 (t + 1) / (steps + 1)` for `t < steps`, then
    /// `then.lr(α0, t - steps)`, so the ramp rises strictly to `α0`.
    Warmup {
        /// The warm-up length (`>= 1`).
        steps: u64,
        /// The schedule that follows.
        then: Box<Schedule>,
    },
}

impl Schedule {
    /// This schedule preceded by a linear warm-up of `steps` steps.
    #[must_use]
    pub fn with_warmup(self, steps: u64) -> Self {
        Self::Warmup {
            steps,
            then: Box::new(self),
        }
    }

    /// The learning rate at step `t` for base rate `base`.
    ///
    /// Total for every value the type can hold: for a finite `base >= 0` the
    /// rate is finite and in `[0, base]`, even for a schedule that
    /// [`check`](Self::check) rejects (training never sees one: `train` and
    /// `autotune` check first). Defensively, a length of 0 is read as 1, a NaN
    /// parameter as "no decay" (decay 0, γ 1, floor 1), and any other
    /// out-of-range parameter is clamped into its range (decay into
    /// `[0, f64::MAX]`, γ and floor into `[0, 1]`).
    #[must_use]
    pub fn lr(&self, base: f64, t: u64) -> f64 {
        let tf = t as f64;
        match self {
            Self::Constant => base,
            Self::InverseSqrt => base / (1.0 + tf).sqrt(),
            Self::InverseTime { decay } => {
                let k = if decay.is_nan() {
                    0.0
                } else {
                    decay.clamp(0.0, f64::MAX)
                };
                base / (1.0 + k * tf)
            }
            Self::Linear { steps, floor } => {
                let (steps, floor) = ((*steps).max(1), fraction(*floor));
                let frac = t.min(steps) as f64 / steps as f64;
                base * (1.0 - (1.0 - floor) * frac)
            }
            Self::Step { every, gamma } => {
                base * fraction(*gamma).powf((t / (*every).max(1)) as f64)
            }
            Self::Exponential { gamma } => base * fraction(*gamma).powf(tf),
            Self::Cosine { steps, floor } => {
                let (steps, floor) = ((*steps).max(1), fraction(*floor));
                let frac = t.min(steps) as f64 / steps as f64;
                base * (floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()))
            }
            Self::Warmup { steps, then } => {
                if t < *steps {
                    base * (tf + 1.0) / (*steps as f64 + 1.0)
                } else {
                    then.lr(base, t - steps)
                }
            }
        }
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`NnError::Hyperparameter`] naming the first one out of range.
    pub fn check(&self) -> Result<(), NnError> {
        match self {
            Self::Constant | Self::InverseSqrt => Ok(()),
            Self::InverseTime { decay } => {
                if decay.is_finite() && *decay >= 0.0 {
                    Ok(())
                } else {
                    Err(bad("schedule decay", *decay, "finite and >= 0"))
                }
            }
            Self::Linear { steps, floor } | Self::Cosine { steps, floor } => {
                at_least_one("schedule steps", *steps)?;
                if (0.0..=1.0).contains(floor) {
                    Ok(())
                } else {
                    Err(bad("schedule floor", *floor, "in [0, 1]"))
                }
            }
            Self::Step { every, gamma } => {
                at_least_one("schedule every", *every)?;
                check_gamma(*gamma)
            }
            Self::Exponential { gamma } => check_gamma(*gamma),
            Self::Warmup { steps, then } => {
                at_least_one("warm-up steps", *steps)?;
                then.check()
            }
        }
    }
}

/// `x` clamped into `[0, 1]`, NaN read as 1 (no decay): the defensive
/// reading of a γ or floor in [`Schedule::lr`].
fn fraction(x: f64) -> f64 {
    if x.is_nan() { 1.0 } else { x.clamp(0.0, 1.0) }
}

fn check_gamma(gamma: f64) -> Result<(), NnError> {
    if gamma > 0.0 && gamma <= 1.0 {
        Ok(())
    } else {
        Err(bad("schedule gamma", gamma, "in (0, 1]"))
    }
}

fn at_least_one(name: &'static str, value: u64) -> Result<(), NnError> {
    if value >= 1 {
        Ok(())
    } else {
        Err(bad(name, value as f64, ">= 1"))
    }
}

const fn bad(name: &'static str, value: f64, expected: &'static str) -> NnError {
    NnError::Hyperparameter {
        name,
        value,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_named() {
        let cases = [
            (Schedule::InverseTime { decay: -1.0 }, "schedule decay"),
            (
                Schedule::Linear {
                    steps: 0,
                    floor: 0.1,
                },
                "schedule steps",
            ),
            (
                Schedule::Cosine {
                    steps: 10,
                    floor: 1.5,
                },
                "schedule floor",
            ),
            (
                Schedule::Step {
                    every: 0,
                    gamma: 0.5,
                },
                "schedule every",
            ),
            (Schedule::Exponential { gamma: 0.0 }, "schedule gamma"),
            (Schedule::Exponential { gamma: 1.1 }, "schedule gamma"),
            (Schedule::Constant.with_warmup(0), "warm-up steps"),
            (
                Schedule::Exponential { gamma: f64::NAN }.with_warmup(3),
                "schedule gamma",
            ),
        ];
        for (s, name) in cases {
            match s.check() {
                Err(NnError::Hyperparameter { name: n, .. }) => assert_eq!(n, name, "{s:?}"),
                other => panic!("{s:?}: expected a `{name}` error, got {other:?}"),
            }
        }
    }

    /// Schedules that `check` rejects still give a finite rate in
    /// `[0, base]` from `lr` (a zero length used to divide by zero: a panic
    /// for `Step`, NaN for `Linear` and `Cosine`).
    #[test]
    fn lr_is_total_on_unchecked_schedules() {
        let odd = [0.0, -1.0, 2.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        let mut schedules = vec![];
        for x in odd {
            schedules.push(Schedule::InverseTime { decay: x });
            schedules.push(Schedule::Exponential { gamma: x });
            for n in [0, 1, 3] {
                schedules.push(Schedule::Linear { steps: n, floor: x });
                schedules.push(Schedule::Cosine { steps: n, floor: x });
                schedules.push(Schedule::Step { every: n, gamma: x });
                schedules.push(Schedule::Step { every: n, gamma: x }.with_warmup(n));
            }
        }
        for s in &schedules {
            for t in [0, 1, 2, 5, 1000, u64::MAX] {
                let lr = s.lr(0.5, t);
                assert!((0.0..=0.5).contains(&lr), "{s:?} at step {t}: {lr}");
            }
        }
        // A zero length reads as one: `Linear { steps: 0 }` is at its floor
        // from the start, `Step { every: 0 }` drops every step.
        let linear = Schedule::Linear {
            steps: 0,
            floor: 0.5,
        };
        assert_eq!(linear.lr(1.0, 0), 1.0);
        assert_eq!(linear.lr(1.0, 1), 0.5);
        let step = Schedule::Step {
            every: 0,
            gamma: 0.5,
        };
        assert_eq!(step.lr(1.0, 3), 0.125);
    }
}
