//! The median stopping rule (Golovin et al. 2017, "Google Vizier", section 3.2.2),
//! as Optuna's `MedianPruner` implements it.

use super::{Pruner, last_report};
use crate::error::ConfigError;
use crate::history::{Direction, History};

/// Prunes a trial whose best intermediate value so far is worse than the median
/// of the complete trials' values at the same step.
///
/// At step `s` (the largest step the trial reported) the trial is pruned when
/// all of these hold, as in Optuna's `MedianPruner` (a `PercentilePruner` with
/// percentile 50):
/// - at least `n_startup_trials` (and at least one) trials of the history are complete;
/// - `s >= n_warmup_steps`;
/// - `s` is the first report in its interval: no earlier report at or after
///   `warmup + floor((s - warmup) / interval) * interval`;
/// - the trial's best value over all its steps (NaN ignored; a trial whose
///   values are all NaN is pruned) is worse than the median of the complete
///   trials' values at step `s` (linear interpolation between the two middle
///   values, numpy's `percentile`), provided at least `n_min_trials` complete
///   trials reported step `s`.
///
/// By default: `n_startup_trials = 5`, `n_warmup_steps = 0`, `interval_steps = 1`,
/// `n_min_trials = 1` (Optuna's defaults).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MedianPruner {
    n_startup_trials: usize,
    n_warmup_steps: usize,
    interval_steps: usize,
    n_min_trials: usize,
}

impl Default for MedianPruner {
    fn default() -> Self {
        Self {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

impl MedianPruner {
    /// Pruning starts once this many trials are complete. By default 5.
    #[must_use]
    pub fn n_startup_trials(mut self, n: usize) -> Self {
        self.n_startup_trials = n;
        self
    }

    /// A trial is not pruned before it reports this step. By default 0.
    #[must_use]
    pub fn n_warmup_steps(mut self, n: usize) -> Self {
        self.n_warmup_steps = n;
        self
    }

    /// Steps between pruning checks, counted from the warm-up. By default 1; at least 1.
    #[must_use]
    pub fn interval_steps(mut self, n: usize) -> Self {
        self.interval_steps = n;
        self
    }

    /// Complete trials that must have reported a step before it is judged. By default 1; at least 1.
    #[must_use]
    pub fn n_min_trials(mut self, n: usize) -> Self {
        self.n_min_trials = n;
        self
    }

    fn is_first_in_interval(&self, step: usize, intermediate: &[(usize, f64)]) -> bool {
        let interval = self.interval_steps.max(1);
        let warmup = self.n_warmup_steps;
        let nearest_lower = (step - warmup) / interval * interval + warmup;
        let second_last = intermediate
            .iter()
            .map(|(s, _)| *s)
            .filter(|&s| s != step)
            .max();
        second_last.is_none_or(|s| s < nearest_lower)
    }
}

impl Pruner for MedianPruner {
    fn strategy(&self) -> crate::strategy::Strategy {
        crate::strategy::Strategy::new("median", self)
    }

    fn prune(&self, history: &History, _trial: usize, intermediate: &[(usize, f64)]) -> bool {
        let n_complete = history.complete().count();
        if n_complete == 0 || n_complete < self.n_startup_trials {
            return false;
        }
        let Some((step, _)) = last_report(intermediate) else {
            return false;
        };
        if step < self.n_warmup_steps || !self.is_first_in_interval(step, intermediate) {
            return false;
        }
        let direction = history.direction();
        let Some(best) = best_value(intermediate, direction) else {
            return true; // every value NaN
        };
        let mut at_step: Vec<f64> = history
            .complete()
            .filter_map(|(t, _)| t.intermediate.iter().find(|(s, _)| *s == step))
            .map(|(_, v)| *v)
            .filter(|v| !v.is_nan())
            .collect();
        if at_step.is_empty() || at_step.len() < self.n_min_trials {
            return false;
        }
        let median = percentile(&mut at_step, 50.0);
        direction.better(median, best)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.interval_steps == 0 {
            return Err(ConfigError::Invalid {
                name: "interval_steps",
                reason: "must be at least 1".into(),
            });
        }
        if self.n_min_trials == 0 {
            return Err(ConfigError::Invalid {
                name: "n_min_trials",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The best non-NaN value of a curve in `direction`.
fn best_value(intermediate: &[(usize, f64)], direction: Direction) -> Option<f64> {
    intermediate
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| !v.is_nan())
        .reduce(|a, b| if direction.better(b, a) { b } else { a })
}

/// The `q`-th percentile (0..=100) of non-empty `values` with linear
/// interpolation between order statistics (numpy's default): position
/// `q/100 (n-1)` in the sorted values. Sorts `values`.
pub(crate) fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    values[lo] + (values[hi] - values[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruner::test_support::{curve, history_of};
    use approx::assert_relative_eq;

    #[test]
    fn percentile_matches_numpy() {
        // numpy.percentile([3, 1, 4, 1, 5], 50) == 3.0; ([1, 2, 3, 4], 50) == 2.5;
        // ([1, 2, 3, 4], 25) == 1.75.
        assert_relative_eq!(percentile(&mut [3.0, 1.0, 4.0, 1.0, 5.0], 50.0), 3.0);
        assert_relative_eq!(percentile(&mut [4.0, 2.0, 3.0, 1.0], 50.0), 2.5);
        assert_relative_eq!(percentile(&mut [1.0, 2.0, 3.0, 4.0], 25.0), 1.75);
        assert_relative_eq!(percentile(&mut [7.0], 50.0), 7.0);
    }

    fn five_curves() -> Vec<Vec<f64>> {
        // At step 1 the complete trials report 1.0, 2.0, 3.0, 4.0, 5.0: median 3.0.
        (1..=5).map(|k| vec![k as f64 + 1.0, k as f64]).collect()
    }

    #[test]
    fn prunes_worse_than_median_only() {
        let h = history_of(Direction::Minimize, &five_curves());
        let p = MedianPruner::default();
        assert!(p.prune(&h, 5, &curve(&[9.0, 3.5])));
        assert!(
            !p.prune(&h, 5, &curve(&[9.0, 3.0])),
            "equal to the median is kept"
        );
        assert!(!p.prune(&h, 5, &curve(&[9.0, 2.5])));
        // The best value over all steps counts, not the last one.
        assert!(!p.prune(&h, 5, &curve(&[2.0, 3.5])));
    }

    #[test]
    fn maximising_flips_the_comparison() {
        let h = history_of(Direction::Maximize, &five_curves());
        let p = MedianPruner::default();
        assert!(p.prune(&h, 5, &curve(&[0.0, 2.5])));
        assert!(!p.prune(&h, 5, &curve(&[0.0, 3.5])));
    }

    #[test]
    fn startup_and_warmup_disable_pruning() {
        let curves = five_curves();
        let four = history_of(Direction::Minimize, &curves[..4]);
        assert!(!MedianPruner::default().prune(&four, 4, &curve(&[9.0, 9.0])));
        assert!(
            MedianPruner::default()
                .n_startup_trials(4)
                .prune(&four, 4, &curve(&[9.0, 9.0]))
        );
        let h = history_of(Direction::Minimize, &curves);
        let warm = MedianPruner::default().n_warmup_steps(2);
        assert!(!warm.prune(&h, 5, &curve(&[9.0, 9.0])));
    }

    #[test]
    fn interval_checks_only_first_report_in_interval() {
        let curves: Vec<Vec<f64>> = (0..5).map(|_| vec![1.0; 6]).collect();
        let h = history_of(Direction::Minimize, &curves);
        let p = MedianPruner::default().interval_steps(2);
        // Steps 0..=k reported; checks happen at even steps only.
        let bad = [9.0; 6];
        assert!(p.prune(&h, 5, &curve(&bad[..1]))); // step 0
        assert!(!p.prune(&h, 5, &curve(&bad[..2]))); // step 1
        assert!(p.prune(&h, 5, &curve(&bad[..3]))); // step 2
        // A report skipped over the check at 2: step 3 is the first of its interval.
        assert!(p.prune(&h, 5, &[(0, 9.0), (1, 9.0), (3, 9.0)]));
    }

    #[test]
    fn nan_curves_and_missing_steps() {
        let h = history_of(Direction::Minimize, &five_curves());
        let p = MedianPruner::default();
        assert!(p.prune(&h, 5, &[(0, f64::NAN), (1, f64::NAN)]));
        assert!(!p.prune(&h, 5, &[(0, f64::NAN), (1, 1.0)]));
        // No complete trial reported step 7: nothing to compare with.
        assert!(!p.prune(&h, 5, &[(7, 100.0)]));
        assert!(!p.prune(&h, 5, &[]));
        assert!(!p.clone().n_min_trials(6).prune(&h, 5, &curve(&[9.0, 9.0])));
    }

    #[test]
    fn check_rejects_zero_interval() {
        assert!(matches!(
            MedianPruner::default().interval_steps(0).check(),
            Err(ConfigError::Invalid {
                name: "interval_steps",
                ..
            })
        ));
        MedianPruner::default().check().unwrap();
    }
}
