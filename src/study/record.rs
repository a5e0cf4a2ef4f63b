//! Turning a finished trial into its record.

use super::Trial;
use crate::eval::Returned;
use crate::history::{TrialRecord, TrialState};
use crate::pruner::last_report;

/// The record of a finished trial. A panic fails the trial; otherwise a trial
/// marked with [`Trial::set_diverged`] is diverged with that reason; otherwise
/// a trial that `should_prune` stopped is pruned at its last step; otherwise
/// the outcome decides. Only finite intermediate values are kept (JSON has no NaN);
/// a diverged trial's reason names the first non-finite one.
pub(super) fn make_record(trial: &Trial, outcome: &Returned, duration_secs: f64) -> TrialRecord {
    let pruned_at = last_report(trial.intermediate()).filter(|_| trial.is_pruned());
    let state = match (outcome, pruned_at, trial.diverged()) {
        (Returned::Panicked(_), _, _) => outcome.state(),
        (_, _, Some(reason)) => TrialState::Diverged {
            reason: reason.to_owned(),
        },
        (_, None, None) => match outcome.state() {
            TrialState::Diverged { reason } => {
                let first_bad = trial.intermediate().iter().find(|(_, v)| !v.is_finite());
                TrialState::Diverged {
                    reason: match first_bad {
                        Some((s, v)) => format!("{reason}; intermediate value {v} at step {s}"),
                        None => reason,
                    },
                }
            }
            s => s,
        },
        (_, Some((step, value)), None) => TrialState::Pruned {
            step,
            value: value.is_finite().then_some(value),
        },
    };
    TrialRecord {
        number: trial.number(),
        params: trial.params().clone(),
        state,
        intermediate: trial
            .intermediate()
            .iter()
            .copied()
            .filter(|(_, v)| v.is_finite())
            .collect(),
        scored_step: trial.scored_step(),
        duration_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Direction, History};
    use crate::pruner::{NopPruner, Pruner};
    use crate::space::Params;
    use std::sync::Arc;

    struct Always;
    impl Pruner for Always {
        fn prune(&self, _: &History, _: usize, _: &[(usize, f64)]) -> bool {
            true
        }
    }

    fn trial(pruner: Arc<dyn Pruner>, curve: &[(usize, f64)]) -> Trial {
        let mut t = Trial::new(
            0,
            3,
            9,
            Params::new().with("x", 1.0),
            pruner,
            Arc::new(History::new(Direction::Minimize)),
            Default::default(),
        );
        for &(s, v) in curve {
            t.report(s, v);
        }
        t
    }

    #[test]
    fn pruning_wins_over_the_return_value_but_not_over_a_panic() {
        let mut t = trial(Arc::new(Always), &[(0, 2.0), (1, 1.5)]);
        assert!(t.should_prune());
        let pruned = TrialState::Pruned {
            step: 1,
            value: Some(1.5),
        };
        for outcome in [
            Returned::Value(0.1),
            Returned::Value(f64::NAN),
            Returned::Error("stopped".into()),
        ] {
            assert_eq!(make_record(&t, &outcome, 0.0).state, pruned);
        }
        assert_eq!(
            make_record(&t, &Returned::Panicked("oops".into()), 0.0).state,
            TrialState::Failed {
                reason: "panicked: oops".into()
            }
        );
    }

    #[test]
    fn a_trial_not_asked_to_stop_keeps_its_outcome() {
        let mut t = trial(Arc::new(NopPruner), &[(0, 2.0), (1, f64::NAN), (2, 1.0)]);
        assert!(!t.should_prune());
        // A step reported twice keeps its first value.
        t.report(0, 7.0);
        let r = make_record(&t, &Returned::Value(0.5), 1.25);
        assert_eq!(r.state, TrialState::Complete { value: 0.5 });
        assert_eq!(r.intermediate, vec![(0, 2.0), (2, 1.0)]);
        assert_eq!((r.number, r.duration_secs), (3, 1.25));
        let r = make_record(&t, &Returned::Value(f64::INFINITY), 0.0);
        assert_eq!(
            r.state,
            TrialState::Diverged {
                reason: "objective returned inf; intermediate value NaN at step 1".into()
            }
        );
    }

    #[test]
    fn a_diverged_mark_wins_over_pruning_and_values() {
        let mut t = trial(Arc::new(Always), &[(0, 2.0)]);
        assert!(t.should_prune());
        t.set_diverged("loss became NaN in epoch 2");
        t.set_diverged("ignored");
        let diverged = TrialState::Diverged {
            reason: "loss became NaN in epoch 2".into(),
        };
        assert_eq!(make_record(&t, &Returned::Value(0.5), 0.0).state, diverged);
        assert_eq!(
            make_record(&t, &Returned::Error("e".into()), 0.0).state,
            diverged
        );
        assert!(matches!(
            make_record(&t, &Returned::Panicked("p".into()), 0.0).state,
            TrialState::Failed { .. }
        ));
    }

    #[test]
    fn a_pruned_trial_whose_last_value_is_nan_has_no_value() {
        let mut t = trial(Arc::new(Always), &[(0, 2.0), (1, f64::NAN)]);
        assert!(t.should_prune());
        assert_eq!(
            make_record(&t, &Returned::Value(0.0), 0.0).state,
            TrialState::Pruned {
                step: 1,
                value: None
            }
        );
    }
}
