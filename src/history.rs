//! Past trials: what every strategy (sampler, pruner) reads, and the study writes.
//!
//! The study is the only writer of a [`History`]; samplers and pruners get a
//! shared reference. Values are in the study's [`Direction`]; strategies that
//! minimise use [`Direction::to_minimize`].

use crate::space::Params;
use serde::{Deserialize, Serialize};

/// Whether the study minimises or maximises its objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better (losses). The default.
    #[default]
    Minimize,
    /// Larger is better (accuracies).
    Maximize,
}

impl Direction {
    /// `value` as a quantity to minimise (negated when maximising).
    #[must_use]
    pub fn to_minimize(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }

    /// Whether `a` is strictly better than `b`.
    #[must_use]
    pub fn better(self, a: f64, b: f64) -> bool {
        self.to_minimize(a) < self.to_minimize(b)
    }
}

/// How the complete trials were ranked to choose the best configuration
/// ([`crate::study::Study::ranked_trials`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// By observed value ([`History::ranked`]): a deterministic objective,
    /// or a sampler without a model.
    #[default]
    Observed,
    /// By the sampler's model ([`crate::sampler::Sampler::rank`]): the GP's
    /// posterior mean when its fit says the values are noisy.
    Model,
}

/// How a finished trial ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TrialState {
    /// Ran to the end with a finite objective value.
    Complete {
        /// The objective value.
        value: f64,
    },
    /// Stopped early by the pruner after reporting `step`.
    Pruned {
        /// The last step reported.
        step: usize,
        /// The value reported at that step, if any.
        value: Option<f64>,
    },
    /// The objective returned an error or panicked.
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// The objective (or the training inside it) produced NaN or infinity.
    Diverged {
        /// What diverged, and when.
        reason: String,
    },
}

impl TrialState {
    /// The objective value of a complete trial.
    #[must_use]
    pub fn value(&self) -> Option<f64> {
        match self {
            TrialState::Complete { value } => Some(*value),
            _ => None,
        }
    }

    /// A short lower-case name: `complete`, `pruned`, `failed`, `diverged`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            TrialState::Complete { .. } => "complete",
            TrialState::Pruned { .. } => "pruned",
            TrialState::Failed { .. } => "failed",
            TrialState::Diverged { .. } => "diverged",
        }
    }
}

/// One finished trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial's number: 0, 1, 2, ... in the order trials were asked.
    pub number: usize,
    /// The configuration evaluated.
    pub params: Params,
    /// How it ended.
    #[serde(flatten)]
    pub state: TrialState,
    /// Intermediate values reported, as `(step, value)` (e.g. per-epoch validation loss).
    #[serde(default)]
    pub intermediate: Vec<(usize, f64)>,
    /// The step (e.g. the epoch) at which the trial's value was measured, if
    /// the objective said ([`crate::study::Trial::set_scored_step`]): an
    /// objective that scores a training at its best epoch records which, so
    /// the configuration can be retrained for exactly that many epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored_step: Option<usize>,
    /// Wall time of the evaluation in seconds (not part of the study's
    /// reproducible content).
    #[serde(default)]
    pub duration_secs: f64,
}

impl TrialRecord {
    /// A complete trial with `value`, no intermediate values, no scored step
    /// and no duration (histories built by hand: tests, benches, replays).
    #[must_use]
    pub fn complete(number: usize, params: Params, value: f64) -> Self {
        Self {
            number,
            params,
            state: TrialState::Complete { value },
            intermediate: Vec::new(),
            scored_step: None,
            duration_secs: 0.0,
        }
    }
}

/// Trials counted by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Complete trials.
    pub complete: usize,
    /// Pruned trials.
    pub pruned: usize,
    /// Failed trials (error or panic).
    pub failed: usize,
    /// Diverged trials (NaN or infinity).
    pub diverged: usize,
}

impl Counts {
    /// All trials counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.complete + self.pruned + self.failed + self.diverged
    }

    /// Counts one more trial in `state`.
    pub fn add(&mut self, state: &TrialState) {
        match state {
            TrialState::Complete { .. } => self.complete += 1,
            TrialState::Pruned { .. } => self.pruned += 1,
            TrialState::Failed { .. } => self.failed += 1,
            TrialState::Diverged { .. } => self.diverged += 1,
        }
    }
}

/// The finished trials of a study, in trial-number order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct History {
    direction: Direction,
    trials: Vec<TrialRecord>,
}

impl History {
    /// An empty history.
    #[must_use]
    pub fn new(direction: Direction) -> Self {
        Self {
            direction,
            trials: Vec::new(),
        }
    }

    /// A history holding `trials` (in any order; kept in number order).
    #[must_use]
    pub fn from_trials(
        direction: Direction,
        trials: impl IntoIterator<Item = TrialRecord>,
    ) -> Self {
        let mut h = Self::new(direction);
        for t in trials {
            h.push(t);
        }
        h
    }

    /// The study's direction.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Adds a finished trial, keeping trial-number order. Only the study (or
    /// code driving a sampler by hand) should call this.
    pub fn push(&mut self, record: TrialRecord) {
        let at = self.trials.partition_point(|t| t.number < record.number);
        self.trials.insert(at, record);
    }

    /// All finished trials, in number order.
    #[must_use]
    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    /// Number of finished trials.
    #[must_use]
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether no trial has finished.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// Complete trials with their values.
    pub fn complete(&self) -> impl Iterator<Item = (&TrialRecord, f64)> {
        self.trials
            .iter()
            .filter_map(|t| t.state.value().map(|v| (t, v)))
    }

    /// The complete trials, best value first (the earliest first among
    /// ties): the first is [`History::best`].
    #[must_use]
    pub fn ranked(&self) -> Vec<&TrialRecord> {
        let mut complete: Vec<(&TrialRecord, f64)> = self
            .complete()
            .map(|(t, v)| (t, self.direction.to_minimize(v)))
            .collect();
        complete.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.number.cmp(&b.0.number)));
        complete.into_iter().map(|(t, _)| t).collect()
    }

    /// The best complete trial (the earliest among ties).
    #[must_use]
    pub fn best(&self) -> Option<&TrialRecord> {
        let mut best: Option<(&TrialRecord, f64)> = None;
        for (t, v) in self.complete() {
            if best.is_none_or(|(_, b)| self.direction.better(v, b)) {
                best = Some((t, v));
            }
        }
        best.map(|(t, _)| t)
    }

    /// The trials counted by how they ended.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for t in &self.trials {
            c.add(&t.state);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(number: usize, state: TrialState) -> TrialRecord {
        TrialRecord {
            number,
            params: Params::new().with("x", number as f64),
            state,
            intermediate: vec![(0, 1.5)],
            scored_step: None,
            duration_secs: 0.25,
        }
    }

    #[test]
    fn best_respects_direction_and_order() {
        let mut h = History::new(Direction::Minimize);
        h.push(rec(2, TrialState::Complete { value: 1.0 }));
        h.push(rec(0, TrialState::Complete { value: 3.0 }));
        h.push(rec(
            1,
            TrialState::Failed {
                reason: "boom".into(),
            },
        ));
        h.push(rec(3, TrialState::Complete { value: 1.0 }));
        assert_eq!(
            h.trials().iter().map(|t| t.number).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        assert_eq!(h.best().unwrap().number, 2);
        assert_eq!(
            h.counts(),
            Counts {
                complete: 3,
                pruned: 0,
                failed: 1,
                diverged: 0
            }
        );
        assert_eq!(h.counts().total(), 4);
        // Ranked: complete trials only, best first, ties by number.
        let numbers = |h: &History| h.ranked().iter().map(|t| t.number).collect::<Vec<_>>();
        assert_eq!(numbers(&h), vec![2, 3, 0]);
        let mut m = History::new(Direction::Maximize);
        m.push(rec(0, TrialState::Complete { value: 3.0 }));
        m.push(rec(1, TrialState::Complete { value: 1.0 }));
        m.push(rec(2, TrialState::Complete { value: 5.0 }));
        assert_eq!(m.best().unwrap().number, 2);
        assert_eq!(numbers(&m), vec![2, 0, 1]);
    }

    #[test]
    fn records_serialise_flat() {
        let r = rec(
            4,
            TrialState::Pruned {
                step: 3,
                value: Some(0.7),
            },
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains(r#""state":"pruned","step":3,"value":0.7"#),
            "{json}"
        );
        let back: TrialRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
