//! Running the multi-fidelity strategy on a study: rounds of decisions,
//! trainings started, paused and resumed, every step journaled, trials told
//! at the end; a resumed journal's steps replayed.

use super::model::{CurveModel, Point, fidelity};
use super::{FidelityConfig, FidelityReport, FidelityStep, FidelityTrial};
use crate::Result;
use crate::error::StudyError;
use crate::gp::Hyperparameters;
use crate::history::{Counts, Direction};
use crate::nn::{
    Control, EpochStats, Outcome, Snapshot, SnapshotStore, TrainConfig, TrainData, Training,
};
use crate::rng::{derive_seed, rng_from_seed};
use crate::space::{Params, SearchSpace};
use crate::study::journal::{StepEpoch, TrainingStep};
use crate::study::{Spent, StopHandle, StopReason, Study, Trial};
use crate::tune::TuneObjective;
use crate::tune::data::Prepared;
use crate::tune::objective::{TrainObjective, score};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod schedules;
use schedules::Bracket;

/// The seed stream of the candidate configurations.
const CANDIDATE_STREAM: u64 = 0x6d66; // "mf"
/// The seed stream of the GP fits.
const FIT_STREAM: u64 = 0x6d67;

/// What [`run`] is given.
pub(crate) struct Setup<'a> {
    pub objective: &'a TrainObjective<'a>,
    /// The validation split, or the cross-validation folds: a
    /// configuration's step trains every fold's training to the same epoch.
    pub folds: &'a [Prepared],
    pub space: &'a SearchSpace,
    pub config: &'a FidelityConfig,
    pub policy: Policy,
    /// The full fidelity (epochs of a complete training).
    pub full: usize,
    pub budget_epochs: usize,
    /// The most configurations to start (`usize::MAX`: no limit).
    pub max_trials: usize,
    pub workers: usize,
    pub timeout: Option<Duration>,
    pub stop: &'a StopHandle,
    /// Where snapshots spill; a temporary directory if `None`. With a
    /// journal, the directory beside it: every pause is written there
    /// before its step is journaled.
    pub snapshot_dir: Option<PathBuf>,
}

/// How the next round is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// By expected improvement at the full fidelity per epoch (the
    /// multi-fidelity strategy).
    Model,
    /// One epoch each for as many random configurations as the budget
    /// leaves room for, then the `k` best to the full epochs.
    TopK(usize),
    /// Hyperband's brackets of successive halving with random proposals
    /// ([`super::Strategy::Hyperband`]).
    Hyperband,
}

/// One configuration under way.
struct Config {
    /// The trial's number.
    number: usize,
    params: Params,
    /// `None` once told: a resumed journal recorded its result (the run
    /// was killed while telling the trials at its end).
    trial: Option<Trial>,
    x: Vec<f64>,
    train: TrainConfig,
    /// Its full fidelity: its own epochs (the space's fixed epochs, or its
    /// searched ones).
    full: usize,
    /// The objective after each epoch, and the validation loss (means over
    /// the folds, on the epochs all of them ran).
    curve: Vec<(f64, f64)>,
    /// With cross-validation, each fold's `(validation loss, objective)`
    /// after each epoch (what the trial is scored by); empty otherwise.
    fold_curves: Vec<Vec<(f64, f64)>>,
    /// Epochs trained (a diverged epoch counted).
    epochs: usize,
    ended: Option<Outcome>,
    /// The key of its paused training's snapshot in the store.
    snapshot: Option<u64>,
    record: FidelityTrial,
}

/// A decision: start `params`, or continue configuration `index`, for
/// `epochs` epochs.
enum Action {
    New { params: Params, x: Vec<f64> },
    Continue { index: usize },
}

/// What one step of a training returned.
struct StepOut {
    stats: Vec<EpochStats>,
    ran: usize,
    outcome: Option<Outcome>,
    snapshot: Option<Snapshot>,
}

/// What one step of a configuration returned: a [`StepOut`] per fold.
type FoldsOut = Vec<StepOut>;

/// Runs the strategy on `study` (see the [module](super) docs). Returns the
/// report and what was spent.
///
/// With a journal every step is journaled ([`TrainingStep`]) after its
/// paused training's snapshot is on disk, and a resumed journal's steps are
/// replayed: the decisions are made again from the same seed, each step the
/// journal holds is taken from it instead of trained, and training goes on
/// from the snapshots of the last steps journaled. Stopped by the handle,
/// the trials are left unfinished (paused) for a resume to continue.
pub(crate) fn run(study: &mut Study, s: &Setup<'_>) -> Result<(FidelityReport, Spent)> {
    let start = Instant::now();
    let journal = study.journal_path().map(std::path::Path::to_path_buf);
    let dir = s.snapshot_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "autotune-snapshots-{}-{}",
            std::process::id(),
            start.elapsed().as_nanos() ^ (study.seed() as u128)
        ))
    });
    // With a journal every pause goes to disk (cap 0) before it is journaled.
    let cap = if journal.is_some() {
        0
    } else {
        s.config.snapshot_cap_bytes
    };
    let mut store = SnapshotStore::new(&dir, cap)?;
    let mut replay: BTreeMap<(usize, usize), TrainingStep> = BTreeMap::new();
    for step in study.take_journaled_steps() {
        replay.insert((step.round, step.trial), step);
    }
    let journaled: usize = replay.values().map(TrainingStep::cost).sum();
    if journaled > s.budget_epochs {
        return Err(crate::error::ConfigError::Invalid {
            name: "budget_epochs",
            reason: format!(
                "the journal already holds {journaled} epochs of this study, more than a budget of {}; \
                 give at least {journaled}",
                s.budget_epochs
            ),
        }
        .into());
    }
    study.run_started(s.max_trials);
    let mut driver = Driver {
        s,
        direction: study.direction(),
        configs: Vec::new(),
        steps: Vec::new(),
        used: 0,
        warm: None,
        decisions: 0,
        journal,
        replay,
        bracket: None,
        next_s: None,
    };
    let result = driver.rounds(study, &mut store, start);
    // With a journal the snapshots stay for a resume, whatever stopped the run.
    let keep = driver.journal.is_some();
    let stopped = match result {
        Ok(stopped) => stopped,
        Err(e) => {
            if !keep {
                clear(&mut store, &dir);
            }
            return Err(e);
        }
    };
    // Stopped with a journal: the trials stay paused (unfinished in the
    // journal, their snapshots on disk) for a resume to continue.
    let paused = keep && stopped == StopReason::Stopped;
    let mut counts = Counts::default();
    let mut trials = Vec::with_capacity(driver.configs.len());
    for c in driver.configs {
        trials.push(c.record);
        let Some(mut trial) = c.trial.filter(|_| !paused) else {
            continue;
        };
        let value = if let Some(Outcome::Diverged { epoch, reason }) = c.ended {
            trial.set_diverged(format!(
                "training diverged in epoch {} ({reason:?})",
                epoch + 1
            ));
            f64::NAN
        } else {
            let curves = if c.fold_curves.is_empty() {
                vec![c.curve.iter().map(|&(v, l)| (l, v)).collect()]
            } else {
                c.fold_curves.clone()
            };
            match score(&curves, s.objective.score_at) {
                Some((epoch, value)) => {
                    trial.set_scored_step(epoch);
                    value
                }
                None => f64::NAN,
            }
        };
        counts.add(&study.tell(trial, value)?.state);
    }
    if !paused {
        // Every trial is told: the snapshots are not needed any more.
        clear(&mut store, &dir);
    }
    let report = FidelityReport {
        full_epochs: s.full,
        budget_epochs: s.budget_epochs,
        used_epochs: driver.used,
        steps: driver.steps,
        trials,
    };
    let spent = Spent {
        counts,
        elapsed_secs: start.elapsed().as_secs_f64(),
        stopped,
    };
    Ok((report, spent))
}

/// Removes every snapshot of `store` (and the temporary file of a write a
/// kill cut short) and, emptied, its directory (if something else is in it,
/// it stays). Best effort: a file left behind is only litter.
fn clear(store: &mut SnapshotStore, dir: &std::path::Path) {
    for key in store.keys() {
        let _ = store.remove(key);
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snapshot-") && name.ends_with(".json.tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

struct Driver<'s> {
    s: &'s Setup<'s>,
    direction: Direction,
    configs: Vec<Config>,
    steps: Vec<FidelityStep>,
    used: usize,
    warm: Option<Hyperparameters>,
    decisions: u64,
    /// The study's journal, if it has one (steps are journaled).
    journal: Option<PathBuf>,
    /// The resumed journal's steps not replayed yet, by (round, trial).
    replay: BTreeMap<(usize, usize), TrainingStep>,
    /// Hyperband's bracket under way, and the next bracket's `s`.
    bracket: Option<Bracket>,
    next_s: Option<usize>,
}

impl Driver<'_> {
    /// Rounds until the budget is spent, the time limit expected to pass,
    /// nothing is left to do, or the stop handle is set.
    fn rounds(
        &mut self,
        study: &mut Study,
        store: &mut SnapshotStore,
        start: Instant,
    ) -> Result<StopReason> {
        let data: Vec<TrainData<'_>> = self
            .s
            .folds
            .iter()
            .map(Prepared::with_validation)
            .collect::<Result<_>>()?;
        let k = data.len().max(1);
        let (mut round, mut round_secs, mut round_epochs) = (0usize, 0.0f64, 0usize);
        loop {
            // In epochs of a configuration: each trains k folds.
            let left = self.s.budget_epochs.saturating_sub(self.used) / k;
            if left == 0 {
                return Ok(StopReason::Epochs {
                    used: self.used,
                    budget: self.s.budget_epochs,
                });
            }
            let replaying = self.replay.keys().next().is_some_and(|k| k.0 == round);
            if !replaying && self.s.stop.is_stopped() {
                return Ok(StopReason::Stopped);
            }
            let plan = self.choose(study, left)?;
            if plan.is_empty() {
                self.check_replayed(round)?;
                return Ok(StopReason::Trials);
            }
            let longest = plan.iter().map(|p| p.1).max().unwrap_or(0);
            if let Some(limit) = self.s.timeout
                && round_epochs > 0
                && !replaying
            {
                let expected = round_secs / round_epochs as f64 * longest as f64;
                let left_secs = limit.as_secs_f64() - start.elapsed().as_secs_f64();
                if expected > left_secs {
                    return Ok(StopReason::Time {
                        expected_secs: expected,
                        left_secs: left_secs.max(0.0),
                    });
                }
            }
            let t0 = Instant::now();
            let trained = self.run_round(study, store, &data, plan, round)?;
            self.check_replayed(round)?;
            if trained {
                round_secs += t0.elapsed().as_secs_f64();
                round_epochs += longest;
            }
            round += 1;
        }
    }

    /// After round `round`: no journaled step of it or before it may be
    /// left unreplayed (the decisions did not take it).
    fn check_replayed(&self, round: usize) -> Result<()> {
        match self.replay.iter().next() {
            Some((&(r, trial), _)) if r <= round => Err(self.mismatch(format!(
                "the step of trial {trial} in round {r} was not decided again"
            ))),
            _ => Ok(()),
        }
    }

    fn mismatch(&self, reason: String) -> crate::Error {
        StudyError::StepsMismatch {
            path: self
                .journal
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string()),
            reason,
        }
        .into()
    }

    /// Starts the planned configurations (trials asked in plan order), trains
    /// every step side by side (a step the resumed journal holds is taken
    /// from it), and records what came back, each step journaled. Whether
    /// any step was trained.
    fn run_round(
        &mut self,
        study: &mut Study,
        store: &mut SnapshotStore,
        data: &[TrainData<'_>],
        plan: Vec<(Action, usize)>,
        round: usize,
    ) -> Result<bool> {
        let k = data.len() as u64;
        let mut work: Vec<(usize, usize)> = Vec::with_capacity(plan.len());
        for (action, epochs) in plan {
            let index = match action {
                Action::Continue { index } => index,
                Action::New { params, x } => {
                    let Some((number, trial)) = self.start(study, &params, round)? else {
                        continue;
                    };
                    let train = match &trial {
                        Some(t) => self.s.objective.config(t)?,
                        None => self.s.objective.config_of(
                            &params,
                            crate::study::objective_seed(study.seed(), number),
                        )?,
                    };
                    self.configs.push(Config {
                        number,
                        params,
                        record: FidelityTrial {
                            trial: number,
                            epochs: 0,
                            pauses: Vec::new(),
                            resumes: Vec::new(),
                        },
                        trial,
                        x,
                        full: train.epochs,
                        train,
                        curve: Vec::new(),
                        fold_curves: Vec::new(),
                        epochs: 0,
                        ended: None,
                        snapshot: None,
                    });
                    self.configs.len() - 1
                }
            };
            work.push((index, epochs));
        }
        // The steps the journal holds, and those to train.
        let mut journaled: Vec<Option<TrainingStep>> = Vec::with_capacity(work.len());
        for &(index, epochs) in &work {
            let c = &self.configs[index];
            let step = self.replay.remove(&(round, c.number));
            if let Some(j) = &step
                && (j.from != c.epochs || j.to > c.epochs + epochs)
            {
                return Err(self.mismatch(format!(
                    "trial {} in round {round}: journaled from {} to {} epochs, decided from {} for {epochs}",
                    c.number, j.from, j.to, c.epochs
                )));
            }
            journaled.push(step);
        }
        let mut inputs = Vec::new();
        for (&(index, epochs), j) in work.iter().zip(&journaled) {
            if j.is_some() {
                continue;
            }
            let c = &self.configs[index];
            // Fold f's snapshot of step key is at key · k + f.
            let mut snapshots = Vec::with_capacity(data.len());
            for f in 0..k {
                snapshots.push(match c.snapshot {
                    None => None,
                    // With a journal the file stays until the next step is journaled.
                    Some(key) if self.journal.is_some() => store.get(key * k + f)?,
                    Some(key) => store.take(key * k + f)?,
                });
            }
            inputs.push((&c.train, snapshots, epochs));
        }
        let trained = !inputs.is_empty();
        let mut outs: std::vec::IntoIter<Result<FoldsOut>> = train_all(inputs, data).into_iter();
        for ((index, _), j) in work.into_iter().zip(journaled) {
            let key = self.steps.len() as u64;
            let from = self.configs[index].epochs;
            let old = self.configs[index].snapshot;
            let step = match j {
                Some(step) => step,
                None => {
                    let out = outs
                        .next()
                        .unwrap_or_else(|| unreachable!("one output per step trained"))?;
                    let (step, snapshots) =
                        self.combine(out, round, self.configs[index].number, from, key);
                    for (f, snap) in snapshots.into_iter().enumerate() {
                        store.insert(key * k + f as u64, snap)?;
                    }
                    study.journal_step(&step)?;
                    step
                }
            };
            // The previous pause is not needed any more (its file, with a journal).
            if let Some(old) = old {
                for f in 0..k {
                    store.remove(old * k + f)?;
                }
            }
            self.apply(index, &step);
        }
        Ok(trained)
    }

    /// The trial of a new configuration: asked (a new one, or one the
    /// resumed journal shows unfinished), or `None` for one the journal
    /// shows told already (the run was killed while telling its trials),
    /// with its number; `None` if `params` is not to be started (evaluated
    /// by the study before).
    fn start(
        &self,
        study: &mut Study,
        params: &Params,
        round: usize,
    ) -> Result<Option<(usize, Option<Trial>)>> {
        if study.enqueue(params.clone())? || study.is_unfinished(params) {
            let trial = study.ask()?;
            if trial.params() != params {
                return Err(self.mismatch(format!(
                    "round {round} starts another configuration than trial {}'s",
                    trial.number()
                )));
            }
            return Ok(Some((trial.number(), Some(trial))));
        }
        let told = study
            .history()
            .trials()
            .iter()
            .find(|t| t.params == *params)
            .map(|t| t.number);
        Ok(told
            .filter(|&n| self.replay.contains_key(&(round, n)))
            .map(|n| (n, None)))
    }

    /// Records a step (trained or replayed) in its configuration.
    fn apply(&mut self, index: usize, step: &TrainingStep) {
        let c = &mut self.configs[index];
        if step.from > 0 {
            c.record.resumes.push(step.from);
        }
        for (i, e) in step.epochs.iter().enumerate() {
            let v = e.value.unwrap_or(f64::NAN);
            if let Some(t) = c.trial.as_mut() {
                t.report(step.from + i + 1, v);
            }
            c.curve.push((v, e.loss.unwrap_or(f64::NAN)));
        }
        c.fold_curves.resize(step.folds.len(), Vec::new());
        for (curve, epochs) in c.fold_curves.iter_mut().zip(&step.folds) {
            curve.extend(
                epochs
                    .iter()
                    .map(|e| (e.loss.unwrap_or(f64::NAN), e.value.unwrap_or(f64::NAN))),
            );
        }
        c.epochs = step.to;
        c.record.epochs = c.epochs;
        c.ended = step.ended;
        c.snapshot = step.snapshot;
        self.used += step.cost();
        if step.snapshot.is_some() {
            c.record.pauses.push(c.epochs);
        }
        self.steps.push(FidelityStep {
            round: step.round,
            trial: c.number,
            from: step.from,
            to: c.epochs,
            spent: step.spent,
        });
    }

    /// The journal record of a step trained on every fold, and the folds'
    /// snapshots if all of them paused. One fold: its epochs. Several: each
    /// epoch's value and loss averaged over the folds (on the epochs all of
    /// them ran), the folds' own in `folds`, their epochs in `spent`; the
    /// configuration ends (diverged first) when any of its folds ends.
    fn combine(
        &self,
        out: FoldsOut,
        round: usize,
        trial: usize,
        from: usize,
        key: u64,
    ) -> (TrainingStep, Vec<Snapshot>) {
        let objective = self.s.objective.objective;
        let per_fold: Vec<Vec<StepEpoch>> = out
            .iter()
            .zip(self.s.folds)
            .map(|(o, fold)| {
                o.stats
                    .iter()
                    .map(|e| StepEpoch {
                        value: finite(value(objective, e, fold.target_sd)),
                        loss: e.validation_loss.and_then(finite),
                    })
                    .collect()
            })
            .collect();
        let common = per_fold.iter().map(Vec::len).min().unwrap_or(0);
        let n = per_fold.len().max(1) as f64;
        let mean = |e: usize, part: fn(&StepEpoch) -> Option<f64>| -> Option<f64> {
            let sum: Option<f64> = per_fold.iter().map(|f| part(&f[e])).sum();
            sum.map(|s| s / n).and_then(finite)
        };
        let epochs: Vec<StepEpoch> = if per_fold.len() == 1 {
            per_fold[0].clone()
        } else {
            (0..common)
                .map(|e| StepEpoch {
                    value: mean(e, |x| x.value),
                    loss: mean(e, |x| x.loss),
                })
                .collect()
        };
        let ended = out
            .iter()
            .find_map(|o| o.outcome.filter(|x| matches!(x, Outcome::Diverged { .. })))
            .or_else(|| out.iter().find_map(|o| o.outcome));
        let ran = out.iter().map(|o| o.ran).max().unwrap_or(0);
        let spent: usize = out.iter().map(|o| o.ran).sum();
        let snapshots: Vec<Snapshot> = if ended.is_none() {
            out.into_iter().filter_map(|o| o.snapshot).collect()
        } else {
            Vec::new()
        };
        let several = per_fold.len() > 1;
        let step = TrainingStep {
            round,
            trial,
            from,
            to: from + ran,
            epochs,
            ended,
            snapshot: (!snapshots.is_empty()).then_some(key),
            folds: if several { per_fold } else { Vec::new() },
            spent: several.then_some(spent),
        };
        (step, snapshots)
    }

    /// The next round: up to `workers` actions on distinct configurations
    /// with their epochs, in all at most `left`.
    fn choose(&mut self, study: &Study, left: usize) -> Result<Vec<(Action, usize)>> {
        let s = self.s;
        let cfg = s.config;
        self.decisions += 1;
        let mut rng = rng_from_seed(derive_seed(
            derive_seed(study.seed(), CANDIDATE_STREAM),
            self.decisions,
        ));
        let can_start = self.configs.len() < s.max_trials;
        let started = self.configs.len();
        if let Policy::TopK(k) = s.policy {
            return self.choose_top_k(k, left, &mut rng);
        }
        if s.policy == Policy::Hyperband {
            return self.choose_hyperband(left, &mut rng);
        }
        let points = self.points();
        // Scored actions: (score, action, epochs of the step).
        let mut scored: Vec<(f64, Action, usize)> = Vec::new();
        if started < cfg.n_initial || points.is_empty() {
            if can_start {
                let n = s.workers.min(s.max_trials - started);
                for (params, x) in self.candidates(n, &mut rng)? {
                    let step = cfg.min_epochs.min(self.full_of(&params)?);
                    scored.push((0.0, Action::New { params, x }, step));
                }
            }
        } else {
            let mut fit_rng = rng_from_seed(derive_seed(
                derive_seed(study.seed(), FIT_STREAM),
                self.decisions,
            ));
            let full_u: Vec<f64> = self
                .configs
                .iter()
                .map(|c| fidelity(c.full, s.full))
                .collect();
            let model = CurveModel::fit(&points, &full_u, self.warm.as_ref(), &mut fit_rng)?;
            self.warm = Some(model.hyperparameters().clone());
            for (index, c) in self.configs.iter().enumerate() {
                if self.continuable(c, c.full) {
                    let step = cfg.next_rung(c.epochs, c.full) - c.epochs;
                    let gain = model.log_ei_at(&c.x, full_u[index])?;
                    let cost = (c.full - c.epochs) as f64;
                    scored.push((gain - cost.ln(), Action::Continue { index }, step));
                }
            }
            if can_start {
                let mut new: Vec<(f64, Action, usize)> = Vec::new();
                for (params, x) in self.candidates(cfg.n_candidates, &mut rng)? {
                    let full = self.full_of(&params)?;
                    let gain = model.log_ei_at(&x, fidelity(full, s.full))?;
                    let cost = (full as f64).ln();
                    let step = cfg.min_epochs.min(full);
                    new.push((gain - cost, Action::New { params, x }, step));
                }
                new.sort_by(|a, b| b.0.total_cmp(&a.0));
                new.truncate(s.workers.min(s.max_trials - started));
                scored.extend(new);
            }
            // Stable: equal scores keep their order (continuations first).
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        }
        let mut plan = Vec::new();
        let mut left = left;
        for (_, action, cost) in scored.into_iter().take(s.workers) {
            let epochs = cost.min(left);
            if epochs == 0 {
                break;
            }
            left -= epochs;
            plan.push((action, epochs));
        }
        Ok(plan)
    }

    /// Whether `c` can train on towards `target` epochs: not ended, short
    /// of it, and not told already (a resumed journal's told trial is only
    /// replayed: were the budget raised, it could not be told again).
    fn continuable(&self, c: &Config, target: usize) -> bool {
        c.ended.is_none() && c.epochs < target && (c.trial.is_some() || !self.replay.is_empty())
    }

    /// The full fidelity of `params`: its epochs.
    fn full_of(&self, params: &Params) -> Result<usize> {
        Ok(self.s.objective.config_of(params, 0)?.epochs)
    }

    /// `n` uniform configurations of the space not already started, with
    /// their encodings (fewer if the space has too few).
    fn candidates(
        &self,
        n: usize,
        rng: &mut crate::rng::StudyRng,
    ) -> Result<Vec<(Params, Vec<f64>)>> {
        let mut out: Vec<(Params, Vec<f64>)> = Vec::with_capacity(n);
        for _ in 0..n {
            let params = self.s.space.sample(rng);
            let seen = self.configs.iter().any(|c| c.params == params)
                || out.iter().any(|(p, _)| *p == params);
            if !seen {
                let x = self.s.space.encode(&params)?;
                out.push((params, x));
            }
        }
        Ok(out)
    }

    /// The model's observations `(x, u, y)`: each configuration's running
    /// best at `t = 1, 2, 4, …` and at its last epoch.
    fn points(&self) -> Vec<Point<'_>> {
        let positive = matches!(
            self.s.objective.objective,
            TuneObjective::ValidationLoss | TuneObjective::Rmse
        );
        let mut points = Vec::new();
        for (index, c) in self.configs.iter().enumerate() {
            let mut best = f64::INFINITY;
            let n = c.curve.len();
            for (e, &(v, _)) in c.curve.iter().enumerate() {
                let v = self.direction.to_minimize(v);
                if v.is_finite() {
                    best = best.min(v);
                }
                let t = e + 1;
                if best.is_finite() && (t.is_power_of_two() || t == n) {
                    let y = if positive {
                        best.max(1e-300).ln()
                    } else {
                        best
                    };
                    points.push((index, c.x.as_slice(), fidelity(t, self.s.full), y));
                }
            }
        }
        points
    }
}

/// The objective after an epoch (as the full-fidelity objective reports it).
fn value(objective: TuneObjective, e: &EpochStats, target_sd: f64) -> f64 {
    match objective {
        TuneObjective::ValidationLoss => e.validation_loss.unwrap_or(f64::NAN),
        TuneObjective::Accuracy => e.validation_metric.unwrap_or(f64::NAN),
        TuneObjective::Rmse => e.validation_metric.map_or(f64::NAN, |m| m * target_sd),
    }
}

/// Trains `epochs` more epochs of `config`, fresh or from `snapshot`, and
/// pauses it (a snapshot) unless it ended.
fn step(
    config: &TrainConfig,
    data: &TrainData<'_>,
    snapshot: Option<Snapshot>,
    epochs: usize,
) -> Result<StepOut> {
    let mut training = match snapshot {
        None => Training::new(config, data)?,
        Some(s) => Training::resume(s, config, data)?,
    };
    let before = training.epochs_done();
    let mut stats = Vec::with_capacity(epochs);
    let outcome = training.run_epochs(epochs, |e| {
        stats.push(e.clone());
        Control::Continue
    })?;
    let diverged = matches!(outcome, Some(Outcome::Diverged { .. }));
    let ran = training.epochs_done() - before + usize::from(diverged);
    let snapshot = match outcome {
        None => Some(training.snapshot()?),
        Some(_) => None,
    };
    Ok(StepOut {
        stats,
        ran,
        outcome,
        snapshot,
    })
}

/// `v` if finite.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Trains the step of `config` on every fold of `data` (one after the
/// other, each from its snapshot).
fn step_folds(
    config: &TrainConfig,
    data: &[TrainData<'_>],
    snapshots: Vec<Option<Snapshot>>,
    epochs: usize,
) -> Result<FoldsOut> {
    data.iter()
        .zip(snapshots)
        .map(|(d, snap)| step(config, d, snap, epochs))
        .collect()
}

/// Trains every step of `inputs` side by side (one thread each, its folds
/// one after the other), in order.
fn train_all(
    inputs: Vec<(&TrainConfig, Vec<Option<Snapshot>>, usize)>,
    data: &[TrainData<'_>],
) -> Vec<Result<FoldsOut>> {
    if inputs.len() <= 1 {
        return inputs
            .into_iter()
            .map(|(c, snaps, n)| step_folds(c, data, snaps, n))
            .collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .into_iter()
            .map(|(c, snaps, n)| scope.spawn(move || step_folds(c, data, snaps, n)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(StudyError::Sampler {
                        reason: "a training thread panicked".into(),
                    }
                    .into())
                })
            })
            .collect()
    })
}
