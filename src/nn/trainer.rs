//! The training loop: epochs of shuffled mini-batches, per-epoch history,
//! early stopping, a stopping callback and divergence detection.

use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::rng::{StudyRng, derive_seed, index, rng_from_seed, shuffle};

use super::config::{BatchSize, StepUnit, TrainConfig};
use super::input::{Targets, TrainData};
use super::metrics::{Accumulator, Metric};
use super::network::{EVAL_CHUNK, Network};
use super::optimizer::Optimizer;
use super::propagate::Workspace;

/// Seed streams derived from [`TrainConfig::seed`].
const STREAM_INIT: u64 = 0;
const STREAM_SHUFFLE: u64 = 1;
const STREAM_BATCH: u64 = 2;
const STREAM_DROPOUT: u64 = 3;

/// What the per-epoch callback tells the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop now (e.g. a pruner judged the run hopeless); the run ends with
    /// [`Outcome::Stopped`].
    Stop,
}

/// What happened in one epoch. Losses are mean data losses (without the
/// penalty); every value is finite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// The 0-based epoch.
    pub epoch: usize,
    /// The mean mini-batch loss over the epoch, as measured during training
    /// (with dropout, while the weights moved).
    pub train_loss: f64,
    /// The metric over the epoch's mini-batches, measured likewise.
    pub train_metric: f64,
    /// The validation loss after the epoch, if there is validation data.
    pub validation_loss: Option<f64>,
    /// The validation metric after the epoch, if there is validation data.
    pub validation_metric: Option<f64>,
    /// The learning rate of the epoch's first update.
    pub learning_rate: f64,
    /// The epoch's batch size.
    pub batch_size: usize,
}

impl EpochStats {
    /// The loss early stopping watches: validation if present, else training.
    #[must_use]
    pub fn monitored_loss(&self) -> f64 {
        self.validation_loss.unwrap_or(self.train_loss)
    }
}

/// Why a run counts as diverged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Divergence {
    /// A NaN or infinite training or validation loss.
    NonFiniteLoss,
    /// A mini-batch loss above `divergence_factor · max(L0, 1)`.
    ExplodingLoss {
        /// The loss seen.
        loss: f64,
        /// The threshold it crossed.
        threshold: f64,
    },
    /// NaN or infinite parameters after an epoch.
    NonFiniteParams,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// All configured epochs ran.
    Completed,
    /// Early stopping ended the run after `epoch` (0-based): the monitored
    /// loss had not improved since `best_epoch` for `patience` epochs.
    EarlyStopped {
        /// The last epoch run.
        epoch: usize,
        /// The epoch with the best monitored loss.
        best_epoch: usize,
    },
    /// The callback asked to stop after `epoch`.
    Stopped {
        /// The last epoch run.
        epoch: usize,
    },
    /// Training diverged during `epoch` (0-based); the history holds the
    /// epochs before it and the model is the best one before it (the
    /// initial one if none).
    Diverged {
        /// The epoch in which divergence was seen.
        epoch: usize,
        /// What was seen.
        reason: Divergence,
    },
}

/// The result of [`train`] (serialisable, the model included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// How the run ended.
    pub outcome: Outcome,
    /// One entry per completed epoch.
    pub history: Vec<EpochStats>,
    /// The trained network: the best epoch's parameters if
    /// [`TrainConfig::restore_best`] (always after divergence), else the last.
    pub model: Network,
    /// The metric in the history.
    pub metric: Metric,
    /// The epoch with the best monitored loss, if any epoch completed.
    pub best_epoch: Option<usize>,
}

impl TrainReport {
    /// The stats of the best epoch.
    #[must_use]
    pub fn best(&self) -> Option<&EpochStats> {
        self.best_epoch.and_then(|e| self.history.get(e))
    }

    /// The stats of the last completed epoch.
    #[must_use]
    pub fn last(&self) -> Option<&EpochStats> {
        self.history.last()
    }

    /// Whether the run diverged.
    #[must_use]
    pub fn diverged(&self) -> bool {
        matches!(self.outcome, Outcome::Diverged { .. })
    }
}

/// Trains a network as `config` says on `data`, calling `callback` after
/// every epoch. Single-threaded and deterministic: the same config, data and
/// seed give bit-identical parameters and history.
///
/// # Errors
/// Any [`TrainConfig::check`] or [`TrainData::check`] error, and
/// [`NnError::Incompatible`] if the head or metric does not fit the
/// targets. Numerical trouble is not an error: it ends the run with
/// [`Outcome::Diverged`].
pub fn train(
    config: &TrainConfig,
    data: &TrainData<'_>,
    mut callback: impl FnMut(&EpochStats) -> Control,
) -> Result<TrainReport, NnError> {
    config.check()?;
    data.check()?;
    let (x, y) = (data.x_train, data.y_train);
    let (n, d) = (x.rows(), x.cols());
    let mut net = Network::new(
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
    let mut shuffle_rng = seeded(config.seed, STREAM_SHUFFLE);
    let mut batch_rng = seeded(config.seed, STREAM_BATCH);
    let mut dropout_rng = seeded(config.seed, STREAM_DROPOUT);

    // Every buffer of the run, allocated once.
    let batch_size = match config.optimizer {
        Optimizer::Gd => BatchSize::Full,
        _ => config.batch_size,
    };
    let max_batch = batch_size.max_rows(n);
    let eval_rows = data
        .validation
        .map_or(0, |(xv, _)| xv.rows().min(EVAL_CHUNK));
    let mut ws = Workspace::new(&net, max_batch.max(eval_rows), config.dropout > 0.0);
    let mut batch = Batch::new(max_batch, d, &y);
    let mut opt_state = config.optimizer.init_state(net.n_params());
    let mut order: Vec<usize> = (0..n).collect();
    let mut train_acc = Accumulator::new(head, metric, k, &y);
    let mut valid_acc = data
        .validation
        .map(|(_, yv)| Accumulator::new(head, metric, k, &yv));
    let mut best_params = net.params().to_vec();
    let mut history = Vec::with_capacity(config.epochs);
    let n_pen = net.n_penalized(config.penalize_biases);
    let dropout = config.dropout as f32;

    let mut best: Option<(usize, f64)> = None;
    let mut since_best = 0;
    let mut updates = 0u64;
    let mut threshold = f64::INFINITY;
    let mut outcome = Outcome::Completed;

    'epochs: for epoch in 0..config.epochs {
        let bs = match batch_size {
            BatchSize::Fixed(b) => b.min(n),
            BatchSize::Random { min, max } => (min + index(&mut batch_rng, max - min + 1)).min(n),
            BatchSize::Full => n,
        };
        if bs < n {
            shuffle(&mut shuffle_rng, &mut order);
        }
        train_acc.reset();
        let mut first_lr = None;
        for chunk in order.chunks(bs) {
            let rows = chunk.len();
            let t = match config.schedule_unit {
                StepUnit::Epoch => epoch as u64,
                StepUnit::Update => updates,
            };
            let lr = config.schedule.lr(config.learning_rate, t);
            first_lr.get_or_insert(lr);
            batch.gather(x.data(), d, &y, chunk);
            let targets = batch.targets(&y, rows);
            ws.forward(&net, &batch.x, rows, Some((dropout, &mut dropout_rng)));
            let loss_sum = ws.backward(&net, &batch.x, rows, &targets);
            let loss = loss_sum / rows as f64;
            if !loss.is_finite() {
                outcome = diverged(epoch, Divergence::NonFiniteLoss);
                break 'epochs;
            }
            if updates == 0 {
                threshold = config.divergence_factor * loss.max(1.0);
            } else if loss > threshold {
                outcome = diverged(epoch, Divergence::ExplodingLoss { loss, threshold });
                break 'epochs;
            }
            train_acc.add(loss_sum, ws.logits(&net, rows), k, &targets);
            config
                .regularizer
                .add_gradient(&net.params()[..n_pen], &mut ws.grads[..n_pen]);
            config
                .optimizer
                .update(&mut opt_state, net.params_mut(), &ws.grads, lr, n_pen)?;
            updates += 1;
        }
        if net.params().iter().any(|p| !p.is_finite()) {
            outcome = diverged(epoch, Divergence::NonFiniteParams);
            break;
        }
        let (mut validation_loss, mut validation_metric) = (None, None);
        if let (Some((xv, yv)), Some(acc)) = (&data.validation, valid_acc.as_mut()) {
            acc.reset();
            net.accumulate(&mut ws, *xv, yv, acc);
            if !acc.loss().is_finite() {
                outcome = diverged(epoch, Divergence::NonFiniteLoss);
                break;
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
        if best.is_none_or(|(_, b)| monitored < b - config.min_delta) {
            best = Some((epoch, monitored));
            best_params.copy_from_slice(net.params());
            since_best = 0;
        } else {
            since_best += 1;
        }
        let control = callback(&stats);
        history.push(stats);
        if control == Control::Stop {
            outcome = Outcome::Stopped { epoch };
            break;
        }
        if let (Some(patience), Some((best_epoch, _))) = (config.patience, best)
            && since_best >= patience
        {
            outcome = Outcome::EarlyStopped { epoch, best_epoch };
            break;
        }
    }

    let restore = config.restore_best || matches!(outcome, Outcome::Diverged { .. });
    if restore {
        net.params_mut().copy_from_slice(&best_params);
    }
    Ok(TrainReport {
        outcome,
        history,
        model: net,
        metric,
        best_epoch: best.map(|(e, _)| e),
    })
}

const fn diverged(epoch: usize, reason: Divergence) -> Outcome {
    Outcome::Diverged { epoch, reason }
}

fn seeded(seed: u64, stream: u64) -> StudyRng {
    rng_from_seed(derive_seed(seed, stream))
}

/// The rows of one mini-batch, gathered into buffers allocated once.
struct Batch {
    x: Vec<f32>,
    labels: Vec<usize>,
    values: Vec<f32>,
}

impl Batch {
    fn new(max_rows: usize, d: usize, y: &Targets<'_>) -> Self {
        let (labels, values) = match *y {
            Targets::Classes { .. } => (max_rows, 0),
            Targets::Values { n_outputs, .. } => (0, max_rows * n_outputs),
        };
        Self {
            x: vec![0.0; max_rows * d],
            labels: vec![0; labels],
            values: vec![0.0; values],
        }
    }

    /// Copies rows `idx` of `x` (`d` columns) and `y` into the buffers.
    fn gather(&mut self, x: &[f32], d: usize, y: &Targets<'_>, idx: &[usize]) {
        for (dst, &i) in self.x.chunks_exact_mut(d).zip(idx) {
            dst.copy_from_slice(&x[i * d..(i + 1) * d]);
        }
        match *y {
            Targets::Classes { labels, .. } => {
                for (dst, &i) in self.labels.iter_mut().zip(idx) {
                    *dst = labels[i];
                }
            }
            Targets::Values { values, n_outputs } => {
                for (dst, &i) in self.values.chunks_exact_mut(n_outputs).zip(idx) {
                    dst.copy_from_slice(&values[i * n_outputs..(i + 1) * n_outputs]);
                }
            }
        }
    }

    /// The targets of the first `rows` gathered rows.
    fn targets(&self, y: &Targets<'_>, rows: usize) -> Targets<'_> {
        match *y {
            Targets::Classes { n_classes, .. } => Targets::Classes {
                labels: &self.labels[..rows],
                n_classes,
            },
            Targets::Values { n_outputs, .. } => Targets::Values {
                values: &self.values[..rows * n_outputs],
                n_outputs,
            },
        }
    }
}
