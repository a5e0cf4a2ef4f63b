//! Budgets of `Study::optimize_within`: trials and wall-clock time.

use autotune::space::{Scale, SearchSpace};
use autotune::study::{Budget, Mode, StopReason, Study};
use std::time::Duration;

fn study(workers: usize, mode: Mode) -> Study {
    let space = SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    Study::builder(space)
        .workers(workers)
        .mode(mode)
        .seed(5)
        .build()
        .unwrap()
}

/// An objective that takes at least 40 ms.
fn slow(t: &mut autotune::study::Trial) -> autotune::study::ObjectiveResult {
    std::thread::sleep(Duration::from_millis(40));
    Ok(t.float("x")?)
}

#[test]
fn a_time_limit_starts_only_what_is_expected_to_fit() {
    for (workers, mode) in [
        (1, Mode::Synchronous),
        (2, Mode::Synchronous),
        (2, Mode::Asynchronous),
    ] {
        let mut s = study(workers, mode);
        let limit = Duration::from_millis(400);
        let spent = s.optimize_within(slow, Budget::time(limit)).unwrap();
        let n = spent.counts.total();
        assert_eq!(n, s.history().len());
        // Each trial sleeps 40 ms, so at most 10 fit per worker.
        assert!(
            n >= 1 && n <= 10 * workers,
            "{workers} {mode:?}: {n} trials"
        );
        let StopReason::Time {
            expected_secs,
            left_secs,
        } = spent.stopped
        else {
            panic!("{workers} {mode:?}: stopped by {:?}", spent.stopped);
        };
        assert!(expected_secs >= 0.04, "{expected_secs}");
        assert!(expected_secs > left_secs, "{expected_secs} {left_secs}");
        // Only trials expected to end within the limit were started: the
        // overrun is below the longest trial (a trial longer than the mean).
        let longest = s
            .history()
            .trials()
            .iter()
            .map(|t| t.duration_secs)
            .fold(0.0, f64::max);
        assert!(
            spent.elapsed_secs < limit.as_secs_f64() + longest,
            "{workers} {mode:?}: {} s against {longest} s trials",
            spent.elapsed_secs
        );
    }
}

#[test]
fn trials_and_time_stop_at_whichever_comes_first() {
    let mut s = study(1, Mode::Synchronous);
    let budget = Budget::trials(3).within(Duration::from_secs(3600));
    let spent = s.optimize_within(slow, budget).unwrap();
    assert_eq!(spent.counts.total(), 3);
    assert_eq!(spent.stopped, StopReason::Trials);
    // A limit of zero starts nothing; a set stop handle wins over the rest.
    let spent = s
        .optimize_within(slow, Budget::time(Duration::ZERO))
        .unwrap();
    assert_eq!(spent.counts.total(), 0);
    assert!(matches!(spent.stopped, StopReason::Time { .. }));
    s.stop_handle().stop();
    let spent = s.optimize_within(slow, Budget::trials(5)).unwrap();
    assert_eq!(
        (spent.counts.total(), spent.stopped),
        (0, StopReason::Stopped)
    );
    assert_eq!(s.history().len(), 3);
}

#[test]
fn a_time_limit_keeps_the_trials_of_the_seed() {
    // The trials a time limit lets run are those of the same seed without
    // one: a prefix of the study it would have been.
    let mut timed = study(2, Mode::Synchronous);
    timed
        .optimize_within(slow, Budget::time(Duration::from_millis(200)))
        .unwrap();
    let n = timed.history().len();
    let mut counted = study(2, Mode::Synchronous);
    counted.optimize(slow, n).unwrap();
    let params = |s: &Study| -> Vec<_> {
        s.history()
            .trials()
            .iter()
            .map(|t| t.params.clone())
            .collect()
    };
    assert_eq!(params(&timed), params(&counted));
}
