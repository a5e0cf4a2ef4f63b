//! The journal: a JSON-lines file that makes a study durable and resumable.
//!
//! Line 1 is a [`JournalHeader`] (`{"header":{...}}`): format and version,
//! the search space, direction, seed, workers, mode, and the sampler's and
//! pruner's [`Strategy`] (name and every setting). Then, in the order things
//! happen:
//! - `{"asked":{"batch":4,"trials":[{"number":4,"params":{...}}, ...]}}` when a
//!   batch of trials is asked (before any of them runs);
//! - `{"trial":{"number":4,"params":{...},"state":"complete","value":0.31,...}}`
//!   (a [`TrialRecord`]) as soon as a trial finishes.
//!
//! Every line is written in one `write` and `fsync`ed (`File::sync_data`)
//! before the study uses its content, so a killed study loses at most the
//! trials that were running. Floats round-trip exactly (shortest
//! representation written, correctly rounded parsing), which exact resume needs.
//!
//! Reading: a last line that does not parse is a torn write — it is skipped
//! with a warning (and cut off before the study appends again); any other line
//! that does not parse, a missing or second header, or a trial recorded twice
//! is a [`StudyError::Journal`](crate::error::StudyError::Journal) naming the line.
//!
//! Files: this one holds the format (the line types); `read.rs` parses a
//! journal; `write.rs` creates, resumes and appends to one.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::read_journal;
pub(crate) use write::Journal;

use super::Mode;
use crate::history::{Direction, TrialRecord};
use crate::space::{Params, SearchSpace};
use crate::strategy::Strategy;
use serde::{Deserialize, Deserializer, Serialize};

/// The `format` field of every journal header.
pub const JOURNAL_FORMAT: &str = "autotune-journal";
/// The journal format version this crate writes. Version 1 (autotune 0.1)
/// recorded only the type names of the sampler and pruner; it is still read
/// (as strategies with unknown settings), and resuming it with this version's
/// samplers is refused as a different sampler.
pub const JOURNAL_VERSION: u32 = 2;

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
pub(crate) struct AskedTrial {
    pub number: usize,
    pub params: Params,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Line {
    Header(JournalHeader),
    Asked {
        /// The number of the batch's first trial.
        batch: usize,
        trials: Vec<AskedTrial>,
    },
    Trial(TrialRecord),
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
    /// The highest trial number asked or recorded, if any.
    pub last_number: Option<usize>,
    /// Problems that were worked around (a skipped torn last line).
    pub warnings: Vec<String>,
}
