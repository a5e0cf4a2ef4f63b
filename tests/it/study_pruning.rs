//! Pruners inside a study: bad trials stop early, the best one runs to the end.

use autotune::history::{TrialRecord, TrialState};
use autotune::pruner::{MedianPruner, MinResource, Pruner, SuccessiveHalvingPruner};
use autotune::space::{Params, Scale, SearchSpace};
use autotune::study::{ObjectiveResult, Study, Trial};

const STEPS: usize = 10;

/// A training-like curve: `(x - 0.3)^2 + 1/(step + 1)`, decreasing in the step,
/// best at `x = 0.3`.
fn curve(trial: &mut Trial) -> ObjectiveResult {
    let x = trial.float("x")?;
    let mut value = f64::NAN;
    for step in 0..STEPS {
        value = (x - 0.3).powi(2) + 1.0 / (step + 1) as f64;
        trial.report(step, value);
        if trial.should_prune() {
            return Ok(value);
        }
    }
    Ok(value)
}

fn run<P: Pruner + 'static>(pruner: P, xs: &[f64], workers: usize) -> Vec<TrialRecord> {
    let space = SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let mut study = Study::builder(space)
        .pruner(pruner)
        .workers(workers)
        .build()
        .unwrap();
    for &x in xs {
        assert!(study.enqueue(Params::new().with("x", x)).unwrap());
    }
    study.optimize(curve, xs.len()).unwrap();
    study.history().trials().to_vec()
}

#[test]
fn median_pruner_stops_an_obviously_bad_trial_and_not_the_best() {
    // Six middling start-up trials, then an obviously bad one and the best one
    // (with two workers they form the batch after the start-up trials, which
    // is judged against the six).
    let xs = [0.5, 0.6, 0.7, 0.4, 0.45, 0.35, 1.0, 0.3];
    for workers in [1, 2] {
        let trials = run(MedianPruner::default(), &xs, workers);
        for t in &trials[..6] {
            assert!(matches!(t.state, TrialState::Complete { .. }), "{t:?}");
        }
        // x = 1.0 reports 0.49 + 1 at step 0, above the start-up median 0.03125 + 1.
        assert_eq!(
            trials[6].state,
            TrialState::Pruned {
                step: 0,
                value: Some(1.49)
            },
            "workers = {workers}"
        );
        assert_eq!(trials[6].intermediate.len(), 1);
        assert_eq!(trials[7].state, TrialState::Complete { value: 0.1 });
        assert_eq!(trials[7].intermediate.len(), STEPS);
    }
}

#[test]
fn trials_of_one_batch_do_not_judge_each_other() {
    // With two workers, trials 4 and 5 run together against a snapshot of
    // four complete trials: below the five start-up trials, so no pruning.
    let trials = run(MedianPruner::default(), &[0.5, 0.6, 0.7, 0.4, 0.45, 1.0], 2);
    assert!(matches!(trials[5].state, TrialState::Complete { .. }));
    let trials = run(MedianPruner::default(), &[0.5, 0.6, 0.7, 0.4, 0.45, 1.0], 1);
    assert!(matches!(
        trials[5].state,
        TrialState::Pruned { step: 0, .. }
    ));
}

#[test]
fn median_pruner_waits_for_its_startup_trials() {
    // The bad trial comes fourth: only three trials are complete, no pruning.
    let trials = run(MedianPruner::default(), &[0.5, 0.6, 0.7, 1.0], 1);
    assert!(
        trials
            .iter()
            .all(|t| matches!(t.state, TrialState::Complete { .. }))
    );
}

#[test]
fn successive_halving_prunes_at_rung_ends() {
    let sh = SuccessiveHalvingPruner::default()
        .min_resource(MinResource::Steps(1))
        .reduction_factor(2);
    // Rungs end at steps 1, 2, 4, 8. The first trial has no competitor and runs on.
    let trials = run(sh, &[0.3, 0.5, 0.9, 0.35, 1.0], 1);
    assert_eq!(trials[0].state, TrialState::Complete { value: 0.1 });
    // x = 0.5 at step 1 is second of 2 values: top floor(2/2) = 1 -> pruned at step 1.
    assert!(matches!(
        trials[1].state,
        TrialState::Pruned { step: 1, .. }
    ));
    assert!(matches!(
        trials[2].state,
        TrialState::Pruned { step: 1, .. }
    ));
    // x = 0.35 is second of 4 at step 1 (top 2: promoted), then second of 2 at step 2.
    assert!(matches!(
        trials[3].state,
        TrialState::Pruned { step: 2, .. }
    ));
    assert!(matches!(
        trials[4].state,
        TrialState::Pruned { step: 1, .. }
    ));
}
