//! From a history to the GP's training set: which trials enter, with what
//! value, on what scale.

use crate::error::Warning;
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
    /// network). This also tells the GP that the region next to a failure is
    /// bad, which misleads it when a failure sits next to the optimum (a
    /// learning rate just past the best one).
    Worst,
    /// Leave them out of the GP and model the probability that a
    /// configuration succeeds with a GP classifier
    /// ([`crate::gp::Classifier`], Laplace approximation) on the same
    /// encoded inputs; the acquisition becomes `log EI + log P(success)`
    /// (constrained EI, Gardner et al. 2014, Gelbart et al. 2014). No value
    /// is put into the regression GP for a failed trial. The default.
    #[default]
    Classifier,
    /// As [`FailedTrials::Classifier`], and after the fit each failed point
    /// is also believed into the regression GP at `μ + σ` (a pessimistic
    /// Kriging believer: a made-up value at each failure, so the GP stops
    /// promising improvements where trials diverged). The default before
    /// issue 11 asked for no fake value; kept for comparison.
    ClassifierBelief,
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
/// standardises them itself). Every variant is monotone, so the best trial
/// stays the best, and every variant first divides the values by their
/// largest magnitude (exact for powers of two, so multiplying every value by
/// `2^k` gives the same suggestions; any other factor `c` in `[1e-300, 1e300]`
/// changes the warped values by rounding only) and never squares a raw value:
/// values of `1e300` do not overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueTransform {
    /// No warping (only the exact rescaling above).
    Identity,
    /// Yeo–Johnson power transform of the standardised values
    /// (`(v − mean)/sd`), its `λ` chosen by maximum likelihood
    /// (Yeo & Johnson 2000, "A new family of power transformations to
    /// improve normality or symmetry"; HEBO, Cowen-Rivers et al. 2022, found
    /// output warping of this kind decisive). Right-skewed values (a few
    /// huge losses, Branin's corners) are compressed like a logarithm;
    /// left-skewed ones (a few good values in a flat landscape, Hartmann) are
    /// stretched.
    YeoJohnson,
    /// As [`ValueTransform::YeoJohnson`], but robustly standardised
    /// (`(v − median)/(IQR/1.349)`, which one huge value cannot move), and
    /// bad values beyond `median + 3·IQR` are first compressed logarithmically,
    /// `c + IQR·ln(1 + (v − c)/IQR)` with `c = median + 3·IQR` (Tukey's far
    /// fence), so one diverging loss ten thousand times the others cannot
    /// dominate the fit or the choice of `λ`. Only the bad (upper) tail is
    /// compressed: the good tail is where the search must resolve small
    /// differences. The order of all values is kept. The default.
    #[default]
    ClippedYeoJohnson,
    /// Normal scores of the ranks, `Φ⁻¹((rank − ½)/n)` (ties share their mean
    /// rank): immune to any outlier, but blind to how much better the best
    /// values are.
    Rank,
}

/// Tukey's far fence: values beyond `median + FENCE·IQR` are compressed by
/// [`ValueTransform::ClippedYeoJohnson`].
const FENCE: f64 = 3.0;

/// The training set of the GP sampler, from a history.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Observations {
    /// Encoded points with a value, and their values to minimise.
    pub(super) points: Vec<Vec<f64>>,
    /// Values to minimise, one per point (finite).
    pub(super) values: Vec<f64>,
    /// Encoded points of failed and diverged trials (and NaN values), kept
    /// apart for the success classifier; empty unless
    /// [`FailedTrials::Classifier`] or [`FailedTrials::ClassifierBelief`].
    pub(super) failed: Vec<Vec<f64>>,
    /// Values that could not be used as they were (infinities clipped, NaN
    /// values counted as failures), once per cause.
    pub(super) warnings: Vec<Warning>,
}

/// Observations usable by the GP.
///
/// Complete trials enter with their value; pruned and failed ones as
/// `pruned`/`failed` say. Infinite values are clipped to the largest
/// (smallest) finite value seen, as Optuna does, and NaN counts as a failure;
/// both are reported in [`Observations::warnings`] (causes `value_infinite`
/// and `value_nan`). Trials whose configuration does not encode in `space`
/// are skipped.
pub(super) fn observations(
    space: &SearchSpace,
    history: &History,
    failed: FailedTrials,
    pruned: PrunedTrials,
) -> Observations {
    let dir = history.direction();
    let mut raw: Vec<(Vec<f64>, Option<f64>)> = Vec::new();
    let mut failures: Vec<Vec<f64>> = Vec::new();
    let (mut n_nan, mut n_inf) = (0usize, 0usize);
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
            TrialState::Failed { .. } | TrialState::Diverged { .. } => None,
        };
        let value = match value {
            Some(v) if v.is_nan() => {
                n_nan += 1;
                None
            }
            Some(v) if v.is_infinite() => {
                n_inf += 1;
                Some(v)
            }
            v => v,
        };
        match (value, failed) {
            (Some(v), _) => raw.push((x, Some(v))),
            (None, FailedTrials::Ignore) => {}
            (None, FailedTrials::Worst) => raw.push((x, None)),
            (None, FailedTrials::Classifier | FailedTrials::ClassifierBelief) => {
                failures.push(x);
            }
        }
    }
    let mut warnings = Vec::new();
    if n_nan > 0 {
        warnings.push(Warning::new(
            "value_nan",
            format!(
                "{n_nan} trial value(s) were NaN; they count as failed trials ({})",
                failed.describe()
            ),
        ));
    }
    let finite = raw.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        // No finite value at all: nothing to model.
        return Observations {
            failed: failures,
            warnings,
            ..Observations::default()
        };
    }
    if n_inf > 0 {
        warnings.push(Warning::new(
            "value_infinite",
            format!(
                "{n_inf} trial value(s) were infinite; the GP sees them as the worst \
                 (best) finite value observed"
            ),
        ));
    }
    let (points, values) = raw
        .into_iter()
        .map(|(x, v)| {
            let v = match v {
                None => hi,
                Some(v) if v == f64::INFINITY => hi,
                Some(v) if v == f64::NEG_INFINITY => lo,
                Some(v) => v,
            };
            (x, v)
        })
        .unzip();
    Observations {
        points,
        values,
        failed: failures,
        warnings,
    }
}

impl FailedTrials {
    /// What is done with failed trials, for warnings.
    fn describe(self) -> &'static str {
        match self {
            Self::Ignore => "left out of the model",
            Self::Worst => "given the worst value observed",
            Self::Classifier => "modelled by the success classifier",
            Self::ClassifierBelief => "modelled by the success classifier and believed into the GP",
        }
    }
}

/// Applies `transform` to the finite `values`.
pub(super) fn transform(values: &[f64], transform: ValueTransform) -> Vec<f64> {
    let v = rescale(values);
    match transform {
        ValueTransform::Identity => v,
        ValueTransform::YeoJohnson => {
            let z = standardize(&v);
            let lambda = yeo_johnson_lambda(&z);
            z.iter().map(|&v| yeo_johnson(v, lambda)).collect()
        }
        ValueTransform::ClippedYeoJohnson => {
            let z = standardize(&compress_upper_tail(&robust_standardize(&v)));
            let lambda = yeo_johnson_lambda(&z);
            z.iter().map(|&v| yeo_johnson(v, lambda)).collect()
        }
        ValueTransform::Rank => normal_scores(&v),
    }
}

/// `v / max|v|` (unchanged if all are 0): in `[−1, 1]`, exact under scaling
/// by powers of two, and safe to square.
fn rescale(v: &[f64]) -> Vec<f64> {
    let m = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if m > 0.0 && m.is_finite() {
        v.iter().map(|x| x / m).collect()
    } else {
        v.to_vec()
    }
}

/// `(v − mean)/sd` (sd 1 if all values are equal); `v` in `[−1, 1]`, so
/// the squares cannot overflow.
fn standardize(v: &[f64]) -> Vec<f64> {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
    v.iter().map(|x| (x - mean) / sd).collect()
}

/// The `p`-quantile of sorted `s` (linear interpolation, numpy's default).
fn quantile(s: &[f64], p: f64) -> f64 {
    let h = p * (s.len() - 1) as f64;
    let i = h.floor() as usize;
    let j = (i + 1).min(s.len() - 1);
    s[i] + (h - i as f64) * (s[j] - s[i])
}

/// `(v − median)/s` with `s = IQR/1.349` (the standard deviation of a normal
/// sample), at least `10⁻⁶` of the range so that a few distinct values among
/// many equal ones stay bounded; 1 if all values are equal. `v` in `[−1, 1]`.
fn robust_standardize(v: &[f64]) -> Vec<f64> {
    if v.is_empty() {
        return Vec::new();
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let median = quantile(&s, 0.5);
    let iqr = quantile(&s, 0.75) - quantile(&s, 0.25);
    let range = s[s.len() - 1] - s[0];
    let mut scale = (iqr / 1.349).max(1e-6 * range);
    if scale <= 0.0 || scale.is_nan() {
        scale = 1.0;
    }
    v.iter().map(|x| (x - median) / scale).collect()
}

/// Compresses robust scores beyond Tukey's far fence logarithmically (see
/// [`ValueTransform::ClippedYeoJohnson`]); `z` from [`robust_standardize`],
/// whose unit is `IQR/1.349`.
fn compress_upper_tail(z: &[f64]) -> Vec<f64> {
    let mut s = z.to_vec();
    s.sort_by(f64::total_cmp);
    let iqr = quantile(&s, 0.75) - quantile(&s, 0.25);
    if iqr <= 0.0 || iqr.is_nan() {
        return z.to_vec();
    }
    let fence = quantile(&s, 0.5) + FENCE * iqr;
    z.iter()
        .map(|&v| {
            if v > fence {
                fence + iqr * ((v - fence) / iqr).ln_1p()
            } else {
                v
            }
        })
        .collect()
}

/// `Φ⁻¹((rank − ½)/n)`, ties at their mean rank.
fn normal_scores(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean (i + j)/2 + 1.
        let p = ((i + j) as f64 / 2.0 + 0.5) / n as f64;
        let z = inverse_normal_cdf(p);
        for &k in &order[i..=j] {
            out[k] = z;
        }
        i = j + 1;
    }
    out
}

/// `Φ⁻¹(p)` for `p` in `(0, 1)`, by Acklam's rational approximation
/// (relative error below 1.2e-9; P. J. Acklam 2003, "An algorithm for
/// computing the inverse normal cumulative distribution function").
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
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

/// Stacks encoded points into a matrix, one row each.
pub(super) fn to_matrix(points: &[Vec<f64>], dim: usize) -> DMatrix<f64> {
    DMatrix::from_fn(points.len(), dim, |i, j| points[i][j])
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::history::{Direction, TrialRecord};
    use crate::space::{Params, Scale};

    /// One linear float `x` on `[0, 1]` (also the GP sampler's test space).
    pub(in crate::sampler) fn space() -> SearchSpace {
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
        // Trial 4 reported no value but has an intermediate 9.0, which is
        // also the largest finite value, so the failures get 9.0 too.
        assert_eq!(obs.values, vec![1.0, 3.0, 9.0, 2.5, 9.0, 9.0, 9.0]);
        assert!(obs.failed.is_empty());
        let causes: Vec<&str> = obs.warnings.iter().map(|w| w.cause.as_str()).collect();
        assert_eq!(causes, vec!["value_infinite"]);
    }

    #[test]
    fn ignored_trials_are_left_out() {
        let obs = observations(
            &space(),
            &history(Direction::Minimize),
            FailedTrials::Ignore,
            PrunedTrials::Ignore,
        );
        // +∞ is clipped to the largest finite value among those kept.
        assert_eq!(obs.values, vec![1.0, 3.0, 3.0]);
        assert!(obs.failed.is_empty());
    }

    #[test]
    fn the_classifier_gets_failures_and_nan_values_apart() {
        let mut h = history(Direction::Minimize);
        h.push(record(7, 0.8, TrialState::Complete { value: f64::NAN }));
        let obs = observations(&space(), &h, FailedTrials::Classifier, PrunedTrials::Ignore);
        assert_eq!(obs.values, vec![1.0, 3.0, 3.0]);
        // Trials 2 (failed), 6 (diverged) and 7 (NaN), at x = 0.3, 0.7, 0.8.
        assert_eq!(obs.failed, vec![vec![0.3], vec![0.7], vec![0.8]]);
        let causes: Vec<&str> = obs.warnings.iter().map(|w| w.cause.as_str()).collect();
        assert_eq!(causes, vec!["value_nan", "value_infinite"]);
    }

    #[test]
    fn the_believer_is_an_explicit_option_with_a_stable_name() {
        assert_eq!(FailedTrials::default(), FailedTrials::Classifier);
        for (f, name) in [
            (FailedTrials::Classifier, "\"classifier\""),
            (FailedTrials::ClassifierBelief, "\"classifier_belief\""),
        ] {
            assert_eq!(serde_json::to_string(&f).unwrap(), name);
            assert_eq!(serde_json::from_str::<FailedTrials>(name).unwrap(), f);
        }
        // Both keep failures apart for the classifier, out of the values.
        let h = history(Direction::Minimize);
        let a = observations(&space(), &h, FailedTrials::Classifier, PrunedTrials::Ignore);
        let b = observations(
            &space(),
            &h,
            FailedTrials::ClassifierBelief,
            PrunedTrials::Ignore,
        );
        assert_eq!(a, b);
        assert_eq!(a.failed.len(), 2);
    }

    #[test]
    fn maximisation_is_turned_into_minimisation() {
        let mut h = History::new(Direction::Maximize);
        h.push(record(0, 0.1, TrialState::Complete { value: 1.0 }));
        h.push(record(1, 0.2, TrialState::Complete { value: 3.0 }));
        let obs = observations(&space(), &h, FailedTrials::Worst, PrunedTrials::LastValue);
        assert_eq!(obs.values, vec![-1.0, -3.0]);
        assert!(obs.warnings.is_empty());
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
        let standardize = |v: &[f64]| robust_standardize(&rescale(v));
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

    const ALL: [ValueTransform; 4] = [
        ValueTransform::Identity,
        ValueTransform::YeoJohnson,
        ValueTransform::ClippedYeoJohnson,
        ValueTransform::Rank,
    ];

    #[test]
    fn transform_keeps_the_order() {
        let v = [3.0, 0.1, 250.0, 7.0, 0.4, 1e4, 2.0];
        for tr in ALL {
            let t = transform(&v, tr);
            for i in 0..v.len() {
                for j in 0..v.len() {
                    assert_eq!(v[i] < v[j], t[i] < t[j], "{tr:?}");
                }
            }
        }
    }

    #[test]
    fn transforms_are_scale_and_shift_invariant_without_overflow() {
        let v = [3.0, 0.1, 250.0, 7.0, 0.4, 1e4, 2.0, 0.39];
        for tr in ALL {
            let base = transform(&v, tr);
            // Powers of two scale exactly (no rounding) even at 2^±996.
            for k in [-996, -300, 1, 300, 996] {
                let c = 2f64.powi(k);
                let scaled: Vec<f64> = v.iter().map(|x| x * c).collect();
                assert_eq!(transform(&scaled, tr), base, "{tr:?} at 2^{k}");
            }
            // Other factors round each value once; λ, the argmax of a flat
            // likelihood, then moves by about √ε ≈ 1e-8, and the warped
            // values with it.
            for c in [1e-300, 1e-200, 1e200, 1e300] {
                let scaled: Vec<f64> = v.iter().map(|x| x * c).collect();
                for (a, b) in transform(&scaled, tr).iter().zip(&base) {
                    assert!(a.is_finite(), "{tr:?} at {c:e}");
                    approx::assert_abs_diff_eq!(*a, *b, epsilon = 1e-6);
                }
            }
        }
        // A shift changes nothing but the rounding of the shifted values for
        // the standardising warps.
        for tr in [
            ValueTransform::YeoJohnson,
            ValueTransform::ClippedYeoJohnson,
            ValueTransform::Rank,
        ] {
            let base = transform(&v, tr);
            let shifted: Vec<f64> = v.iter().map(|x| x + 12_345.0).collect();
            for (a, b) in transform(&shifted, tr).iter().zip(&base) {
                // 12 345 + v rounds at ~2e-12 of the 1e4 spread; λ moves by
                // about √ε as above.
                approx::assert_abs_diff_eq!(*a, *b, epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn clipping_tames_one_huge_value() {
        // Nine ordinary values and one ten thousand times larger.
        let mut v: Vec<f64> = (1..=9).map(f64::from).collect();
        v.push(1e5);
        let plain = transform(&v, ValueTransform::YeoJohnson);
        let clipped = transform(&v, ValueTransform::ClippedYeoJohnson);
        let spread = |t: &[f64]| t[8] - t[0];
        let gap = |t: &[f64]| t[9] - t[8];
        // After clipping the outlier sits at most a few ordinary spreads
        // above the rest (log compression past the fence).
        assert!(gap(&clipped) < 3.0 * spread(&clipped), "{clipped:?}");
        assert!(gap(&clipped) / spread(&clipped) < gap(&plain) / spread(&plain));
    }

    #[test]
    fn normal_scores_are_symmetric_and_share_ties() {
        let t = normal_scores(&[5.0, 1.0, 3.0, 3.0]);
        // Ranks 4, 1, 2.5, 2.5 of 4: Φ⁻¹(7/8), Φ⁻¹(1/8), 0, 0.
        approx::assert_abs_diff_eq!(t[0], 1.150_349_380_376_008, epsilon = 1e-8);
        approx::assert_abs_diff_eq!(t[1], -1.150_349_380_376_008, epsilon = 1e-8);
        assert_eq!(t[2], t[3]);
        approx::assert_abs_diff_eq!(t[2], 0.0, epsilon = 1e-9);
    }
}
