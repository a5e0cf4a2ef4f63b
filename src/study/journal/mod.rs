//! The journal: a JSON-lines file that makes a study durable and resumable.
//!
//! Line 1 is a [`JournalHeader`] (`{"header":{...}}`): format and version,
//! the search space, direction, seed, workers, mode, the sampler's and
//! pruner's [`Strategy`] (name and every setting), and the fingerprint of the
//! data ([`DataFingerprint`]) if the study was given one. Then, in the order
//! things happen:
//! - `{"asked":{"batch":4,"trials":[{"number":4,"params":{...}}, ...]}}` when a
//!   batch of trials is asked (before any of them runs);
//! - `{"trial":{"number":4,"params":{...},"state":"complete","value":0.31,...}}`
//!   (a [`TrialRecord`]) as soon as a trial finishes;
//! - `{"step":{"round":2,"trial":4,"from":1,"to":2,"epochs":[...],"snapshot":7}}`
//!   (a [`TrainingStep`]; version 4 only) when a trial whose training is
//!   paused and resumed (the multi-fidelity strategy,
//!   [`crate::tune::fidelity`]) has trained one more step: what every epoch
//!   of the step reported, and the snapshot file its training was paused in.
//!
//! **Versions.** A study whose trainings are paused and resumed declares
//! its schedule in the header ([`JournalHeader::schedule`]) and is written
//! as version 4; every other journal is still written as version 3, which
//! older versions of this crate read. Those refuse a version-4 journal
//! with a clear error ("format version 4 is newer than this program's").
//!
//! Every line ends with its checksum, `...,"crc32":"1c291ca3"}`: the CRC-32
//! of the line's JSON text without that field, so a changed character is
//! detected. Every line is written in one `write` and `fsync`ed
//! (`File::sync_data`) before the study uses its content, so a killed study
//! loses at most the trials that were running. Floats round-trip exactly
//! (shortest representation written, correctly rounded parsing), which exact
//! resume needs.
//!
//! **Creation is atomic**: the header is written to `<journal>.tmp`,
//! `fsync`ed, and renamed to the journal (and the directory `fsync`ed), so a
//! journal either does not exist or starts with a whole header. A missing,
//! empty or header-only journal (no trial was ever asked) resumes as a new
//! study.
//!
//! **One writer**: a study holds an exclusive lock on `<journal>.lock` for
//! its life ([`StudyLock`]); a second study on the same journal is refused.
//!
//! Reading: only an unterminated last line (no newline after it) can be a
//! torn write — if it does not parse it is skipped with a warning (and cut
//! off before the study appends again). Any other line that does not parse
//! or whose checksum does not match (a last line that ends in a newline
//! included), a line without a checksum in a version-3 journal, a missing or
//! second header, or a trial recorded twice is a
//! [`StudyError::Journal`](crate::error::StudyError::Journal) naming the line.
//!
//! Files: this one holds the format (the line types); `checksum.rs` the
//! line checksums; `fingerprint.rs` the data fingerprint; `lock.rs` the
//! lock; `read.rs` parses a journal; `write.rs` creates, resumes and appends
//! to one.

mod checksum;
mod fingerprint;
mod lock;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use fingerprint::{DataFingerprint, SplitFingerprint};
pub use lock::{StudyLock, lock_path};
pub use read::{read_existing, read_journal};
pub(crate) use write::Journal;
pub use write::write_atomically;
#[cfg(feature = "postgres")]
pub(crate) use write::{check_data, check_header};

use super::Mode;
use crate::history::{Direction, TrialRecord};
use crate::space::{Params, SearchSpace};
use crate::strategy::Strategy;
use serde::{Deserialize, Deserializer, Serialize};

/// The `format` field of every journal header.
pub const JOURNAL_FORMAT: &str = "autotune-journal";
/// The journal format version this crate writes. Version 3 added a
/// checksum to every line and the data fingerprint to the header. Versions 1
/// and 2 are still read (their lines have no checksum; lines appended to them
/// by this version do). Version 1 (autotune 0.1) recorded only the type names
/// of the sampler and pruner; it is read as strategies with unknown settings,
/// and resuming it with this version's samplers is refused as a different
/// sampler.
/// Version 4 added the training steps of paused and resumed trainings
/// ([`TrainingStep`]) and the header's [`JournalHeader::schedule`]; it is
/// written only for such studies (see the [module](self) docs).
pub const JOURNAL_VERSION: u32 = 4;
/// The first version whose lines all carry a checksum.
const CHECKSUM_VERSION: u32 = 3;
/// The version written for a study without training steps (readable by
/// the versions of this crate that wrote version 3).
pub const JOURNAL_VERSION_WITHOUT_STEPS: u32 = 3;
/// The first version with training steps.
pub const STEPS_VERSION: u32 = 4;

/// The first line of a journal: what a resuming study must match, every
/// field compared (the sampler and pruner by name and all their settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// Always [`JOURNAL_FORMAT`].
    pub format: String,
    /// [`JOURNAL_VERSION`] when written.
    pub version: u32,
    /// The search space.
    pub space: SearchSpace,
    /// Minimise or maximise.
    pub direction: Direction,
    /// The study seed.
    pub seed: u64,
    /// Worker threads (the batch size of a synchronous study).
    pub workers: usize,
    /// Synchronous batches or asynchronous.
    pub mode: Mode,
    /// The sampler ([`crate::sampler::Sampler::strategy`]).
    #[serde(deserialize_with = "strategy_or_name")]
    pub sampler: Strategy,
    /// The pruner ([`crate::pruner::Pruner::strategy`]).
    #[serde(deserialize_with = "strategy_or_name")]
    pub pruner: Strategy,
    /// The data the study was started on, if it was given
    /// ([`crate::study::StudyBuilder::fingerprint`]; always by
    /// [`crate::tune::autotune`]). Resuming on other data is refused. Absent
    /// before version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataFingerprint>,
    /// The schedule that pauses and resumes the trials' trainings (the
    /// multi-fidelity strategy's name and settings), if one drives the
    /// study: its trials then also journal their [`TrainingStep`]s.
    /// Resuming with another schedule (or none) is refused. Absent before
    /// version 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Strategy>,
}

/// A [`Strategy`], or (journal version 1) a bare type name.
fn strategy_or_name<'de, D: Deserializer<'de>>(d: D) -> Result<Strategy, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Strategy(Strategy),
        Name(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Strategy(s) => s,
        Either::Name(n) => Strategy::named(n),
    })
}

/// A trial that was asked: its number and configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AskedTrial {
    /// The trial's number.
    pub number: usize,
    /// Its configuration.
    pub params: Params,
}

/// One step of a paused and resumed training, as journaled: trial `trial`
/// trained from `from` to `to` epochs in round `round` of its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingStep {
    /// The schedule's round (0, 1, …); steps of one round run side by side.
    pub round: usize,
    /// The trial's number.
    pub trial: usize,
    /// Epochs done before the step (0: the training started).
    pub from: usize,
    /// Epochs done after it (a diverged epoch counted).
    pub to: usize,
    /// What each epoch trained reported, in order.
    pub epochs: Vec<StepEpoch>,
    /// How the training ended in this step, if it did (else it was paused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<crate::nn::Outcome>,
    /// The key of the snapshot the training was paused in (the file
    /// `snapshot-<key>.json` of the study's snapshot directory; with `k`
    /// cross-validation folds, fold `f`'s is `key · k + f`), if paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<u64>,
    /// With cross-validation, what each fold's epochs reported (`epochs`
    /// then holds their means over the epochs all folds ran); empty
    /// otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<Vec<StepEpoch>>,
    /// With cross-validation, the epochs all folds' trainings ran in the
    /// step; otherwise absent (`to − from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<usize>,
}

impl TrainingStep {
    /// The training epochs the step spent: [`Self::spent`], or `to − from`.
    #[must_use]
    pub fn cost(&self) -> usize {
        self.spent.unwrap_or(self.to - self.from)
    }
}

/// One epoch of a [`TrainingStep`]: the value reported to the trial and the
/// validation loss (`None`: not a finite number; JSON has no NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepEpoch {
    /// The value reported (the objective after the epoch).
    pub value: Option<f64>,
    /// The validation loss after the epoch.
    pub loss: Option<f64>,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Line {
    Header(Box<JournalHeader>),
    Asked {
        /// The number of the batch's first trial.
        batch: usize,
        trials: Vec<AskedTrial>,
    },
    Trial(TrialRecord),
    Step(TrainingStep),
}

/// What a journal holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    /// The header.
    pub header: JournalHeader,
    /// Finished trials, in number order.
    pub trials: Vec<TrialRecord>,
    /// Trials asked but not finished, as `(batch, number, params)`, in number order.
    pub unfinished: Vec<(usize, usize, Params)>,
    /// The training steps journaled (version 4), in the order written.
    pub steps: Vec<TrainingStep>,
    /// The highest trial number asked or recorded, if any.
    pub last_number: Option<usize>,
    /// Problems that were worked around (a skipped torn last line).
    pub warnings: Vec<String>,
}

impl JournalContents {
    /// Whether no trial was ever asked: the journal holds its header only
    /// (such a journal resumes as a new study).
    #[must_use]
    pub fn is_header_only(&self) -> bool {
        self.last_number.is_none()
    }
}
