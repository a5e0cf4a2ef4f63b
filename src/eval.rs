//! The parallel evaluator: runs objective evaluations on a pool of worker
//! threads, turning every way an evaluation can go wrong into data.
//!
//! Each evaluation runs under [`std::panic::catch_unwind`] and is classified as
//! a [`Returned`]: a value, an error (its `Display` text) or a panic (its
//! message). [`Returned::state`] maps that to a [`TrialState`]: a finite value
//! is complete, NaN or infinity diverged, an error or a panic failed. The
//! evaluator never writes history: it hands each result to a `done` callback
//! (run on the worker thread, so the study can journal it at once) and returns
//! what the callback returns.
//!
//! The pool has exactly `workers` threads, so `workers` evaluations run side by
//! side and any rayon parallelism inside an evaluation stays within the pool
//! instead of oversubscribing the cores.
//!
//! A panic inside an objective still goes through the process's panic hook
//! (by default it prints a message to stderr) before it is caught.

use crate::error::StudyError;
use crate::history::TrialState;
use rayon::prelude::*;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Instant;

/// How one evaluation ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Returned {
    /// The objective returned a value (possibly NaN or infinite).
    Value(f64),
    /// The objective returned an error, with its message.
    Error(String),
    /// The objective panicked, with the panic message.
    Panicked(String),
}

impl Returned {
    /// Classifies the value an objective returned.
    pub fn from_result<E: Display>(result: Result<f64, E>) -> Self {
        match result {
            Ok(v) => Returned::Value(v),
            Err(e) => Returned::Error(e.to_string()),
        }
    }

    /// The trial state: a finite value is complete, NaN or infinity diverged
    /// (`"objective returned NaN"`), an error failed with its message, a panic
    /// failed with `"panicked: <message>"`.
    #[must_use]
    pub fn state(&self) -> TrialState {
        match self {
            Returned::Value(v) if v.is_finite() => TrialState::Complete { value: *v },
            Returned::Value(v) => TrialState::Diverged {
                reason: format!("objective returned {v}"),
            },
            Returned::Error(e) => TrialState::Failed { reason: e.clone() },
            Returned::Panicked(m) => TrialState::Failed {
                reason: format!("panicked: {m}"),
            },
        }
    }
}

/// One finished evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finished {
    /// How it ended.
    pub returned: Returned,
    /// Wall time in seconds.
    pub duration_secs: f64,
}

/// Runs `f` on `job`, catching panics and timing it.
pub fn evaluate<J, F, E>(job: &mut J, f: &F) -> Finished
where
    F: Fn(&mut J) -> Result<f64, E> + ?Sized,
    E: Display,
{
    let start = Instant::now();
    let outcome = match catch_unwind(AssertUnwindSafe(|| f(job))) {
        Ok(result) => Returned::from_result(result),
        Err(payload) => Returned::Panicked(panic_message(payload.as_ref())),
    };
    Finished {
        returned: outcome,
        duration_secs: start.elapsed().as_secs_f64(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic payload that is not a string".to_owned()
    }
}

/// A pool of `workers` threads that evaluates jobs.
#[derive(Debug)]
pub struct Evaluator {
    pool: rayon::ThreadPool,
    workers: usize,
}

impl Evaluator {
    /// A pool of `workers` threads.
    ///
    /// # Errors
    /// [`StudyError::ThreadPool`] if `workers == 0` or the threads cannot start.
    pub fn new(workers: usize) -> Result<Self, StudyError> {
        let fail = |reason: String| StudyError::ThreadPool { workers, reason };
        if workers == 0 {
            return Err(fail("at least one worker is needed".into()));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("autotune-worker-{i}"))
            .build()
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self { pool, workers })
    }

    /// Number of worker threads.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Evaluates every job in parallel and returns `done(job, evaluation)` for
    /// each, in job order. `done` runs on the worker thread as soon as its job
    /// ends; it must not panic.
    pub fn run_batch<J, R, F, E, D>(&self, jobs: Vec<J>, f: &F, done: &D) -> Vec<R>
    where
        J: Send,
        R: Send,
        F: Fn(&mut J) -> Result<f64, E> + Sync + ?Sized,
        E: Display,
        D: Fn(J, Finished) -> R + Sync + ?Sized,
    {
        self.pool.install(|| {
            jobs.into_par_iter()
                .with_max_len(1)
                .map(|mut job| {
                    let ev = evaluate(&mut job, f);
                    done(job, ev)
                })
                .collect()
        })
    }

    /// Evaluates jobs as workers free up: starts `initial` (at most `workers`
    /// of them are expected), and each time a job ends calls `next` with
    /// `done(job, evaluation)` on the calling thread; a job `next` returns is
    /// started at once. Returns when no job is left running. The order of
    /// completions depends on thread timing.
    pub fn run_async<J, R, F, E, D, N>(&self, initial: Vec<J>, f: &F, done: &D, mut next: N)
    where
        J: Send,
        R: Send,
        F: Fn(&mut J) -> Result<f64, E> + Sync + ?Sized,
        E: Display,
        D: Fn(J, Finished) -> R + Sync + ?Sized,
        N: FnMut(R) -> Option<J>,
    {
        let (tx, rx) = mpsc::channel::<R>();
        self.pool.in_place_scope(|scope| {
            let spawn = |mut job: J| {
                let tx = tx.clone();
                scope.spawn(move |_| {
                    let ev = evaluate(&mut job, f);
                    // The receiver outlives the scope: sending cannot fail.
                    let _ = tx.send(done(job, ev));
                });
            };
            let mut running = 0usize;
            for job in initial {
                spawn(job);
                running += 1;
            }
            while running > 0 {
                let Ok(result) = rx.recv() else { break };
                running -= 1;
                if let Some(job) = next(result) {
                    spawn(job);
                    running += 1;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    #[test]
    fn every_failure_is_classified() {
        let f = |x: &mut f64| -> Result<f64, String> {
            match *x as i64 {
                0 => Ok(1.5),
                1 => Ok(f64::NAN),
                2 => Ok(f64::NEG_INFINITY),
                3 => Err("no data".into()),
                4 => panic!("boom {}", 4),
                _ => std::panic::panic_any(17_u8),
            }
        };
        let states: Vec<TrialState> = (0..6)
            .map(|i| evaluate(&mut (i as f64), &f).returned.state())
            .collect();
        assert_eq!(states[0], TrialState::Complete { value: 1.5 });
        assert_eq!(
            states[1],
            TrialState::Diverged {
                reason: "objective returned NaN".into()
            }
        );
        assert_eq!(
            states[2],
            TrialState::Diverged {
                reason: "objective returned -inf".into()
            }
        );
        assert_eq!(
            states[3],
            TrialState::Failed {
                reason: "no data".into()
            }
        );
        assert_eq!(
            states[4],
            TrialState::Failed {
                reason: "panicked: boom 4".into()
            }
        );
        assert!(
            matches!(&states[5], TrialState::Failed { reason } if reason.starts_with("panicked: "))
        );
    }

    #[test]
    fn batch_keeps_job_order_and_runs_in_parallel() {
        let ev = Evaluator::new(2).unwrap();
        let active = AtomicUsize::new(0);
        let f = |x: &mut usize| -> Result<f64, String> {
            active.fetch_add(1, Ordering::SeqCst);
            // Wait (up to 10 s) for the other job to be running too: only
            // true parallelism lets both see 2. Job 1 then finishes first.
            let start = std::time::Instant::now();
            while active.load(Ordering::SeqCst) < 2 && start.elapsed().as_secs() < 10 {
                thread::sleep(Duration::from_millis(1));
            }
            let both = active.load(Ordering::SeqCst) >= 2;
            thread::sleep(Duration::from_millis(if *x == 0 { 30 } else { 0 }));
            Ok(if both { *x as f64 } else { -1.0 })
        };
        let out = ev.run_batch(vec![0_usize, 1], &f, &|j, e| (j, e.returned));
        assert_eq!(
            out,
            vec![(0, Returned::Value(0.0)), (1, Returned::Value(1.0))]
        );
    }

    #[test]
    fn async_refills_workers_until_next_declines() {
        let ev = Evaluator::new(2).unwrap();
        let f = |x: &mut usize| -> Result<f64, String> {
            thread::sleep(Duration::from_millis(5));
            Ok(*x as f64)
        };
        let mut seen = Vec::new();
        let mut started = 2;
        ev.run_async(vec![0_usize, 1], &f, &|j, _| j, |j| {
            seen.push(j);
            (started < 7).then(|| {
                started += 1;
                started - 1
            })
        });
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn zero_workers_is_an_error() {
        assert!(matches!(
            Evaluator::new(0),
            Err(StudyError::ThreadPool { workers: 0, .. })
        ));
    }
}
