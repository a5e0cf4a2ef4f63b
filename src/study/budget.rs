//! What one call of [`Study::optimize_within`](super::Study::optimize_within)
//! may spend, and how it spent it.
//!
//! A budget is a set of limits, and the call stops starting trials at the
//! first one reached: a number of trials, and optionally wall-clock time.
//! Time is not cut short: with a time limit, a trial (in synchronous mode, a
//! batch of trials) is started only if it is *expected* to end within the
//! limit, the expectation being the mean duration of the trials (batches)
//! this call has finished so far. Running trials always finish and are
//! recorded. The first trial (batch) of a call starts unless the limit is
//! zero, having nothing to be judged by.
//!
//! `autotune`'s time limit ([`crate::tune::AutotuneConfig::timeout`],
//! `autotune tune --timeout`) is this budget.

use super::Counts;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The limits of one call of
/// [`Study::optimize_within`](super::Study::optimize_within): at most
/// `trials` trials, and with `time`, no trial started that is expected to
/// end after it (see the [module](self) docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The most trials to run (`usize::MAX`: no limit but the others).
    pub trials: usize,
    /// The wall-clock limit, counted from the call's start.
    pub time: Option<Duration>,
}

impl Budget {
    /// `n` trials, no time limit.
    #[must_use]
    pub fn trials(n: usize) -> Self {
        Self {
            trials: n,
            time: None,
        }
    }

    /// As many trials as fit in `limit` of wall-clock time.
    #[must_use]
    pub fn time(limit: Duration) -> Self {
        Self {
            trials: usize::MAX,
            time: Some(limit),
        }
    }

    /// This budget with a time limit as well: whichever is reached first.
    #[must_use]
    pub fn within(mut self, limit: Duration) -> Self {
        self.time = Some(limit);
        self
    }
}

/// Why a call of [`Study::optimize_within`](super::Study::optimize_within)
/// stopped starting trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// It ran its budget's trials.
    Trials,
    /// The next trial (synchronous batch) was expected to take
    /// `expected_secs` — the mean of those the call had finished — with only
    /// `left_secs` of the time limit left (0 once it had passed).
    Time {
        /// The expected duration of the next trial or batch, in seconds.
        expected_secs: f64,
        /// What was left of the time limit, in seconds.
        left_secs: f64,
    },
    /// The study's [`StopHandle`](super::StopHandle) was set.
    Stopped,
    /// The epoch budget was spent: `used` of `budget` epochs (see
    /// [`crate::tune::AutotuneConfig::budget_epochs`]).
    Epochs {
        /// Epochs trained.
        used: usize,
        /// The budget.
        budget: usize,
    },
    /// A study shared through a database reached its budget (counted over
    /// all its workers).
    StudyBudget,
}

/// What a call of [`Study::optimize_within`](super::Study::optimize_within)
/// spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spent {
    /// How the trials it ran ended.
    pub counts: Counts,
    /// Its wall-clock time, in seconds.
    pub elapsed_secs: f64,
    /// Why it stopped starting trials.
    pub stopped: StopReason,
}

/// The time keeping of one call: when it started, its limit, and the mean
/// duration of what it has finished (trials, or synchronous batches).
#[derive(Debug)]
pub(super) struct Clock {
    start: Instant,
    limit: Option<Duration>,
    finished_secs: f64,
    finished: usize,
}

impl Clock {
    pub fn start(limit: Option<Duration>) -> Self {
        Self {
            start: Instant::now(),
            limit,
            finished_secs: 0.0,
            finished: 0,
        }
    }

    /// Counts a finished trial (batch) of `secs`.
    pub fn finished(&mut self, secs: f64) {
        self.finished_secs += secs.max(0.0);
        self.finished += 1;
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// `Some` if a trial (batch) started now is expected to end after the
    /// limit: the limit has passed, or what is left is less than the mean
    /// duration finished so far. `None` without a limit or with nothing
    /// finished yet (the first always starts) while the limit is ahead.
    pub fn over(&self) -> Option<StopReason> {
        let limit = self.limit?.as_secs_f64();
        let left = limit - self.elapsed_secs();
        if left <= 0.0 {
            return Some(StopReason::Time {
                expected_secs: self.expected_secs(),
                left_secs: 0.0,
            });
        }
        if self.finished == 0 {
            return None;
        }
        let expected = self.expected_secs();
        (expected > left).then_some(StopReason::Time {
            expected_secs: expected,
            left_secs: left,
        })
    }

    fn expected_secs(&self) -> f64 {
        if self.finished == 0 {
            0.0
        } else {
            self.finished_secs / self.finished as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_stops_what_is_expected_to_overrun() {
        // No limit: never over.
        let mut c = Clock::start(None);
        c.finished(1e9);
        assert_eq!(c.over(), None);
        // A limit ahead and nothing finished: the first always starts.
        let mut c = Clock::start(Some(Duration::from_secs(3600)));
        assert_eq!(c.over(), None);
        // Trials of 1 s and 3 s: 2 s expected, which fits in an hour...
        c.finished(1.0);
        c.finished(3.0);
        assert_eq!(c.over(), None);
        // ... but a mean of 2 hours does not.
        c.finished(6.0 * 3600.0 * 2.0);
        match c.over() {
            Some(StopReason::Time {
                expected_secs,
                left_secs,
            }) => {
                assert!((expected_secs - (4.0 + 43_200.0) / 3.0).abs() < 1e-9);
                assert!(left_secs > 3599.0 && left_secs <= 3600.0, "{left_secs}");
            }
            other => panic!("{other:?}"),
        }
        // A limit that has passed stops even the first.
        let c = Clock::start(Some(Duration::ZERO));
        assert!(matches!(
            c.over(),
            Some(StopReason::Time { left_secs, .. }) if left_secs == 0.0
        ));
    }
}
