//! The training loop: epochs of shuffled mini-batches, per-epoch history,
//! early stopping, a stopping callback and divergence detection, in a
//! [`Training`] that can pause after any epoch and resume from a
//! [`Snapshot`](super::Snapshot).

use crate::error::NnError;
use crate::rng::{StudyRng, derive_seed, index, rng_from_seed, shuffle};

use super::batch::Batch;
use super::config::{BatchSize, StepUnit, TrainConfig};
use super::input::TrainData;
use super::metrics::{Accumulator, Metric};
use super::network::{EVAL_CHUNK, Network};
use super::optimizer::{Optimizer, OptimizerState};
use super::outcome::{Control, Divergence, EpochStats, Outcome, TrainReport};
use super::propagate::Workspace;

/// Seed streams derived from [`TrainConfig::seed`].
const STREAM_INIT: u64 = 0;
const STREAM_SHUFFLE: u64 = 1;
const STREAM_BATCH: u64 = 2;
const STREAM_DROPOUT: u64 = 3;

/// Trains a network as `config` says on `data`, calling `callback` after
/// every epoch. Single-threaded and deterministic: the same config, data and
/// seed give bit-identical parameters and history.
///
/// This is [`Training::new`] run for all of `config.epochs` and turned into
/// its report: one code path for whole and paused trainings.
///
/// # Errors
/// Any [`TrainConfig::check`] or [`TrainData::check`] error, and
/// [`NnError::Incompatible`] if the head or metric does not fit the
/// targets. Numerical trouble is not an error: it ends the run with
/// [`Outcome::Diverged`].
pub fn train(
    config: &TrainConfig,
    data: &TrainData<'_>,
    callback: impl FnMut(&EpochStats) -> Control,
) -> Result<TrainReport, NnError> {
    let mut training = Training::new(config, data)?;
    training.run_epochs(config.epochs, callback)?;
    Ok(training.into_report())
}

/// A training run that can pause after any epoch: run some epochs
/// ([`Training::run_epochs`]), take a [`Snapshot`](super::Snapshot) of its
/// whole state ([`Training::snapshot`]), and later, in this process or
/// another, [`Training::resume`] it with the same configuration and data.
/// `k` epochs, a pause and `m` more give bit for bit the parameters and
/// history of `k + m` epochs in one go.
///
/// ```
/// use autotune::nn::{BatchSize, Control, MatRef, Snapshot, Targets, TrainConfig, TrainData, Training};
///
/// let x: Vec<f32> = (0..80).map(|i| (i * 37 % 17) as f32 / 8.0 - 1.0).collect();
/// let y: Vec<usize> = x.chunks(2).map(|r| usize::from(r[0] > r[1])).collect();
/// let data = TrainData::new(MatRef::new(&x, 40, 2)?, Targets::classes(&y, 2));
/// let config = TrainConfig::default().hidden([4]).batch_size(BatchSize::Fixed(8)).epochs(6);
///
/// let mut paused = Training::new(&config, &data)?;
/// paused.run_epochs(2, |_| Control::Continue)?;
/// let json = paused.snapshot()?.to_json()?;
/// let mut resumed = Training::resume(Snapshot::from_json(&json)?, &config, &data)?;
/// resumed.run_epochs(4, |_| Control::Continue)?;
///
/// let whole = autotune::nn::train(&config, &data, |_| Control::Continue)?;
/// assert_eq!(resumed.into_report(), whole);
/// # Ok::<(), autotune::Error>(())
/// ```
///
/// Every buffer is allocated when the training is created or resumed; the
/// epochs themselves allocate nothing (`tests/nn_alloc.rs` counts; only
/// `matrixmultiply`'s packing buffers come and go, see the module docs).
pub struct Training<'a> {
    pub(super) config: TrainConfig,
    pub(super) data: TrainData<'a>,
    metric: Metric,
    batch_size: BatchSize,
    n_pen: usize,
    pub(super) net: Network,
    ws: Workspace,
    batch: Batch,
    train_acc: Accumulator,
    valid_acc: Option<Accumulator>,
    pub(super) state: State,
}

/// What a training carries from one epoch to the next besides the network's
/// parameters: everything a [`Snapshot`](super::Snapshot) saves.
#[derive(Clone, Debug)]
pub(super) struct State {
    /// The optimiser's moments and update count.
    pub(super) opt: OptimizerState,
    /// The training rows in the order of the last shuffle (each shuffle
    /// permutes the previous order).
    pub(super) order: Vec<usize>,
    pub(super) shuffle_rng: StudyRng,
    pub(super) batch_rng: StudyRng,
    pub(super) dropout_rng: StudyRng,
    /// One entry per completed epoch (capacity for all of `config.epochs`).
    pub(super) history: Vec<EpochStats>,
    /// The parameters after the best epoch (the initial ones before any).
    pub(super) best_params: Vec<f32>,
    /// The best epoch and its monitored loss.
    pub(super) best: Option<(usize, f64)>,
    /// Epochs since the best one.
    pub(super) since_best: usize,
    /// The exploding-loss threshold, fixed by the first mini-batch.
    pub(super) threshold: Option<f64>,
    /// How the run ended before its epochs ran out (never `Completed`).
    pub(super) ended: Option<Outcome>,
}

impl<'a> Training<'a> {
    /// A fresh training of `config` on `data`, no epoch run yet.
    ///
    /// # Errors
    /// As [`train`].
    pub fn new(config: &TrainConfig, data: &TrainData<'a>) -> Result<Self, NnError> {
        config.check()?;
        data.check()?;
        let (x, y) = (data.x_train, data.y_train);
        let (n, d) = (x.rows(), x.cols());
        let net = Network::new(
            &config.network,
            d,
            &y,
            &mut seeded(config.seed, STREAM_INIT),
        )?;
        let (head, k) = (net.head(), net.n_outputs());
        if let Some((_, yv)) = &data.validation {
            head.n_outputs(yv)?;
        }
        let metric = config.metric.unwrap_or(Metric::default_for(head));
        metric.check_head(head)?;

        // Every buffer of the run, allocated once.
        let batch_size = match config.optimizer {
            Optimizer::Gd => BatchSize::Full,
            _ => config.batch_size,
        };
        let max_batch = batch_size.max_rows(n);
        let eval_rows = data
            .validation
            .map_or(0, |(xv, _)| xv.rows().min(EVAL_CHUNK));
        let state = State {
            opt: config.optimizer.init_state(net.n_params()),
            order: (0..n).collect(),
            shuffle_rng: seeded(config.seed, STREAM_SHUFFLE),
            batch_rng: seeded(config.seed, STREAM_BATCH),
            dropout_rng: seeded(config.seed, STREAM_DROPOUT),
            history: Vec::with_capacity(config.epochs),
            best_params: net.params().to_vec(),
            best: None,
            since_best: 0,
            threshold: None,
            ended: None,
        };
        Ok(Self {
            config: config.clone(),
            data: *data,
            metric,
            batch_size,
            n_pen: net.n_penalized(config.penalize_biases),
            ws: Workspace::new(&net, max_batch.max(eval_rows), config.dropout > 0.0),
            batch: Batch::new(max_batch, d, &y),
            train_acc: Accumulator::new(head, metric, k, &y),
            valid_acc: data
                .validation
                .map(|(_, yv)| Accumulator::new(head, metric, k, &yv)),
            net,
            state,
        })
    }

    /// Runs up to `n` more epochs, calling `callback` after each (as
    /// [`train`] does), and returns how the run ended, or `None` if it can
    /// go on. It stops early when the run ends: all `config.epochs` done,
    /// early stopping, divergence, or the callback's [`Control::Stop`]. On
    /// an ended run it does nothing.
    ///
    /// # Errors
    /// None in practice: the optimiser's shape checks, which the
    /// construction already guarantees.
    pub fn run_epochs(
        &mut self,
        n: usize,
        mut callback: impl FnMut(&EpochStats) -> Control,
    ) -> Result<Option<Outcome>, NnError> {
        for _ in 0..n {
            if self.outcome().is_some() {
                break;
            }
            self.epoch(&mut callback)?;
        }
        Ok(self.outcome())
    }

    /// One more epoch without a callback: `run_epochs(1, ..)`.
    ///
    /// # Errors
    /// As [`Training::run_epochs`].
    pub fn step_epoch(&mut self) -> Result<Option<Outcome>, NnError> {
        self.run_epochs(1, |_| Control::Continue)
    }

    /// How the run ended, or `None` while it can go on. A run whose
    /// history reaches `config.epochs` is [`Outcome::Completed`].
    #[must_use]
    pub fn outcome(&self) -> Option<Outcome> {
        self.state.ended.or_else(|| {
            (self.state.history.len() >= self.config.epochs).then_some(Outcome::Completed)
        })
    }

    /// The number of epochs completed so far.
    #[must_use]
    pub fn epochs_done(&self) -> usize {
        self.state.history.len()
    }

    /// One entry per completed epoch.
    #[must_use]
    pub fn history(&self) -> &[EpochStats] {
        &self.state.history
    }

    /// The epoch with the best monitored loss so far, if any completed.
    #[must_use]
    pub fn best_epoch(&self) -> Option<usize> {
        self.state.best.map(|(e, _)| e)
    }

    /// The network with its current parameters (those of the last epoch,
    /// not necessarily the best).
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The configuration this training runs.
    #[must_use]
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The metric in the history.
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The report of the run so far, as [`train`] returns it: the model is
    /// the best epoch's parameters if [`TrainConfig::restore_best`] (always
    /// after divergence), else the last. A run that has not ended is
    /// reported as [`Outcome::Stopped`] after its last epoch (epoch 0, with
    /// an empty history, if none ran).
    #[must_use]
    pub fn into_report(mut self) -> TrainReport {
        let outcome = self.outcome().unwrap_or(Outcome::Stopped {
            epoch: self.state.history.len().saturating_sub(1),
        });
        if self.config.restore_best || matches!(outcome, Outcome::Diverged { .. }) {
            self.net
                .params_mut()
                .copy_from_slice(&self.state.best_params);
        }
        TrainReport {
            outcome,
            history: self.state.history,
            model: self.net,
            metric: self.metric,
            best_epoch: self.state.best.map(|(e, _)| e),
        }
    }

    /// One epoch: its mini-batches, the divergence checks, validation,
    /// early stopping and the callback. Allocates nothing.
    fn epoch(&mut self, callback: &mut impl FnMut(&EpochStats) -> Control) -> Result<(), NnError> {
        let Self {
            config,
            data,
            batch_size,
            n_pen,
            net,
            ws,
            batch,
            train_acc,
            valid_acc,
            state,
            ..
        } = self;
        let epoch = state.history.len();
        let (x, y) = (data.x_train, data.y_train);
        let (n, d, k) = (x.rows(), x.cols(), net.n_outputs());
        let dropout = config.dropout as f32;
        let bs = match *batch_size {
            BatchSize::Fixed(b) => b.min(n),
            BatchSize::Random { min, max } => {
                (min + index(&mut state.batch_rng, max - min + 1)).min(n)
            }
            BatchSize::Full => n,
        };
        if bs < n {
            shuffle(&mut state.shuffle_rng, &mut state.order);
        }
        train_acc.reset();
        let mut first_lr = None;
        for chunk in state.order.chunks(bs) {
            let rows = chunk.len();
            let t = match config.schedule_unit {
                StepUnit::Epoch => epoch as u64,
                StepUnit::Update => state.opt.updates(),
            };
            let lr = config.schedule.lr(config.learning_rate, t);
            first_lr.get_or_insert(lr);
            batch.gather(x.data(), d, &y, chunk);
            let targets = batch.targets(&y, rows);
            ws.forward(net, &batch.x, rows, Some((dropout, &mut state.dropout_rng)));
            let loss_sum = ws.backward(net, &batch.x, rows, &targets);
            let loss = loss_sum / rows as f64;
            if !loss.is_finite() {
                state.ended = Some(diverged(epoch, Divergence::NonFiniteLoss));
                return Ok(());
            }
            match state.threshold {
                None => state.threshold = Some(config.divergence_factor * loss.max(1.0)),
                Some(threshold) if loss > threshold => {
                    let reason = Divergence::ExplodingLoss { loss, threshold };
                    state.ended = Some(diverged(epoch, reason));
                    return Ok(());
                }
                Some(_) => {}
            }
            train_acc.add(loss_sum, ws.logits(net, rows), k, &targets);
            config
                .regularizer
                .add_gradient(&net.params()[..*n_pen], &mut ws.grads[..*n_pen]);
            config
                .optimizer
                .update(&mut state.opt, net.params_mut(), &ws.grads, lr, *n_pen)?;
        }
        if net.params().iter().any(|p| !p.is_finite()) {
            state.ended = Some(diverged(epoch, Divergence::NonFiniteParams));
            return Ok(());
        }
        let (mut validation_loss, mut validation_metric) = (None, None);
        if let (Some((xv, yv)), Some(acc)) = (&data.validation, valid_acc.as_mut()) {
            acc.reset();
            net.accumulate(ws, *xv, yv, acc);
            if !acc.loss().is_finite() {
                state.ended = Some(diverged(epoch, Divergence::NonFiniteLoss));
                return Ok(());
            }
            (validation_loss, validation_metric) = (Some(acc.loss()), Some(acc.metric()));
        }
        let stats = EpochStats {
            epoch,
            train_loss: train_acc.loss(),
            train_metric: train_acc.metric(),
            validation_loss,
            validation_metric,
            learning_rate: first_lr.unwrap_or(config.learning_rate),
            batch_size: bs,
        };
        let monitored = stats.monitored_loss();
        if state
            .best
            .is_none_or(|(_, b)| monitored < b - config.min_delta)
        {
            state.best = Some((epoch, monitored));
            state.best_params.copy_from_slice(net.params());
            state.since_best = 0;
        } else {
            state.since_best += 1;
        }
        let control = callback(&stats);
        state.history.push(stats);
        if control == Control::Stop {
            state.ended = Some(Outcome::Stopped { epoch });
        } else if let (Some(patience), Some((best_epoch, _))) = (config.patience, state.best)
            && state.since_best >= patience
        {
            state.ended = Some(Outcome::EarlyStopped { epoch, best_epoch });
        }
        Ok(())
    }
}

impl std::fmt::Debug for Training<'_> {
    /// The configuration and progress (the buffers would say nothing).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Training")
            .field("config", &self.config)
            .field("epochs_done", &self.epochs_done())
            .field("best_epoch", &self.best_epoch())
            .field("outcome", &self.outcome())
            .finish_non_exhaustive()
    }
}

const fn diverged(epoch: usize, reason: Divergence) -> Outcome {
    Outcome::Diverged { epoch, reason }
}

fn seeded(seed: u64, stream: u64) -> StudyRng {
    rng_from_seed(derive_seed(seed, stream))
}
