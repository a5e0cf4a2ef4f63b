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
//! At most `workers` evaluations run side by side, one per thread of the
//! evaluator's pool, and any rayon parallelism inside an evaluation stays
//! within the pool instead of oversubscribing the cores. The pool is started
//! when the first jobs arrive, with as many threads as jobs can be in flight
//! (`min(workers, jobs)`), and grows (up to `workers`) only when a later call
//! has more: 4 jobs on 8 workers start 4 threads. [`check_workers`] bounds
//! `workers` by the machine: more than [`WORKERS_PER_CORE`] per available core
//! is an error, more than one per core a warning.
//!
//! A panic inside an objective still goes through the process's panic hook
//! (by default it prints a message to stderr) before it is caught.

use crate::error::{ConfigError, StudyError, Warning};
use crate::history::TrialState;
use rayon::prelude::*;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Instant;

/// Most workers per available core: a study with more is refused, since the
/// extra threads only share the cores (and a typo such as `100000` would
/// start that many threads).
pub const WORKERS_PER_CORE: usize = 4;

/// The cores this process may use ([`std::thread::available_parallelism`]),
/// 1 if that cannot be told.
#[must_use]
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The most workers a study accepts on this machine:
/// [`WORKERS_PER_CORE`] × [`available_cores`].
#[must_use]
pub fn max_workers() -> usize {
    WORKERS_PER_CORE.saturating_mul(available_cores())
}

/// Checks a worker count against the machine: `Ok(None)` up to one worker
/// per available core, `Ok(Some(warning))` up to [`max_workers`] (the
/// trials then share the cores and each runs slower).
///
/// # Errors
/// [`ConfigError::Invalid`] naming `workers` for 0, or for more than
/// [`max_workers`] (the message gives the core count).
pub fn check_workers(workers: usize) -> Result<Option<Warning>, ConfigError> {
    let cores = available_cores();
    let invalid = |reason: String| ConfigError::Invalid {
        name: "workers",
        reason,
    };
    if workers == 0 {
        return Err(invalid("at least one worker is needed".into()));
    }
    let cores_text = if cores == 1 {
        "1 core".to_owned()
    } else {
        format!("{cores} cores")
    };
    if workers > max_workers() {
        return Err(invalid(format!(
            "{workers} workers is more than {WORKERS_PER_CORE} per core: this machine has \
             {cores_text}, so at most {} workers",
            max_workers()
        )));
    }
    Ok((workers > cores).then(|| {
        Warning::new(
            "workers",
            format!(
                "{workers} workers on {cores_text}: trials share the cores, so each runs \
                 slower (at most {cores} at full speed)"
            ),
        )
    }))
}

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

/// Evaluates jobs on at most `workers` threads, started when jobs arrive
/// (see the module docs).
#[derive(Debug)]
pub struct Evaluator {
    workers: usize,
    /// The pool, once started: `min(workers, most jobs in flight so far)` threads.
    pool: Mutex<Option<Arc<rayon::ThreadPool>>>,
}

impl Evaluator {
    /// An evaluator of at most `workers` jobs at once; no thread starts yet.
    ///
    /// # Errors
    /// [`StudyError::ThreadPool`] if `workers == 0`.
    pub fn new(workers: usize) -> Result<Self, StudyError> {
        if workers == 0 {
            return Err(StudyError::ThreadPool {
                workers,
                reason: "at least one worker is needed".into(),
            });
        }
        Ok(Self {
            workers,
            pool: Mutex::new(None),
        })
    }

    /// Most jobs evaluated at once.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Threads started so far (0 before the first jobs).
    #[cfg(test)]
    fn threads(&self) -> usize {
        self.lock_pool()
            .as_ref()
            .map_or(0, |p| p.current_num_threads())
    }

    fn lock_pool(&self) -> std::sync::MutexGuard<'_, Option<Arc<rayon::ThreadPool>>> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pool with at least `min(workers, in_flight)` threads: the current
    /// one if large enough, else a new one of that size.
    fn pool(&self, in_flight: usize) -> Result<Arc<rayon::ThreadPool>, StudyError> {
        let threads = in_flight.clamp(1, self.workers);
        let mut slot = self.lock_pool();
        if let Some(pool) = slot.as_ref()
            && pool.current_num_threads() >= threads
        {
            return Ok(Arc::clone(pool));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("autotune-worker-{i}"))
            .build()
            .map_err(|e| StudyError::ThreadPool {
                workers: threads,
                reason: e.to_string(),
            })?;
        let pool = Arc::new(pool);
        *slot = Some(Arc::clone(&pool));
        Ok(pool)
    }

    /// Evaluates every job in parallel and returns `done(job, evaluation)` for
    /// each, in job order. `done` runs on the worker thread as soon as its job
    /// ends; it must not panic.
    ///
    /// # Errors
    /// [`StudyError::ThreadPool`] if the threads cannot start (no job runs).
    pub fn run_batch<J, R, F, E, D>(
        &self,
        jobs: Vec<J>,
        f: &F,
        done: &D,
    ) -> Result<Vec<R>, StudyError>
    where
        J: Send,
        R: Send,
        F: Fn(&mut J) -> Result<f64, E> + Sync + ?Sized,
        E: Display,
        D: Fn(J, Finished) -> R + Sync + ?Sized,
    {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.pool(jobs.len())?.install(|| {
            jobs.into_par_iter()
                .with_max_len(1)
                .map(|mut job| {
                    let ev = evaluate(&mut job, f);
                    done(job, ev)
                })
                .collect()
        }))
    }

    /// Evaluates jobs as workers free up: starts `initial` (at most `workers`
    /// of them are expected), and each time a job ends calls `next` with
    /// `done(job, evaluation)` on the calling thread; a job `next` returns is
    /// started at once. Returns when no job is left running. The order of
    /// completions depends on thread timing. At most `initial.len()` jobs
    /// are ever in flight, so that many threads are started.
    ///
    /// # Errors
    /// [`StudyError::ThreadPool`] if the threads cannot start (no job runs).
    pub fn run_async<J, R, F, E, D, N>(
        &self,
        initial: Vec<J>,
        f: &F,
        done: &D,
        mut next: N,
    ) -> Result<(), StudyError>
    where
        J: Send,
        R: Send,
        F: Fn(&mut J) -> Result<f64, E> + Sync + ?Sized,
        E: Display,
        D: Fn(J, Finished) -> R + Sync + ?Sized,
        N: FnMut(R) -> Option<J>,
    {
        if initial.is_empty() {
            return Ok(());
        }
        let pool = self.pool(initial.len())?;
        let (tx, rx) = mpsc::channel::<R>();
        pool.in_place_scope(|scope| {
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
        Ok(())
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
        let out = ev
            .run_batch(vec![0_usize, 1], &f, &|j, e| (j, e.returned))
            .unwrap();
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
        })
        .unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }

    /// Never more threads than jobs in flight: 3 jobs on 8 workers start 3
    /// threads, a later batch of 5 grows the pool to 5, a batch of 2 keeps it.
    #[test]
    fn threads_follow_the_jobs_in_flight() {
        let ev = Evaluator::new(8).unwrap();
        assert_eq!(ev.threads(), 0);
        let f = |_: &mut usize| -> Result<f64, String> { Ok(rayon::current_num_threads() as f64) };
        let seen = |out: Vec<Returned>| -> Vec<f64> {
            out.into_iter()
                .map(|r| match r {
                    Returned::Value(v) => v,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let run = |n: usize| seen(ev.run_batch(vec![0; n], &f, &|_, e| e.returned).unwrap());
        assert_eq!(run(3), vec![3.0; 3]);
        assert_eq!(ev.threads(), 3);
        assert_eq!(run(5), vec![5.0; 5]);
        assert_eq!(run(2), vec![5.0; 2]);
        assert_eq!(run(20), vec![8.0; 20]);
        assert_eq!(ev.threads(), 8);
        let ev = Evaluator::new(8).unwrap();
        let mut threads = Vec::new();
        ev.run_async(vec![0_usize; 2], &f, &|_, e| e.returned, |r| {
            threads.push(r);
            None
        })
        .unwrap();
        assert_eq!(seen(threads), vec![2.0; 2]);
    }

    #[test]
    fn worker_counts_are_checked_against_the_cores() {
        let cores = available_cores();
        assert_eq!(check_workers(1), Ok(None));
        assert_eq!(check_workers(cores), Ok(None));
        let w = check_workers(cores + 1).unwrap().unwrap();
        assert_eq!(w.cause, "workers");
        assert!(w.message.contains(&format!("{} workers", cores + 1)), "{w}");
        assert!(check_workers(max_workers()).is_ok());
        for bad in [0, max_workers() + 1, 100_000, usize::MAX] {
            assert!(
                matches!(
                    check_workers(bad),
                    Err(ConfigError::Invalid {
                        name: "workers",
                        ..
                    })
                ),
                "{bad}"
            );
        }
        let e = check_workers(max_workers() + 1).unwrap_err().to_string();
        assert!(e.contains(&format!("{cores} core")), "{e}");
    }

    #[test]
    fn zero_workers_is_an_error() {
        assert!(matches!(
            Evaluator::new(0),
            Err(StudyError::ThreadPool { workers: 0, .. })
        ));
    }
}
