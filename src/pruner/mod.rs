//! Pruners: stop unpromising trials early from their intermediate values.
//!
//! A trial reports intermediate values (e.g. the validation loss after each
//! epoch) with [`crate::study::Trial::report`] and asks
//! [`crate::study::Trial::should_prune`]; the study forwards the question to
//! its [`Pruner`] together with a **snapshot** of the history taken when the
//! trial's batch started, so the decision does not depend on how fast the other
//! trials of the batch run (Optuna's pruners see every running trial; here the
//! trials of one batch do not see each other, which keeps studies reproducible).
//!
//! | pruner | rule |
//! |---|---|
//! | [`NopPruner`] | never prunes (the default) |
//! | [`MedianPruner`] | best value so far worse than the median of complete trials at the same step |
//! | [`SuccessiveHalvingPruner`] | asynchronous successive halving (ASHA): keep the top `1/η` at each rung |
//!
//! Values are in the study's [`Direction`](crate::history::Direction): pruners
//! compare with `history.direction()`.
//!
//! ## How a pruned trial is recorded, and how samplers should treat it
//!
//! A pruned trial is stored as [`TrialState::Pruned`](crate::history::TrialState::Pruned)
//! with the last step it reported and the value at that step, plus its whole
//! curve of finite intermediate values. Its final value is unknown: the trial
//! was stopped early, and training usually keeps improving, so its last value
//! is worse than the final value it would have reached — a *pessimistic*
//! estimate of it — and, besides, the pruner judged the trial worse than its
//! peers. A sampler should not treat it as a complete observation at that
//! value; sensible choices are to rank pruned trials below every complete
//! trial (Optuna's TPE), or to give the surrogate the worse of the pruned
//! value and the median of complete values.
//! The Bayesian-optimisation sampler documents which rule it uses.

mod halving;
mod median;

pub use halving::{MinResource, SuccessiveHalvingPruner};
pub use median::MedianPruner;

use crate::error::ConfigError;
use crate::history::History;
use crate::strategy::Strategy;

/// Decides whether a running trial should stop.
///
/// **Contract:** `prune` is a deterministic function of its arguments (no hidden
/// state), so that studies replay exactly. Implementors must be `Send + Sync`:
/// trials of a batch ask in parallel.
pub trait Pruner: Send + Sync {
    /// Whether trial `trial` should stop now, given the finished trials
    /// (`history`, a snapshot taken when its batch started) and the
    /// `(step, value)` pairs it has reported so far, in report order (the last
    /// one is the current step). Non-finite values may appear in
    /// `intermediate`; the history's records hold finite values only.
    fn prune(&self, history: &History, trial: usize, intermediate: &[(usize, f64)]) -> bool;

    /// Checks the pruner's settings; the study builder calls it once. By
    /// default: nothing to check.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the invalid setting.
    fn check(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// The pruner's name and settings, recorded in a study's journal and
    /// compared on resume. By default the type name with unknown settings.
    fn strategy(&self) -> Strategy {
        Strategy::of_type::<Self>()
    }
}

/// Never prunes. The default pruner of a study.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NopPruner;

impl Pruner for NopPruner {
    fn prune(&self, _history: &History, _trial: usize, _intermediate: &[(usize, f64)]) -> bool {
        false
    }

    fn strategy(&self) -> Strategy {
        Strategy::named("none")
    }
}

/// The last reported `(step, value)`: the largest step (Optuna's `last_step`).
pub(crate) fn last_report(intermediate: &[(usize, f64)]) -> Option<(usize, f64)> {
    intermediate.iter().copied().max_by_key(|(s, _)| *s)
}

#[cfg(test)]
mod doc_tests {
    /// The module docs call a pruned trial's last value a pessimistic
    /// estimate of its final value, as the sampler docs do
    /// ([`crate::sampler::PrunedTrials::LastValue`]); they once said the
    /// opposite.
    #[test]
    fn pruned_values_are_called_pessimistic() {
        let wrong = ["optim", "istic"].concat();
        for (file, text) in [
            ("mod.rs", include_str!("mod.rs")),
            ("median.rs", include_str!("median.rs")),
            ("halving.rs", include_str!("halving.rs")),
        ] {
            assert!(
                !text.contains(&wrong),
                "src/pruner/{file} calls a pruned value {wrong}"
            );
        }
        assert!(include_str!("mod.rs").contains("*pessimistic*"));
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::history::{Direction, History, TrialRecord, TrialState};
    use crate::space::Params;

    /// A history of complete trials, each with the given curve (step `i` = `curve[i]`)
    /// and its last value as the objective.
    pub fn history_of(direction: Direction, curves: &[Vec<f64>]) -> History {
        let mut h = History::new(direction);
        for (n, c) in curves.iter().enumerate() {
            h.push(TrialRecord {
                number: n,
                params: Params::new().with("x", n as f64),
                state: TrialState::Complete {
                    value: *c.last().expect("non-empty curve"),
                },
                intermediate: c.iter().copied().enumerate().collect(),
                scored_step: None,
                duration_secs: 0.0,
            });
        }
        h
    }

    /// `(i, c[i])` pairs.
    pub fn curve(c: &[f64]) -> Vec<(usize, f64)> {
        c.iter().copied().enumerate().collect()
    }
}
