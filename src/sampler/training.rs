//! From a history to the GP's training set: which trials enter, with what
//! value, on what scale.

use crate::history::{History, TrialState};
use crate::space::SearchSpace;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// What the GP sampler does with failed and diverged trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailedTrials {
    /// Leave them out of the GP (they are still never suggested again).
    Ignore,
    /// Give them the worst value among the complete trials, so the model
    /// learns to avoid their region (a diverging learning rate, an exploding
    /// network). The default.
    #[default]
    Worst,
}

/// What the GP sampler does with pruned trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrunedTrials {
    /// Leave them out of the GP (Optuna's GPSampler does).
    Ignore,
    /// Use the value they reported when stopped (or their last intermediate
    /// value): a pruned trial was doing worse than its peers at that step, and
    /// an early value is usually worse than the final one would have been, so
    /// the GP learns to steer away from its region. Trials without any value
    /// are left out. The default.
    #[default]
    LastValue,
}

/// How objective values are warped before the GP sees them (the GP then
/// standardises them itself). Both variants are monotone, so the best trial
/// stays the best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueTransform {
    /// No warping.
    Identity,
    /// Yeo–Johnson power transform of the standardised values, its `λ`
    /// chosen by maximum likelihood (Yeo & Johnson 2000, "A new family of
    /// power transformations to improve normality or symmetry"; HEBO,
    /// Cowen-Rivers et al. 2022, found output warping of this kind decisive).
    /// Right-skewed values (a few huge losses, Branin's corners) are
    /// compressed like a logarithm so they stop dominating the fit;
    /// left-skewed ones (a few good values in a flat landscape, Hartmann)
    /// are stretched. The default.
    #[default]
    YeoJohnson,
}

/// Observations usable by the GP, as `(encoded point, value to minimise)`.
///
/// Complete trials enter with their value; pruned and failed ones as
/// `pruned`/`failed` say. Infinite values are clipped to the largest
/// (smallest) finite value seen, as Optuna does; NaN counts as a failure.
/// Trials whose configuration does not encode in `space` are skipped.
pub(super) fn observations(
    space: &SearchSpace,
    history: &History,
    failed: FailedTrials,
    pruned: PrunedTrials,
) -> Vec<(Vec<f64>, f64)> {
    let dir = history.direction();
    let mut raw: Vec<(Vec<f64>, Option<f64>)> = Vec::new();
    for t in history.trials() {
        let Ok(x) = space.encode(&t.params) else {
            continue;
        };
        let value = match &t.state {
            TrialState::Complete { value } => Some(dir.to_minimize(*value)),
            TrialState::Pruned { value, .. } => match pruned {
                PrunedTrials::Ignore => continue,
                PrunedTrials::LastValue => {
                    match value.or_else(|| t.intermediate.last().map(|&(_, v)| v)) {
                        Some(v) => Some(dir.to_minimize(v)),
                        None => continue,
                    }
                }
            },
            TrialState::Failed { .. } | TrialState::Diverged { .. } => match failed {
                FailedTrials::Ignore => continue,
                FailedTrials::Worst => None,
            },
        };
        let value = match value {
            Some(v) if v.is_nan() => match failed {
                FailedTrials::Ignore => continue,
                FailedTrials::Worst => None,
            },
            v => v,
        };
        raw.push((x, value));
    }
    let finite = raw.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        // No finite value at all: nothing to model.
        return Vec::new();
    }
    raw.into_iter()
        .map(|(x, v)| {
            let v = match v {
                None => hi,
                Some(v) if v == f64::INFINITY => hi,
                Some(v) if v == f64::NEG_INFINITY => lo,
                Some(v) => v,
            };
            (x, v)
        })
        .collect()
}

/// Applies `transform` to the values.
pub(super) fn transform(values: &[f64], transform: ValueTransform) -> Vec<f64> {
    match transform {
        ValueTransform::Identity => values.to_vec(),
        ValueTransform::YeoJohnson => {
            let z = standardize(values);
            let lambda = yeo_johnson_lambda(&z);
            z.iter().map(|&v| yeo_johnson(v, lambda)).collect()
        }
    }
}

/// The Yeo–Johnson transform of `y` with parameter `lambda`:
/// `((1 + y)^λ − 1)/λ` for `y ≥ 0`, `−((1 − y)^(2−λ) − 1)/(2 − λ)` for
/// `y < 0` (logarithms at `λ = 0` and `λ = 2`); increasing in `y` for every `λ`.
fn yeo_johnson(y: f64, lambda: f64) -> f64 {
    if y >= 0.0 {
        if lambda.abs() < 1e-12 {
            y.ln_1p()
        } else {
            ((y + 1.0).powf(lambda) - 1.0) / lambda
        }
    } else if (lambda - 2.0).abs() < 1e-12 {
        -(-y).ln_1p()
    } else {
        -((1.0 - y).powf(2.0 - lambda) - 1.0) / (2.0 - lambda)
    }
}

/// Profile log-likelihood of `lambda` for a normal model of the transformed
/// values: `−n/2 ln σ̂²(λ) + (λ − 1) Σ sign(y) ln(1 + |y|)`.
fn yeo_johnson_llf(y: &[f64], lambda: f64) -> f64 {
    let t: Vec<f64> = y.iter().map(|&v| yeo_johnson(v, lambda)).collect();
    let n = t.len() as f64;
    let mean = t.iter().sum::<f64>() / n;
    let var = t.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let jac: f64 = y.iter().map(|&v| v.signum() * v.abs().ln_1p()).sum();
    -0.5 * n * var.max(1e-300).ln() + (lambda - 1.0) * jac
}

/// The maximum-likelihood `λ` in `[−2, 4]`, by golden-section search (the
/// profile likelihood is unimodal in practice; scikit-learn uses Brent).
fn yeo_johnson_lambda(y: &[f64]) -> f64 {
    let g = 0.618_033_988_749_894_8;
    let (mut a, mut b) = (-2.0_f64, 4.0_f64);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (yeo_johnson_llf(y, c), yeo_johnson_llf(y, d));
    for _ in 0..60 {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = yeo_johnson_llf(y, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = yeo_johnson_llf(y, d);
        }
    }
    0.5 * (a + b)
}

/// `(v − mean)/sd` (sd 1 if all values are equal).
fn standardize(v: &[f64]) -> Vec<f64> {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
    v.iter().map(|x| (x - mean) / sd).collect()
}

/// Stacks encoded points into a matrix, one row each.
pub(super) fn to_matrix(points: &[Vec<f64>], dim: usize) -> DMatrix<f64> {
    DMatrix::from_fn(points.len(), dim, |i, j| points[i][j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Direction, TrialRecord};
    use crate::space::{Params, Scale};

    fn space() -> SearchSpace {
        SearchSpace::builder()
            .float("x", 0.0..=1.0, Scale::Linear)
            .build()
            .unwrap()
    }

    fn record(number: usize, x: f64, state: TrialState) -> TrialRecord {
        TrialRecord {
            number,
            params: Params::new().with("x", x),
            state,
            intermediate: vec![(0, 9.0)],
            scored_step: None,
            duration_secs: 0.0,
        }
    }

    fn history(direction: Direction) -> History {
        let mut h = History::new(direction);
        h.push(record(0, 0.1, TrialState::Complete { value: 1.0 }));
        h.push(record(1, 0.2, TrialState::Complete { value: 3.0 }));
        h.push(record(2, 0.3, TrialState::Failed { reason: "x".into() }));
        h.push(record(
            3,
            0.4,
            TrialState::Pruned {
                step: 1,
                value: Some(2.5),
            },
        ));
        h.push(record(
            4,
            0.5,
            TrialState::Pruned {
                step: 1,
                value: None,
            },
        ));
        h.push(record(
            5,
            0.6,
            TrialState::Complete {
                value: f64::INFINITY,
            },
        ));
        h.push(record(
            6,
            0.7,
            TrialState::Diverged {
                reason: "nan".into(),
            },
        ));
        h
    }

    #[test]
    fn failures_get_the_worst_value_and_infinities_are_clipped() {
        let obs = observations(
            &space(),
            &history(Direction::Minimize),
            FailedTrials::Worst,
            PrunedTrials::LastValue,
        );
        let values: Vec<f64> = obs.iter().map(|o| o.1).collect();
        // Trial 4 reported no value but has an intermediate 9.0, which is
        // also the largest finite value, so the failures get 9.0 too.
        assert_eq!(values, vec![1.0, 3.0, 9.0, 2.5, 9.0, 9.0, 9.0]);
    }

    #[test]
    fn ignored_trials_are_left_out() {
        let obs = observations(
            &space(),
            &history(Direction::Minimize),
            FailedTrials::Ignore,
            PrunedTrials::Ignore,
        );
        let values: Vec<f64> = obs.iter().map(|o| o.1).collect();
        // +∞ is clipped to the largest finite value among those kept.
        assert_eq!(values, vec![1.0, 3.0, 3.0]);
    }

    #[test]
    fn maximisation_is_turned_into_minimisation() {
        let mut h = History::new(Direction::Maximize);
        h.push(record(0, 0.1, TrialState::Complete { value: 1.0 }));
        h.push(record(1, 0.2, TrialState::Complete { value: 3.0 }));
        let obs = observations(&space(), &h, FailedTrials::Worst, PrunedTrials::LastValue);
        assert_eq!(
            obs.iter().map(|o| o.1).collect::<Vec<_>>(),
            vec![-1.0, -3.0]
        );
    }

    #[test]
    fn yeo_johnson_is_increasing_and_the_identity_at_lambda_one() {
        for lambda in [-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.5] {
            let mut prev = f64::NEG_INFINITY;
            for i in -40..=40 {
                let y = f64::from(i) / 8.0;
                let t = yeo_johnson(y, lambda);
                assert!(t > prev, "not increasing at y = {y}, λ = {lambda}");
                prev = t;
            }
        }
        // λ = 1 is the identity: ((y + 1)^1 − 1)/1 rounds once or twice.
        approx::assert_abs_diff_eq!(yeo_johnson(2.5, 1.0), 2.5, epsilon = 1e-15);
        approx::assert_abs_diff_eq!(yeo_johnson(-2.5, 1.0), -2.5, epsilon = 1e-15);
    }

    #[test]
    fn yeo_johnson_lambda_follows_the_skew() {
        // Right-skewed (exponentials of a ramp): λ < 1 compresses the tail.
        let right: Vec<f64> = (0..50).map(|i| (f64::from(i) / 8.0).exp()).collect();
        assert!(yeo_johnson_lambda(&standardize(&right)) < 1.0);
        // Left-skewed (the mirror image): λ > 1.
        let left: Vec<f64> = right.iter().map(|v| -v).collect();
        assert!(yeo_johnson_lambda(&standardize(&left)) > 1.0);
        // The likelihood is maximal at the returned λ among nearby values.
        let z = standardize(&right);
        let l = yeo_johnson_lambda(&z);
        assert!(yeo_johnson_llf(&z, l) >= yeo_johnson_llf(&z, l + 0.05));
        assert!(yeo_johnson_llf(&z, l) >= yeo_johnson_llf(&z, l - 0.05));
    }

    #[test]
    fn transform_keeps_the_order() {
        let v = [3.0, 0.1, 250.0, 7.0, 0.4];
        let t = transform(&v, ValueTransform::YeoJohnson);
        for i in 0..v.len() {
            for j in 0..v.len() {
                assert_eq!(v[i] < v[j], t[i] < t[j]);
            }
        }
    }
}
