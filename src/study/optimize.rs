//! The optimisation loops: synchronous batches and asynchronous refills.

use super::budget::{Budget, Clock, Spent, StopReason};
use super::{Counts, Mode, ObjectiveResult, StopHandle, Study, Trial, lock, make_record};
use crate::Result;
use crate::eval::Finished;
use crate::history::TrialRecord;

impl Study {
    /// Runs `n_trials` more trials of `objective` (see [`ObjectiveResult`]
    /// for how its results are recorded) on the study's workers and
    /// returns how the trials of this call ended. Trials left unfinished by an
    /// interrupted run (see [`Study::builder`]'s `resume`) are run first and
    /// count toward `n_trials`.
    ///
    /// Failed, diverged and pruned trials are recorded and the study goes on;
    /// only a sampler failure or a storage failure stops it (the trials
    /// finished so far stay recorded). A study shared through a database
    /// also stops when the study's budget is reached (by all its workers):
    /// run a worker with `optimize(objective, usize::MAX)`.
    ///
    /// **Stopping.** Once the study's [`StopHandle`] is set (see
    /// [`Study::stop_handle`]), no further trial is asked: the trials running
    /// finish and are recorded, and `optimize` returns `Ok` with the counts
    /// of the trials it ran, fewer than `n_trials` (compare `counts.total()`
    /// with `n_trials`, or look at [`StopHandle::is_stopped`]).
    ///
    /// # Errors
    /// A sampler failure; a journal write failure;
    /// [`StudyError::ThreadPool`](crate::error::StudyError::ThreadPool) if
    /// the worker threads cannot start.
    pub fn optimize<F>(&mut self, objective: F, n_trials: usize) -> Result<Counts>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        Ok(self
            .optimize_within(objective, Budget::trials(n_trials))?
            .counts)
    }

    /// [`Study::optimize`] within a [`Budget`] of trials and wall-clock
    /// time: trials are started while the budget's trials are not all run
    /// and, with a time limit, while the next trial (synchronous batch) is
    /// expected to end within it (see [`super::budget`]); returns what was
    /// spent and why it stopped.
    ///
    /// # Errors
    /// As [`Study::optimize`].
    pub fn optimize_within<F>(&mut self, objective: F, budget: Budget) -> Result<Spent>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        self.observers.each(|o| o.run_started(budget.trials));
        let mut clock = Clock::start(budget.time);
        let (counts, stopped) = match self.mode {
            Mode::Synchronous => self.run_synchronous(&objective, budget.trials, &mut clock),
            Mode::Asynchronous => self.run_asynchronous(&objective, budget.trials, &mut clock),
        }?;
        Ok(Spent {
            counts,
            elapsed_secs: clock.elapsed_secs(),
            stopped,
        })
    }

    /// The study's stop flag: set it (from any thread) to make
    /// [`Study::optimize`] return after the trials it is running.
    #[must_use]
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Makes `stop` this study's stop flag (for a flag made before the study,
    /// as `autotune` is given one).
    pub(crate) fn share_stop_handle(&mut self, stop: StopHandle) {
        self.stop = stop;
    }

    /// The job each worker runs, and the callback that records it in the
    /// journal on the worker thread.
    fn done_fn(&self) -> impl Fn(Trial, Finished) -> Result<TrialRecord> + Sync + use<> {
        let storage = std::sync::Arc::clone(&self.storage);
        move |trial: Trial, ev: Finished| {
            let record = make_record(&trial, &ev.returned, ev.duration_secs);
            lock(&storage).tell(&record)?;
            Ok(record)
        }
    }

    fn run_synchronous<F>(
        &mut self,
        objective: &F,
        n_trials: usize,
        clock: &mut Clock,
    ) -> Result<(Counts, StopReason)>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        let evaluator = std::sync::Arc::clone(&self.evaluator);
        let done = self.done_fn();
        let run = |t: &mut Trial| objective(t);
        let mut counts = Counts::default();
        let stopped = loop {
            if counts.total() >= n_trials {
                break StopReason::Trials;
            }
            if self.stop.is_stopped() {
                break StopReason::Stopped;
            }
            if let Some(over) = clock.over() {
                break over;
            }
            let started = std::time::Instant::now();
            let q = evaluator.workers().min(n_trials - counts.total());
            let batch = if self.unfinished.is_empty() {
                let batch = self.ask_batch(q)?;
                if batch.is_empty() {
                    break StopReason::StudyBudget;
                }
                batch
            } else {
                let k = q.min(self.unfinished.len());
                let us: Vec<_> = self.unfinished.drain(..k).collect();
                us.into_iter().map(|u| self.start_unfinished(u)).collect()
            };
            let results = evaluator.run_batch(batch, &run, &done)?;
            let mut first_error = None;
            for r in results {
                match r {
                    Ok(record) => {
                        counts.add(&record.state);
                        self.record(record, counts.total(), n_trials);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
            clock.finished(started.elapsed().as_secs_f64());
        };
        Ok((counts, stopped))
    }

    fn run_asynchronous<F>(
        &mut self,
        objective: &F,
        n_trials: usize,
        clock: &mut Clock,
    ) -> Result<(Counts, StopReason)>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        let evaluator = std::sync::Arc::clone(&self.evaluator);
        let done = self.done_fn();
        let run = |t: &mut Trial| objective(t);
        let mut counts = Counts::default();
        let mut error = None;
        let mut initial = Vec::new();
        let mut to_start = n_trials;
        let stop = self.stop.clone();
        // Why no more trials start; the first reason seen.
        let mut stopped = None;
        // Whether another trial may start now, and if not, why.
        let may_start = |to_start: usize, clock: &Clock| -> Option<StopReason> {
            if to_start == 0 {
                Some(StopReason::Trials)
            } else if stop.is_stopped() {
                Some(StopReason::Stopped)
            } else {
                clock.over()
            }
        };
        while initial.len() < evaluator.workers() {
            if let Some(reason) = may_start(to_start, clock) {
                stopped = Some(reason);
                break;
            }
            let Some(trial) = self.try_ask()? else {
                stopped = Some(StopReason::StudyBudget);
                break;
            };
            initial.push(trial);
            to_start -= 1;
        }
        if initial.is_empty() {
            return Ok((counts, stopped.unwrap_or(StopReason::Trials)));
        }
        evaluator.run_async(initial, &run, &done, |result| {
            match result {
                Ok(record) => {
                    clock.finished(record.duration_secs);
                    counts.add(&record.state);
                    self.record(record, counts.total(), n_trials);
                }
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
            if error.is_some() || stopped.is_some() {
                return None;
            }
            if let Some(reason) = may_start(to_start, clock) {
                stopped = Some(reason);
                return None;
            }
            match self.try_ask() {
                Ok(Some(t)) => {
                    to_start -= 1;
                    Some(t)
                }
                Ok(None) => {
                    stopped = Some(StopReason::StudyBudget);
                    None
                }
                Err(e) => {
                    error = Some(e);
                    None
                }
            }
        })?;
        match error {
            Some(e) => Err(e),
            None => Ok((counts, stopped.unwrap_or(StopReason::Trials))),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::space::{Scale, SearchSpace};
    use crate::study::{Mode, Observer, Progress, Study};
    use std::sync::{Arc, Mutex};

    fn space() -> SearchSpace {
        SearchSpace::builder()
            .float("x", -1.0..=1.0, Scale::Linear)
            .build()
            .unwrap()
    }

    fn study(workers: usize, mode: Mode) -> Study {
        Study::builder(space())
            .workers(workers)
            .mode(mode)
            .seed(3)
            .build()
            .unwrap()
    }

    #[test]
    fn a_stop_lets_the_running_batch_finish_and_asks_no_more() {
        let mut s = study(2, Mode::Synchronous);
        let stop = s.stop_handle();
        // Trial 2 (in the second batch of two) asks to stop: its batch
        // finishes, the third is never asked.
        let counts = s
            .optimize(
                |t| {
                    if t.number() == 2 {
                        stop.stop();
                    }
                    Ok(t.float("x")?)
                },
                10,
            )
            .unwrap();
        assert_eq!(counts.total(), 4);
        let numbers: Vec<usize> = s.history().trials().iter().map(|t| t.number).collect();
        assert_eq!(numbers, [0, 1, 2, 3]);
        // Still stopped: the next call runs nothing; reset, it runs again.
        assert_eq!(s.optimize(|t| Ok(t.float("x")?), 5).unwrap().total(), 0);
        stop.reset();
        assert_eq!(s.optimize(|t| Ok(t.float("x")?), 5).unwrap().total(), 5);
        assert_eq!(s.history().len(), 9);
    }

    #[test]
    fn a_stop_in_asynchronous_mode_starts_no_new_trial() {
        let mut s = study(2, Mode::Asynchronous);
        let stop = s.stop_handle();
        // Both workers start a trial before either ends; the first to end
        // has stopped the study, so no third trial starts.
        let counts = s
            .optimize(
                |t| {
                    stop.stop();
                    Ok(t.float("x")?)
                },
                10,
            )
            .unwrap();
        assert_eq!(counts.total(), 2);
        assert_eq!(s.history().len(), 2);
    }

    #[test]
    fn a_stopped_journaled_study_resumes_to_the_uninterrupted_one() {
        let dir = tempfile::tempdir().unwrap();
        let build = |path: &std::path::Path| {
            Study::builder(space())
                .workers(2)
                .seed(11)
                .journal(path)
                .resume(true)
                .build()
                .unwrap()
        };
        let f = |t: &mut crate::study::Trial| Ok((t.float("x")? - 0.3).powi(2));
        let path = dir.path().join("a.jsonl");
        let mut a = build(&path);
        let stop = a.stop_handle();
        let stopping = |t: &mut crate::study::Trial| {
            if t.number() == 4 {
                stop.stop();
            }
            f(t)
        };
        assert_eq!(a.optimize(stopping, 9).unwrap().total(), 6);
        drop(a);
        let journal = crate::study::read_journal(&path).unwrap();
        assert_eq!(journal.trials.len(), 6);
        assert!(journal.unfinished.is_empty(), "the running batch finished");
        let mut a = build(&path);
        assert_eq!(a.optimize(f, 3).unwrap().total(), 3);
        let mut b = build(&dir.path().join("b.jsonl"));
        b.optimize(f, 9).unwrap();
        let strip = |s: &Study| -> Vec<_> {
            s.history()
                .trials()
                .iter()
                .map(|t| (t.number, t.params.clone(), t.state.clone()))
                .collect()
        };
        assert_eq!(strip(&a), strip(&b));
    }

    /// What a recording observer saw.
    #[derive(Debug, Clone, PartialEq)]
    enum Seen {
        Step(usize, usize, f64),
        Finished(usize),
    }

    struct Recorder(Arc<Mutex<Vec<Seen>>>);

    impl Observer for Recorder {
        fn trial_progress(&mut self, trial: usize, step: usize, value: f64) {
            self.0.lock().unwrap().push(Seen::Step(trial, step, value));
        }
        fn trial_finished(&mut self, p: &Progress<'_>) {
            self.0.lock().unwrap().push(Seen::Finished(p.trial.number));
        }
    }

    #[test]
    fn observers_follow_every_step_of_running_trials() {
        for mode in [Mode::Synchronous, Mode::Asynchronous] {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut s = Study::builder(space())
                .workers(2)
                .mode(mode)
                .observer(Recorder(Arc::clone(&seen)))
                .build()
                .unwrap();
            s.optimize(
                |t| {
                    let n = t.number() as f64;
                    for step in 1..=3 {
                        t.report(step, 10.0 * n + step as f64);
                    }
                    t.report(2, -1.0); // a step reported twice is told once
                    Ok(n)
                },
                5,
            )
            .unwrap();
            let seen = seen.lock().unwrap().clone();
            for n in 0..5 {
                // Each trial's steps, in order, all before it is recorded.
                let mine: Vec<&Seen> = seen
                    .iter()
                    .filter(|e| matches!(e, Seen::Step(t, ..) | Seen::Finished(t) if *t == n))
                    .collect();
                let want: Vec<Seen> = (1..=3)
                    .map(|s| Seen::Step(n, s, 10.0 * n as f64 + s as f64))
                    .chain([Seen::Finished(n)])
                    .collect();
                assert_eq!(mine, want.iter().collect::<Vec<_>>(), "{mode:?} trial {n}");
            }
            assert_eq!(seen.len(), 5 * 4, "{mode:?}");
        }
    }

    #[test]
    fn steps_reported_by_hand_reach_the_observers() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut s = Study::builder(space())
            .observer(Recorder(Arc::clone(&seen)))
            .build()
            .unwrap();
        let mut t = s.ask().unwrap();
        t.report(1, 0.5);
        t.report(4, 0.25);
        s.tell(t, 0.25).unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [
                Seen::Step(0, 1, 0.5),
                Seen::Step(0, 4, 0.25),
                Seen::Finished(0)
            ]
        );
    }
}
