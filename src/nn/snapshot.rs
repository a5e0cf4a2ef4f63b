//! Snapshots of paused trainings: the whole state of a [`Training`] after an
//! epoch, serialisable, and resumable bit for bit.
//!
//! A snapshot holds the network's parameters, the best epoch's parameters,
//! the optimiser's update count and moments, the shuffled row order and the
//! three generators (shuffling, batch sizes, dropout), the epoch history,
//! the early-stopping state (best epoch and loss, epochs since), the
//! divergence threshold and, if the run ended early, how. Every `f32` is
//! stored as its bit pattern (`u32`), so NaNs and infinities of a diverged
//! run survive too; the `f64` values of the history are finite and
//! serde_json (with `float_roundtrip`) writes and reads them exactly.
//!
//! It also carries two fingerprints, FNV-1a hashes (Fowler, Noll & Vo) of
//! the configuration it was taken from and of the data: resuming with
//! anything else is [`NnError::SnapshotMismatch`]. The configuration's
//! fingerprint leaves out [`TrainConfig::epochs`], which no epoch's work
//! depends on: a snapshot may be resumed with more (or fewer) epochs to go,
//! the budget of a multi-fidelity search.

use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::rng::StudyRng;

use super::config::{MAX_EPOCHS, TrainConfig};
use super::fingerprint::{config_fingerprint, data_fingerprint};
use super::input::TrainData;
use super::outcome::{EpochStats, Outcome};
use super::trainer::Training;

/// The snapshot format version written by this crate.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The whole state of a paused [`Training`] (see the module docs of what it
/// holds). Take one with [`Training::snapshot`], resume it with
/// [`Training::resume`]; it serialises with serde ([`Snapshot::to_json`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    config_fingerprint: u64,
    data_fingerprint: u64,
    params: Vec<u32>,
    best_params: Vec<u32>,
    optimizer_updates: u64,
    first_moment: Vec<u32>,
    second_moment: Vec<u32>,
    order: Vec<usize>,
    shuffle_rng: StudyRng,
    batch_rng: StudyRng,
    dropout_rng: StudyRng,
    history: Vec<EpochStats>,
    best: Option<BestEpoch>,
    since_best: usize,
    /// The threshold's bits (it may overflow to infinity, which JSON lacks).
    divergence_threshold: Option<u64>,
    ended: Option<Outcome>,
}

/// The best epoch so far and its monitored loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct BestEpoch {
    epoch: usize,
    loss: f64,
}

impl Snapshot {
    /// The number of epochs the training had completed.
    #[must_use]
    pub fn epochs_done(&self) -> usize {
        self.history.len()
    }

    /// One entry per completed epoch (the learning curve so far).
    #[must_use]
    pub fn history(&self) -> &[EpochStats] {
        &self.history
    }

    /// The epoch with the best monitored loss, if any completed.
    #[must_use]
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|b| b.epoch)
    }

    /// How the run ended before its epochs ran out (early stopping, the
    /// callback or divergence); `None` if it could go on (or had simply
    /// run all its epochs: resumed with more, it goes on).
    #[must_use]
    pub fn ended(&self) -> Option<Outcome> {
        self.ended
    }

    /// The bytes the snapshot occupies in memory, near enough for a cap:
    /// its buffers' lengths times their element sizes plus the struct.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + 4 * (self.params.len()
                + self.best_params.len()
                + self.first_moment.len()
                + self.second_moment.len())
            + std::mem::size_of::<usize>() * self.order.len()
            + std::mem::size_of::<EpochStats>() * self.history.len()
    }

    /// The snapshot as a JSON string.
    ///
    /// # Errors
    /// [`NnError::SnapshotJson`] (not expected: every part serialises).
    pub fn to_json(&self) -> Result<String, NnError> {
        serde_json::to_string(self).map_err(NnError::SnapshotJson)
    }

    /// A snapshot from a JSON string written by [`Snapshot::to_json`].
    /// Whether it fits a configuration and data is checked on
    /// [`Training::resume`].
    ///
    /// # Errors
    /// [`NnError::SnapshotJson`] for malformed JSON.
    pub fn from_json(json: &str) -> Result<Self, NnError> {
        serde_json::from_str(json).map_err(NnError::SnapshotJson)
    }
}

impl<'a> Training<'a> {
    /// The whole state of the training now (after its last epoch).
    ///
    /// # Errors
    /// [`NnError::SnapshotJson`] if the configuration cannot be serialised
    /// for its fingerprint (not expected).
    pub fn snapshot(&self) -> Result<Snapshot, NnError> {
        let s = &self.state;
        Ok(Snapshot {
            format: SNAPSHOT_FORMAT,
            config_fingerprint: config_fingerprint(&self.config)?,
            data_fingerprint: data_fingerprint(&self.data),
            params: bits(self.net.params()),
            best_params: bits(&s.best_params),
            optimizer_updates: s.opt.updates(),
            first_moment: bits(s.opt.first_moment()),
            second_moment: bits(s.opt.second_moment()),
            order: s.order.clone(),
            shuffle_rng: s.shuffle_rng.clone(),
            batch_rng: s.batch_rng.clone(),
            dropout_rng: s.dropout_rng.clone(),
            history: s.history.clone(),
            best: s.best.map(|(epoch, loss)| BestEpoch { epoch, loss }),
            since_best: s.since_best,
            divergence_threshold: s.threshold.map(f64::to_bits),
            ended: s.ended,
        })
    }

    /// The training `snapshot` was taken from, ready for its next epoch:
    /// `config` and `data` must be the ones it ran on (`config.epochs`
    /// aside, which may differ: it sets how many epochs the resumed run has
    /// in all).
    ///
    /// # Errors
    /// As [`Training::new`]; [`NnError::SnapshotMismatch`] for another
    /// configuration or other data; [`NnError::InvalidSnapshot`] for a
    /// snapshot of another format version or whose parts do not fit
    /// together (a corrupt or edited one).
    pub fn resume(
        snapshot: Snapshot,
        config: &TrainConfig,
        data: &TrainData<'a>,
    ) -> Result<Self, NnError> {
        let mut training = Self::new(config, data)?;
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(invalid("format version"));
        }
        for (what, expected, found) in [
            (
                "training configuration",
                snapshot.config_fingerprint,
                config_fingerprint(config)?,
            ),
            (
                "training data",
                snapshot.data_fingerprint,
                data_fingerprint(data),
            ),
        ] {
            if expected != found {
                return Err(NnError::SnapshotMismatch {
                    what,
                    expected,
                    found,
                });
            }
        }
        snapshot.check_consistent(training.net.n_params(), training.state.order.len())?;
        let s = &mut training.state;
        s.opt.restore(
            snapshot.optimizer_updates,
            snapshot.first_moment.iter().map(|&b| f32::from_bits(b)),
            snapshot.second_moment.iter().map(|&b| f32::from_bits(b)),
        )?;
        copy_bits(training.net.params_mut(), &snapshot.params);
        copy_bits(&mut s.best_params, &snapshot.best_params);
        s.order = snapshot.order;
        s.shuffle_rng = snapshot.shuffle_rng;
        s.batch_rng = snapshot.batch_rng;
        s.dropout_rng = snapshot.dropout_rng;
        s.history = snapshot.history;
        // Room for every epoch still to come, so that they allocate nothing.
        s.history
            .reserve_exact(config.epochs.saturating_sub(s.history.len()));
        s.best = snapshot.best.map(|b| (b.epoch, b.loss));
        s.since_best = snapshot.since_best;
        s.threshold = snapshot.divergence_threshold.map(f64::from_bits);
        s.ended = snapshot.ended;
        Ok(training)
    }
}

impl Snapshot {
    /// Checks that the parts fit a network of `n_params` parameters and
    /// `n_rows` training rows, and each other.
    fn check_consistent(&self, n_params: usize, n_rows: usize) -> Result<(), NnError> {
        if self.params.len() != n_params {
            return Err(invalid("parameter count"));
        }
        if self.best_params.len() != n_params {
            return Err(invalid("best parameters' count"));
        }
        let mut seen = vec![false; n_rows];
        if self.order.len() != n_rows
            || !self
                .order
                .iter()
                .all(|&i| i < n_rows && !std::mem::replace(&mut seen[i], true))
        {
            return Err(invalid("shuffle order (not a permutation of the rows)"));
        }
        let n = self.history.len();
        if n > MAX_EPOCHS || self.history.iter().enumerate().any(|(i, e)| e.epoch != i) {
            return Err(invalid("epoch history (not epochs 0, 1, ... in order)"));
        }
        // The best epoch is the last one that improved; every epoch after it
        // counts in `since_best`.
        let best_fits = match self.best {
            None => n == 0 && self.since_best == 0,
            Some(b) => {
                n.checked_sub(1) == b.epoch.checked_add(self.since_best) && b.loss.is_finite()
            }
        };
        if !best_fits {
            return Err(invalid("early-stopping state (best epoch, epochs since)"));
        }
        if self.divergence_threshold.is_some() != (self.optimizer_updates > 0) {
            return Err(invalid("divergence threshold"));
        }
        // An early end names the last epoch run, or the one that diverged.
        let last = n.checked_sub(1);
        let ended_fits = match self.ended {
            None => true,
            Some(Outcome::Completed) => false,
            Some(Outcome::Stopped { epoch }) => Some(epoch) == last,
            Some(Outcome::EarlyStopped { epoch, best_epoch }) => {
                Some(epoch) == last && Some(best_epoch) == self.best_epoch()
            }
            Some(Outcome::Diverged { epoch, .. }) => epoch == n,
        };
        if !ended_fits {
            return Err(invalid("outcome (not the state's last epoch)"));
        }
        Ok(())
    }
}

const fn invalid(what: &'static str) -> NnError {
    NnError::InvalidSnapshot { what }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn copy_bits(dst: &mut [f32], src: &[u32]) {
    dst.iter_mut()
        .zip(src)
        .for_each(|(d, &b)| *d = f32::from_bits(b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{BatchSize, Control, MatRef, Optimizer, Targets};

    /// Every part of the state a snapshot carries matters: resuming with
    /// one part reset to its fresh value ends elsewhere than the run in one
    /// go, so the bit-for-bit tests of `tests/it/nn_snapshot.rs` would see
    /// a part left out.
    #[test]
    fn every_part_of_the_state_changes_the_result() {
        let x: Vec<f32> = (0..120)
            .map(|i| ((i * 37 % 23) as f32 / 11.0) - 1.0)
            .collect();
        let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let data = TrainData::new(MatRef::new(&x, 40, 3).unwrap(), Targets::classes(&y, 2));
        let config = TrainConfig::default()
            .hidden([4])
            .optimizer(Optimizer::adam())
            .learning_rate(0.05)
            .batch_size(BatchSize::Random { min: 3, max: 9 })
            .dropout(0.3)
            .epochs(5);
        let go_on = |_: &EpochStats| Control::Continue;
        let mut whole = Training::new(&config, &data).unwrap();
        whole.run_epochs(5, go_on).unwrap();
        let mut paused = Training::new(&config, &data).unwrap();
        paused.run_epochs(2, go_on).unwrap();
        let snapshot = paused.snapshot().unwrap();
        let fresh = Training::new(&config, &data).unwrap().snapshot().unwrap();
        type Reset = fn(&mut Snapshot, &Snapshot);
        let resets: [(Reset, &str); 6] = [
            (
                |s, f| s.shuffle_rng = f.shuffle_rng.clone(),
                "shuffle generator",
            ),
            (|s, f| s.batch_rng = f.batch_rng.clone(), "batch generator"),
            (
                |s, f| s.dropout_rng = f.dropout_rng.clone(),
                "dropout generator",
            ),
            (|s, f| s.order = f.order.clone(), "row order"),
            (
                |s, f| s.first_moment = f.first_moment.clone(),
                "first moment",
            ),
            // One update fewer: Adam's bias correction moves.
            (|s, _| s.optimizer_updates -= 1, "update count"),
        ];
        let finish = |s: Snapshot| {
            let mut t = Training::resume(s, &config, &data).unwrap();
            t.run_epochs(3, go_on).unwrap();
            t.net.params().to_vec()
        };
        assert_eq!(finish(snapshot.clone()), whole.net.params(), "unchanged");
        for (reset, what) in resets {
            let mut changed = snapshot.clone();
            reset(&mut changed, &fresh);
            assert_ne!(finish(changed), whole.net.params(), "{what}");
        }
    }
}
