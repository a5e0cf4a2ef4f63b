//! Multi-fidelity tuning: epochs as fidelity, paused and resumed trainings.
//!
//! With an epoch budget ([`AutotuneConfig::budget_epochs`](super::AutotuneConfig::budget_epochs)),
//! [`autotune`](super::autotune) by default spends it step by step instead
//! of training every configuration to its full epochs: each time a worker is
//! free it either **starts** a new configuration for
//! [`min_epochs`](FidelityConfig::min_epochs) epochs or **continues** a paused
//! one up to its next rung (rungs `min_epochs · etaᵏ`, capped at the full
//! fidelity `E`, the space's fixed `epochs`), whichever has the larger
//! expected improvement at the full fidelity per epoch of cost.
//!
//! **The model** of `y(x, t)`, the running best of the objective after `t`
//! epochs (`min_{s ≤ t} v(x, s)` in the minimising direction; its logarithm
//! for the validation loss and RMSE, which are positive), observed at
//! `t = 1, 2, 4, …` and at the epoch a configuration is paused at — the
//! value a trial is scored by (its best epoch) — is a learning curve shared
//! by all configurations plus a GP over the configuration:
//!
//! `y(x, t) = β₀ + β₁ u(t) + f(x) + ε`,  `u(t) = ln t / ln E`,  `f ~ GP`,
//!
//! with `x` encoded in the unit cube as the samplers encode it, `f` the
//! crate's GP ([`crate::gp::Gp`], Matérn 5/2 ARD, constant mean), `ε` its
//! Gaussian noise (which absorbs how curves differ in shape), `β₁` the
//! least-squares slope of `y` on `u` within configurations (so those
//! continued for being good do not bias it) and `β₀` the mean of `y − β₁u`.
//! For a log loss the shared curve is the power law `loss ∝ t^(β₁ / ln E)`.
//! A configuration observed at a few epochs is thus predicted at the full
//! fidelity from its own level and the curve learnt from all of them.
//! *Chosen by measurement* (`examples/fidelity_benchmark.rs`, digits,
//! 10 seeds, 120 epochs): a GP over `(x, u)` with `u` as an extra input
//! dimension and the best observed `y` as incumbent never continued a
//! configuration past 2 epochs (its prediction at `u = 1` reverts to the
//! mean away from the observed `u`); with the trend it reached a median best
//! validation loss of 0.0678, the form above 0.0652. The freeze-thaw kernel
//! of Swersky et al. (2014) was not attempted.
//!
//! **The decision.** With `μ, σ` the posterior at the full fidelity
//! (`μ = β₀ + β₁ + m_f(x)`, `σ² = v_f(x)`) and the incumbent
//! `y* = min_c μ(x_c)` over the configurations observed, each candidate
//! action scores `log EI − ln c`, where `EI = σ h((y* − μ)/σ)`,
//! `h(z) = z Φ(z) + φ(z)` (in log space, Ament et al. 2023), and `c` the
//! epochs still needed to observe the full fidelity: `E` for a new
//! configuration, `E − t` for one paused at `t`. (Charging only the next
//! step's epochs made starting always cheaper than continuing: nothing went
//! past 2 epochs.) The action itself trains only to the next rung, where the
//! decision is revisited. New configurations are `n_candidates` uniform
//! draws from the space (a fresh seed per decision); the first
//! [`n_initial`](FidelityConfig::n_initial) actions start new configurations
//! without a model. With `w` workers each round takes the `w` best actions
//! on distinct configurations, trains them side by side, then the model is
//! refitted: decisions depend only on the seed and what the rounds returned,
//! so a study is reproducible for any number of workers (rounds are
//! synchronous whatever [`Mode`](crate::study::Mode) says). With
//! `n_trials` as well, at most that many configurations are started; with a
//! `timeout`, a round starts only while its epochs are expected to end
//! within it (at the mean pace of the rounds so far).
//!
//! **Trials.** One configuration is one trial of the [`Study`](crate::study::Study):
//! asked when it is started (enqueued, so the study's sampler is not
//! consulted), every epoch reported to it ([`crate::study::Trial::report`],
//! steps `1, 2, …`), and told once the budget is spent, scored at its best
//! epoch like any trial (or diverged). Between its steps a configuration's
//! training is paused as a [`Snapshot`](crate::nn::Snapshot) in a
//! [`SnapshotStore`](crate::nn::SnapshotStore) (in memory up to
//! [`snapshot_cap_bytes`](FidelityConfig::snapshot_cap_bytes), spilled
//! beside the journal or in a temporary directory) and resumed from it bit
//! for bit. [`FidelityReport`] records every step, and per trial the epochs
//! it trained and where it was paused and resumed.
//!
//! **Journaled, and resumed exactly.** With a journal, the header records
//! the schedule (its name and settings; the journal is then version 4) and
//! every step is journaled once its paused training's snapshot is on disk
//! (`<journal>.snapshots/snapshot-<key>.json`, written atomically and
//! fsynced whatever the memory cap; the previous snapshot of the trial is
//! deleted only after): a [`TrainingStep`](crate::study::journal::TrainingStep)
//! with what each epoch reported and how the training ended or where it was
//! paused. Stopped ([`StopHandle`](crate::study::StopHandle), Ctrl-C), the
//! trials stay unfinished and paused. Killed at any moment, or stopped, a
//! study resumed from its journal (`resume(true)`, `autotune tune --resume`)
//! makes its decisions again from the same seed, takes each step the journal
//! holds instead of training it, trains the steps in flight again from the
//! snapshots of their last journaled steps, and ends with the same trials,
//! curves, steps and report as an uninterrupted run; no finished epoch is
//! trained twice. A journal whose steps the decisions do not take is
//! [`StudyError::StepsMismatch`](crate::error::StudyError::StepsMismatch).
//!
//! **Searched epochs.** With the epochs searched (an integer domain), a
//! configuration's full fidelity is its own epochs `E_x`: it is never
//! trained past them, its rungs are capped at them, its cost to the full
//! fidelity is `E_x − t`, and the model takes it at `u(E_x)` (with `E` the
//! domain's upper bound in `u`), so `μ = β₀ + β₁ u(E_x) + m_f(x)` and the
//! incumbent is the best such mean; [`FidelityReport::full_epochs`] is the
//! upper bound. (One-epoch-then-top-k still plans for `k` trainings of the
//! upper bound, so it may leave part of the budget unspent.)
//!
//! **Cross-validation** (`cv_folds`): a configuration's step trains every
//! fold's training from its own snapshot to the same epoch (one after the
//! other on its worker), and costs the epochs of all of them (a budget of
//! `B` epochs is `B / k` epochs of configurations). The model, the
//! decisions and the trial's reports take each epoch's mean over the folds;
//! the trial is scored as a full-fidelity cross-validated one (the epoch of
//! lowest mean validation loss over the folds); a configuration ends when
//! any fold's training ends (diverged first). [`FidelityStep::spent`] holds
//! a step's epochs of all folds.

mod driver;
mod model;

pub(crate) use driver::{Policy, Setup, run};

use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// The settings of the multi-fidelity strategy (see the [module](self) docs).
///
/// By default: new configurations start with 1 epoch, rungs double
/// (`eta = 2`), 4 configurations are started before the model is used, 512
/// candidate configurations per decision, 256 MiB of snapshots in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityConfig {
    /// Epochs a new configuration is first trained for (the lowest rung),
    /// `>= 1`.
    pub min_epochs: usize,
    /// Rung growth: a paused configuration at `t` epochs continues to the
    /// next of `min_epochs · etaᵏ` above `t` (capped at the full epochs),
    /// `>= 2`.
    pub eta: usize,
    /// New configurations started before the model decides, `>= 1`.
    pub n_initial: usize,
    /// Random candidate configurations scored per decision, `>= 1`.
    pub n_candidates: usize,
    /// Bytes of paused trainings' snapshots kept in memory before they are
    /// spilled to files.
    pub snapshot_cap_bytes: usize,
}

impl Default for FidelityConfig {
    fn default() -> Self {
        Self {
            min_epochs: 1,
            eta: 2,
            n_initial: 4,
            n_candidates: 512,
            snapshot_cap_bytes: 256 << 20,
        }
    }
}

impl FidelityConfig {
    setter!(/// Sets the lowest rung's epochs.
        min_epochs: usize);
    setter!(/// Sets the rung growth.
        eta: usize);
    setter!(/// Sets the configurations started before the model decides.
        n_initial: usize);
    setter!(/// Sets the candidates per decision.
        n_candidates: usize);
    setter!(/// Sets the snapshots' memory cap in bytes.
        snapshot_cap_bytes: usize);

    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the bad setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        let invalid = |name: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                name,
                reason: reason.to_owned(),
            })
        };
        if self.min_epochs == 0 {
            return invalid("min_epochs", "must be at least 1 epoch");
        }
        if self.eta < 2 {
            return invalid("eta", "rungs must grow: at least 2");
        }
        if self.n_initial == 0 {
            return invalid("n_initial", "at least one configuration must start");
        }
        if self.n_candidates == 0 {
            return invalid("n_candidates", "at least one candidate is needed");
        }
        Ok(())
    }

    /// The rung above `t` epochs: the smallest `min_epochs · etaᵏ > t`,
    /// capped at `full`.
    #[must_use]
    pub fn next_rung(&self, t: usize, full: usize) -> usize {
        let mut r = self.min_epochs;
        while r <= t && r < full {
            r = r.saturating_mul(self.eta);
        }
        r.min(full)
    }
}

/// Which strategy spends the study's budget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Strategy {
    /// Multi-fidelity with an epoch budget, full fidelity without one. The
    /// default.
    #[default]
    Auto,
    /// Every trial trains to its full epochs (unless the pruner stops it),
    /// as the sampler suggests.
    FullFidelity,
    /// The multi-fidelity strategy with these settings (needs an epoch
    /// budget).
    MultiFidelity(FidelityConfig),
    /// The baseline of Egele et al. (2023, "Is One Epoch All You Need For
    /// Multi-Fidelity Hyperparameter Optimization?"): uniform random
    /// configurations trained one epoch each, as many as the epoch budget
    /// leaves room for, then the `k` best of them (by validation value
    /// after their epoch) continued to the full epochs. Needs an epoch
    /// budget; its trainings are paused and resumed as the multi-fidelity
    /// strategy's.
    OneEpochTopK {
        /// Configurations trained to the full epochs, `>= 1`.
        k: usize,
    },
    /// Hyperband with random proposals (Li et al., JMLR 2018, "Hyperband: A
    /// Novel Bandit-Based Approach to Hyperparameter Optimization"):
    /// brackets `s = s_max, …, 0` of successive halving, repeated while the
    /// epoch budget lasts. With `E` the full epochs and
    /// `s_max = ⌊log_η(E / min_epochs)⌋`, bracket `s` starts
    /// `n = ⌈(s_max + 1) ηˢ / (s + 1)⌉` uniform random configurations, and
    /// rung `i = 0, …, s` trains its configurations to
    /// `r_i = E / η^(s − i)` epochs (rounded, at least `min_epochs`; the
    /// last rung at `E`), the best `⌊n_i / η⌋` of rung `i` (at least one,
    /// by their best value so far; diverged ones last) going on to the
    /// next. Needs an epoch budget; its trainings are paused and resumed
    /// as the multi-fidelity strategy's.
    Hyperband {
        /// The epochs of the smallest rung, `>= 1`.
        min_epochs: usize,
        /// The rung growth and the halving rate `η`, `>= 2` (3 in the paper).
        eta: usize,
    },
}

/// One step of the multi-fidelity strategy: a trial trained from `from` to
/// `to` epochs (`from = 0`: started; otherwise resumed from a snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityStep {
    /// The round (0, 1, …) the step ran in; steps of one round ran side by
    /// side.
    pub round: usize,
    /// The trial's number.
    pub trial: usize,
    /// Epochs done before the step.
    pub from: usize,
    /// Epochs done after it.
    pub to: usize,
    /// With cross-validation, the epochs of all its folds' trainings
    /// (otherwise absent: `to − from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<usize>,
}

/// One trial's training under the multi-fidelity strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityTrial {
    /// The trial's number.
    pub trial: usize,
    /// Epochs it trained (a diverged epoch counted).
    pub epochs: usize,
    /// The epochs at which it was paused (a snapshot taken), in order.
    pub pauses: Vec<usize>,
    /// The epochs at which it was resumed from a snapshot, in order.
    pub resumes: Vec<usize>,
}

/// How the multi-fidelity strategy spent an epoch budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityReport {
    /// The full fidelity: the epochs of a complete training.
    pub full_epochs: usize,
    /// The epoch budget.
    pub budget_epochs: usize,
    /// Epochs trained in all (at most the budget).
    pub used_epochs: usize,
    /// Every step, in the order decided.
    pub steps: Vec<FidelityStep>,
    /// Per trial, in number order.
    pub trials: Vec<FidelityTrial>,
}

/// The best value found against the training epochs spent, `(epochs spent,
/// best so far)`, for any study of `autotune` (the curve of
/// `best_by_epochs.svg`): with the multi-fidelity strategy the steps in the
/// order decided, each step's epochs spent and the values they reported
/// taken in; otherwise the trials in number order, each counted with the
/// epochs it reported (a diverged epoch, which reports nothing, is not
/// counted). The values are those reported after each epoch (the
/// objective), the best in the study's direction; a point per step (trial)
/// once some value is known.
#[must_use]
pub fn best_by_epochs(report: &crate::tune::TuneReport) -> Vec<(usize, f64)> {
    let dir = report.direction;
    let by_number: std::collections::BTreeMap<usize, &crate::history::TrialRecord> =
        report.trials.iter().map(|t| (t.number, t)).collect();
    let mut best: Option<f64> = None;
    let mut spent = 0;
    let mut out = Vec::new();
    let mut take = |values: &mut dyn Iterator<Item = f64>, epochs: usize| {
        spent += epochs;
        for v in values.filter(|v| v.is_finite()) {
            if best.is_none_or(|b| dir.better(v, b)) {
                best = Some(v);
            }
        }
        if let Some(b) = best {
            out.push((spent, b));
        }
    };
    match &report.fidelity {
        Some(f) => {
            for st in &f.steps {
                let trial = by_number.get(&st.trial);
                let mut values = trial.into_iter().flat_map(|t| {
                    t.intermediate
                        .iter()
                        .filter(|(s, _)| (st.from + 1..=st.to).contains(s))
                        .map(|&(_, v)| v)
                });
                take(&mut values, st.spent.unwrap_or(st.to - st.from));
            }
        }
        None => {
            for t in by_number.values() {
                take(
                    &mut t.intermediate.iter().map(|&(_, v)| v),
                    t.intermediate.len(),
                );
            }
        }
    }
    out
}

/// The schedule's name and settings as the journal header records them
/// ([`crate::study::journal::JournalHeader::schedule`]): `multi_fidelity`
/// with its [`FidelityConfig`] (the memory cap left out: it does not change
/// the study), or `one_epoch_top_k` with its `k`.
pub(crate) fn schedule(strategy: &Strategy, config: &FidelityConfig) -> crate::strategy::Strategy {
    match strategy {
        Strategy::OneEpochTopK { k } => {
            crate::strategy::Strategy::new("one_epoch_top_k", &serde_json::json!({ "k": k }))
        }
        Strategy::Hyperband { min_epochs, eta } => crate::strategy::Strategy::new(
            "hyperband",
            &serde_json::json!({ "min_epochs": min_epochs, "eta": eta }),
        ),
        _ => crate::strategy::Strategy::new(
            "multi_fidelity",
            &serde_json::json!({
                "min_epochs": config.min_epochs,
                "eta": config.eta,
                "n_initial": config.n_initial,
                "n_candidates": config.n_candidates,
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_grow_by_eta_up_to_the_full_epochs() {
        let c = FidelityConfig::default();
        assert_eq!(c.next_rung(0, 20), 1);
        assert_eq!(c.next_rung(1, 20), 2);
        assert_eq!(c.next_rung(2, 20), 4);
        assert_eq!(c.next_rung(5, 20), 8);
        assert_eq!(c.next_rung(16, 20), 20);
        let c = c.min_epochs(3).eta(3);
        assert_eq!(c.next_rung(0, 20), 3);
        assert_eq!(c.next_rung(3, 20), 9);
        assert_eq!(c.next_rung(9, 20), 20);
        assert_eq!(c.next_rung(0, 2), 2);
    }

    #[test]
    fn bad_settings_name_themselves() {
        let name = |c: FidelityConfig| match c.check() {
            Err(ConfigError::Invalid { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name(FidelityConfig::default().min_epochs(0)), "min_epochs");
        assert_eq!(name(FidelityConfig::default().eta(1)), "eta");
        assert_eq!(name(FidelityConfig::default().n_initial(0)), "n_initial");
        assert_eq!(
            name(FidelityConfig::default().n_candidates(0)),
            "n_candidates"
        );
        assert!(FidelityConfig::default().check().is_ok());
    }
}
