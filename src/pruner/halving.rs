//! Asynchronous successive halving (ASHA; Li et al. 2020, "A System for Massively
//! Parallel Hyperparameter Tuning", MLSys, arXiv:1810.05934), as Optuna's
//! `SuccessiveHalvingPruner` implements it.

use super::{Pruner, last_report};
use crate::error::ConfigError;
use crate::history::{Direction, History, TrialRecord};
use crate::strategy::Strategy;
use serde::{Deserialize, Serialize};

/// The minimum resource `r` (steps before the first rung).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinResource {
    /// Estimated from the first complete trial of the history (lowest number):
    /// `max(last_step / 100, 1)`, as Optuna's `"auto"`. Until a trial is
    /// complete nothing is pruned. The default.
    #[default]
    Auto,
    /// A fixed number of steps, at least 1.
    Steps(usize),
}

/// Successive halving with asynchronous promotions (ASHA).
///
/// Rung `k` ends at step `r η^(s + k)` (`r` the minimum resource, `η` the
/// reduction factor, `s` the minimum early-stopping rate). When a trial reports
/// a step at or past the end of rung `k`, its value there (its value at the
/// first reported step `>= r η^(s+k)`) competes with the rung-`k` values of the
/// history's trials (any state); it is promoted to rung `k + 1` only if it
/// ranks in the top `floor(n / η)` of those `n` values (the current trial
/// included), or is the best one while `n < η`; otherwise it is pruned. A NaN
/// value at or past the first rung is pruned.
///
/// Differences from Optuna, both for reproducibility: the competitors are the
/// trials of the history snapshot taken when the trial's batch started (Optuna
/// also sees trials still running), and the rung values are recomputed from
/// the recorded curves rather than stored. `MinResource::Auto` uses the first
/// complete trial by number, where Optuna uses the complete trials present the
/// first time it is asked.
///
/// By default: `min_resource = Auto`, `reduction_factor = 4`,
/// `min_early_stopping_rate = 0`, `bootstrap_count = 0` (Optuna's defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuccessiveHalvingPruner {
    min_resource: MinResource,
    reduction_factor: usize,
    min_early_stopping_rate: u32,
    bootstrap_count: usize,
}

impl Default for SuccessiveHalvingPruner {
    fn default() -> Self {
        Self {
            min_resource: MinResource::Auto,
            reduction_factor: 4,
            min_early_stopping_rate: 0,
            bootstrap_count: 0,
        }
    }
}

impl SuccessiveHalvingPruner {
    /// The minimum resource `r`. By default [`MinResource::Auto`].
    #[must_use]
    pub fn min_resource(mut self, r: MinResource) -> Self {
        self.min_resource = r;
        self
    }

    /// The reduction factor `η`: about `1/η` of the trials reaching a rung are
    /// promoted. By default 4; at least 2.
    #[must_use]
    pub fn reduction_factor(mut self, eta: usize) -> Self {
        self.reduction_factor = eta;
        self
    }

    /// The minimum early-stopping rate `s`: the first rung ends at `r η^s`. By default 0.
    #[must_use]
    pub fn min_early_stopping_rate(mut self, s: u32) -> Self {
        self.min_early_stopping_rate = s;
        self
    }

    /// A trial is pruned at a rung until more than this many trials (itself
    /// included) have reached it. By default 0; needs a fixed minimum resource.
    #[must_use]
    pub fn bootstrap_count(mut self, n: usize) -> Self {
        self.bootstrap_count = n;
        self
    }

    fn resolve_min_resource(&self, history: &History) -> Option<usize> {
        match self.min_resource {
            MinResource::Steps(r) => Some(r.max(1)),
            MinResource::Auto => history
                .complete()
                .find_map(|(t, _)| t.intermediate.iter().map(|(s, _)| *s).max())
                .map(|last| (last / 100).max(1)),
        }
    }

    /// The step at which rung `rung` ends, or `None` on overflow.
    fn rung_end(&self, r: usize, rung: u32) -> Option<usize> {
        let eta = self.reduction_factor.max(2);
        let exp = self.min_early_stopping_rate.checked_add(rung)?;
        eta.checked_pow(exp)?.checked_mul(r)
    }
}

/// The value at the first step `>= end` of a curve.
fn value_at_or_after(curve: &[(usize, f64)], end: usize) -> Option<f64> {
    curve
        .iter()
        .filter(|(s, _)| *s >= end)
        .min_by_key(|(s, _)| *s)
        .map(|(_, v)| *v)
}

fn rung_values(trials: &[TrialRecord], end: usize) -> Vec<f64> {
    trials
        .iter()
        .filter_map(|t| value_at_or_after(&t.intermediate, end))
        .filter(|v| !v.is_nan())
        .collect()
}

/// Whether `value` ranks in the top `max(floor(n/η), 1)` of `competing`
/// (which includes it), ties kept.
fn promotable(value: f64, mut competing: Vec<f64>, eta: usize, direction: Direction) -> bool {
    let idx = (competing.len() / eta).saturating_sub(1);
    // Sort best first, then compare with the idx-th best.
    competing.sort_by(|a, b| {
        direction
            .to_minimize(*a)
            .total_cmp(&direction.to_minimize(*b))
    });
    !direction.better(competing[idx], value)
}

impl Pruner for SuccessiveHalvingPruner {
    fn strategy(&self) -> Strategy {
        Strategy::new("successive_halving", self)
    }

    fn prune(&self, history: &History, _trial: usize, intermediate: &[(usize, f64)]) -> bool {
        let Some((step, last)) = last_report(intermediate) else {
            return false;
        };
        let Some(r) = self.resolve_min_resource(history) else {
            return false;
        };
        let eta = self.reduction_factor.max(2);
        for rung in 0.. {
            let Some(end) = self.rung_end(r, rung) else {
                return false;
            };
            if step < end {
                return false;
            }
            if last.is_nan() {
                return true;
            }
            let value = value_at_or_after(intermediate, end).unwrap_or(last);
            if value.is_nan() {
                return true;
            }
            let mut competing = rung_values(history.trials(), end);
            competing.push(value);
            if competing.len() <= self.bootstrap_count
                || !promotable(value, competing, eta, history.direction())
            {
                return true;
            }
        }
        false
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.reduction_factor < 2 {
            return Err(ConfigError::Invalid {
                name: "reduction_factor",
                reason: format!("must be at least 2, got {}", self.reduction_factor),
            });
        }
        match self.min_resource {
            MinResource::Steps(0) => Err(ConfigError::Invalid {
                name: "min_resource",
                reason: "must be at least 1 step".into(),
            }),
            MinResource::Auto if self.bootstrap_count > 0 => Err(ConfigError::Invalid {
                name: "bootstrap_count",
                reason: "a bootstrap count needs a fixed min_resource".into(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruner::test_support::{curve, history_of};

    fn fixed(r: usize) -> SuccessiveHalvingPruner {
        SuccessiveHalvingPruner::default().min_resource(MinResource::Steps(r))
    }

    #[test]
    fn promotion_rule_matches_optuna() {
        // Optuna's _is_trial_promotable_to_next_rung: with 8 values and eta 4 the
        // top 2 are promoted; with fewer than eta values only the best.
        let v = |x: &[f64]| x.to_vec();
        let comp = v(&[5.0, 1.0, 7.0, 3.0, 2.0, 8.0, 6.0, 4.0]);
        assert!(promotable(2.0, comp.clone(), 4, Direction::Minimize));
        assert!(!promotable(3.0, comp.clone(), 4, Direction::Minimize));
        assert!(promotable(7.0, comp.clone(), 4, Direction::Maximize));
        assert!(!promotable(6.0, comp, 4, Direction::Maximize));
        assert!(promotable(1.0, v(&[1.0, 2.0, 3.0]), 4, Direction::Minimize));
        assert!(!promotable(
            2.0,
            v(&[1.0, 2.0, 3.0]),
            4,
            Direction::Minimize
        ));
        assert!(promotable(1.0, v(&[1.0, 1.0]), 4, Direction::Minimize));
    }

    #[test]
    fn rungs_at_r_eta_powers() {
        // Eight complete trials, curves flat at 1..=8 for steps 0..=20.
        let curves: Vec<Vec<f64>> = (1..=8).map(|k| vec![k as f64; 21]).collect();
        let h = history_of(Direction::Minimize, &curves);
        let p = fixed(1).reduction_factor(2);
        // Rung ends at 1, 2, 4, 8, 16. Step 0 is before the first rung.
        assert!(!p.prune(&h, 8, &curve(&[100.0])));
        // A value of 4.5 at step 1: competing 9 values, top floor(9/2) = 4 -> 4.5 is 5th.
        assert!(p.prune(&h, 8, &curve(&[100.0, 4.5])));
        // 3.5 is 4th: promoted at rung 0 (end 1); at step 1 nothing else is due.
        assert!(!p.prune(&h, 8, &curve(&[100.0, 3.5])));
        // At step 2 (rung 1) it still ranks 4th of 9: promoted; 5.5 there is pruned.
        assert!(!p.prune(&h, 8, &curve(&[100.0, 3.5, 3.5])));
        assert!(p.prune(&h, 8, &curve(&[100.0, 3.5, 5.5])));
    }

    #[test]
    fn auto_min_resource_from_first_complete_trial() {
        let p = SuccessiveHalvingPruner::default();
        let empty = History::new(Direction::Minimize);
        assert!(!p.prune(&empty, 0, &curve(&[f64::NAN, f64::NAN])));
        // A first trial of 300 steps gives r = 3: step 2 is before the first rung.
        let h = history_of(Direction::Minimize, &[vec![1.0; 301]]);
        assert!(!p.prune(&h, 1, &curve(&[5.0, 5.0, 5.0])));
        assert!(p.prune(&h, 1, &curve(&[5.0, 5.0, 5.0, 5.0])));
        assert!(!p.prune(&h, 1, &curve(&[5.0, 5.0, 5.0, 0.5])));
    }

    #[test]
    fn nan_past_first_rung_is_pruned() {
        let h = history_of(Direction::Minimize, &[vec![1.0; 4]]);
        assert!(fixed(1).prune(&h, 1, &curve(&[0.5, f64::NAN])));
        assert!(!fixed(2).prune(&h, 1, &curve(&[0.5, f64::NAN])));
    }

    #[test]
    fn bootstrap_count_prunes_until_enough_competitors() {
        let h = history_of(Direction::Minimize, &[vec![1.0; 4]]);
        let p = fixed(1).bootstrap_count(2);
        assert!(p.prune(&h, 1, &curve(&[0.5, 0.5])));
        assert!(!fixed(1).prune(&h, 1, &curve(&[0.5, 0.5])));
    }

    #[test]
    fn check_rejects_bad_settings() {
        let bad = |p: SuccessiveHalvingPruner, name: &str| {
            assert!(
                matches!(p.check(), Err(ConfigError::Invalid { name: n, .. }) if n == name),
                "{name}"
            );
        };
        bad(fixed(1).reduction_factor(1), "reduction_factor");
        bad(fixed(0), "min_resource");
        bad(
            SuccessiveHalvingPruner::default().bootstrap_count(1),
            "bootstrap_count",
        );
        SuccessiveHalvingPruner::default().check().unwrap();
    }
}
