//! `autotune()`: settings, reproducibility, cross-validation, regression,
//! reports and journals.

use crate::helpers::strip;
use autotune::Error;
use autotune::data::{Builtin, Dataset, Split, SplitFractions};
use autotune::error::ConfigError;
use autotune::history::{Direction, TrialState};
use autotune::nn::Schedule;
use autotune::space::Domain;
use autotune::tune::{
    AutotuneConfig, Label, PrunerConfig, SamplerConfig, TuneObjective, TuneReport, TuneSpace,
    autotune, names,
};

fn iris() -> Split {
    Dataset::builtin(Builtin::Iris)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 1)
        .unwrap()
}

/// A small, quick configuration: 6 trials of at most 15 epochs.
fn quick() -> AutotuneConfig {
    AutotuneConfig::default()
        .n_trials(6)
        .seed(3)
        .space(TuneSpace::default().epochs(Domain::fixed(15)))
}

fn invalid(result: Result<TuneReport, Error>, name: &str) {
    match result {
        Err(Error::Config(ConfigError::Invalid { name: n, .. })) => assert_eq!(n, name),
        other => panic!("{name}: expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn invalid_settings_are_rejected_before_training() {
    let s = iris();
    invalid(autotune(&s, &quick().n_trials(0)), "n_trials");
    invalid(autotune(&s, &quick().workers(0)), "workers");
    invalid(
        autotune(&s, &quick().timeout(std::time::Duration::ZERO)),
        "timeout",
    );
    invalid(autotune(&s, &quick().cv_folds(Some(1))), "cv_folds");
    invalid(autotune(&s, &quick().patience(Some(0))), "patience");
    invalid(
        autotune(
            &s,
            &quick().space(TuneSpace::default().epochs(Domain::fixed(0))),
        ),
        names::EPOCHS,
    );
    invalid(
        autotune(&s, &quick().objective(TuneObjective::Rmse)),
        "objective",
    );
    let no_valid = Dataset::builtin(Builtin::Iris)
        .unwrap()
        .split(SplitFractions::new(0.8, 0.0, 0.2), 1)
        .unwrap();
    invalid(autotune(&no_valid, &quick()), "split");
    // With cross-validation, no validation part is needed.
    let r = autotune(&no_valid, &quick().n_trials(2).cv_folds(Some(3))).unwrap();
    assert_eq!(r.counts.total(), 2);
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let s = iris();
    for workers in [1, 2] {
        let config = quick().workers(workers);
        let a = autotune(&s, &config).unwrap();
        let b = autotune(&s, &config).unwrap();
        assert_eq!(strip(&a.trials), strip(&b.trials), "workers = {workers}");
        assert_eq!(a.best, b.best);
        assert_eq!(a.test, b.test);
        assert_eq!(a.epochs, b.epochs);
    }
    let other = autotune(&s, &quick().seed(4)).unwrap();
    assert_ne!(
        strip(&autotune(&s, &quick()).unwrap().trials),
        strip(&other.trials)
    );
}

#[test]
fn report_counts_trials_and_epochs_and_serialises() {
    let s = iris();
    let r = autotune(&s, &quick().n_trials(8).pruner(PrunerConfig::default())).unwrap();
    let c = &r.counts;
    assert_eq!(c.total(), 8);
    assert_eq!(c.complete + c.pruned + c.failed + c.diverged, 8);
    assert_eq!(r.n_trials, 8);
    // Every epoch of every trial is on its curve (one fold).
    let on_curves: usize = r.trials.iter().map(|t| t.intermediate.len()).sum();
    assert_eq!(r.epochs, on_curves);
    // Both kinds of curve occur (measured: 5 complete, 3 pruned), so the
    // per-state checks below all run (the complete one used to sit in an
    // `if` that could have matched nothing).
    assert!(c.complete > 0 && c.pruned > 0, "{c:?}");
    for trial in &r.trials {
        let steps: Vec<usize> = trial.intermediate.iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, (1..=steps.len()).collect::<Vec<_>>());
        // A complete trial ran all 15 epochs, a pruned one stopped at its step.
        let expected = match trial.state {
            TrialState::Complete { .. } => 15,
            TrialState::Pruned { step, .. } => step,
            _ => steps.len(),
        };
        assert_eq!(steps.len(), expected, "{:?}", trial.state);
    }
    assert_eq!(r.direction, Direction::Minimize);
    // The best value is the lowest validation loss of its curve.
    let best = &r.trials[r.best.number];
    let min = best
        .intermediate
        .iter()
        .map(|(_, v)| *v)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(r.best.value, min);
    assert_eq!(best.intermediate[r.best.best_epoch - 1].1, min);
    let json = serde_json::to_string(&r).unwrap();
    let back: TuneReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.trials, r.trials);
    assert_eq!(back.best, r.best);
    assert_eq!((back.counts, back.epochs), (r.counts, r.epochs));
    assert_eq!(back.space, r.space);
    // The default final model: the (up to) five best complete trials retrained.
    assert!(back.model.is_empty() && r.model.len() == c.complete.min(5));
}

#[test]
fn cross_validation_trains_every_fold() {
    let s = iris();
    let r = autotune(
        &s,
        &quick()
            .n_trials(3)
            .cv_folds(Some(3))
            .pruner(PrunerConfig::None)
            .objective(TuneObjective::Accuracy),
    )
    .unwrap();
    assert_eq!(r.direction, Direction::Maximize);
    assert_eq!(r.counts.complete, 3);
    assert_eq!(r.epochs, 3 * 3 * 15);
    // Chance is 1/3 (10 test rows per class); measured 0.967.
    assert!(r.test.as_ref().unwrap().accuracy.unwrap() > 0.5);
}

#[test]
fn regression_reports_rmse_in_the_targets_units() {
    let split = Dataset::builtin(Builtin::Diabetes)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 5)
        .unwrap();
    let r = autotune(
        &split,
        &quick()
            .n_trials(4)
            .objective(TuneObjective::Rmse)
            .sampler(SamplerConfig::Random),
    )
    .unwrap();
    // Diabetes progression scores range over 25..=346 with a standard
    // deviation near 77: an RMSE in those units lies far above the
    // standardised scale (below ~1.5), and below that of predicting the
    // training mean (the old upper bound, 120, was worse than that model).
    // Measured: test 57.8 against 84.3, validation 54.8 against 75.2.
    let train = split.train.target().values().unwrap();
    let train_mean = train.iter().sum::<f64>() / train.len() as f64;
    let mean_rmse = |part: &Dataset| {
        let y = part.target().values().unwrap();
        (y.iter().map(|v| (v - train_mean).powi(2)).sum::<f64>() / y.len() as f64).sqrt()
    };
    let rmse = r.test.as_ref().unwrap().rmse.unwrap();
    let baseline = mean_rmse(&split.test);
    assert!(rmse > 30.0 && rmse < baseline, "{rmse} vs {baseline}");
    let baseline = mean_rmse(&split.validation);
    assert!(
        r.best.value > 30.0 && r.best.value < baseline,
        "{} vs {baseline}",
        r.best.value
    );
    assert!(r.test.as_ref().unwrap().accuracy.is_none());
}

#[test]
fn a_journaled_run_resumes_to_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tune.jsonl");
    let s = iris();
    let first = autotune(&s, &quick().n_trials(3).journal(&path)).unwrap();
    assert_eq!(first.counts.total(), 3);
    let resumed = autotune(&s, &quick().journal(&path).resume(true)).unwrap();
    let straight = autotune(&s, &quick()).unwrap();
    assert_eq!(strip(&resumed.trials), strip(&straight.trials));
    assert_eq!(resumed.best, straight.best);
    assert_eq!(resumed.test, straight.test);
}

/// Schedules with settings are journaled as their labels (never `Debug`
/// text), and each label leads back to its schedule: in every trial, in the
/// best configuration, and on resume.
#[test]
fn schedules_with_settings_are_journaled_as_labels_and_resume() {
    let cosine = Schedule::Cosine {
        steps: 15,
        floor: 0.01,
    };
    let warm = Schedule::Cosine {
        steps: 13,
        floor: 0.01,
    }
    .with_warmup(2);
    let labels = [
        "cosine(steps=15,floor=0.01)",
        "warmup(steps=2,then=cosine(steps=13,floor=0.01))",
    ];
    let space = TuneSpace::default().schedule([cosine.clone(), warm.clone()]);
    let config = quick().sampler(SamplerConfig::Random).space(space.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tune.jsonl");
    let s = iris();
    autotune(&s, &config.clone().n_trials(3).journal(&path)).unwrap();
    let journal = std::fs::read_to_string(&path).unwrap();
    assert!(
        labels
            .iter()
            .any(|l| journal.contains(&format!(r#""schedule":"{l}""#))),
        "{journal}"
    );
    assert!(!journal.contains("Cosine"), "{journal}");

    let resumed = autotune(&s, &config.clone().journal(&path).resume(true)).unwrap();
    let straight = autotune(&s, &config).unwrap();
    assert_eq!(strip(&resumed.trials), strip(&straight.trials));
    assert_eq!(resumed.best, straight.best);
    for t in &resumed.trials {
        let label = t.params.categorical(names::SCHEDULE).unwrap();
        let schedule = space.train_config(&t.params, 0).unwrap().schedule;
        let expected = if label == labels[0] { &cosine } else { &warm };
        assert!(labels.contains(&label), "{label}");
        assert_eq!(&schedule, expected, "{label}");
    }
    let best = resumed.best.params.categorical(names::SCHEDULE).unwrap();
    assert_eq!(resumed.best.train_config.schedule.label(), best);
}

/// Whatever the objective, a trial is scored at one recorded epoch and the
/// best configuration is retrained for exactly that many epochs. With the
/// accuracy objective the value is the accuracy at the epoch of lowest
/// validation loss, which is often not the epoch of peak accuracy (the
/// earlier code retrained for the latter).
#[test]
fn retraining_runs_the_epochs_that_were_scored() {
    let s = iris();
    let r = autotune(
        &s,
        &quick()
            .objective(TuneObjective::Accuracy)
            .pruner(PrunerConfig::None),
    )
    .unwrap();
    for t in &r.trials {
        let TrialState::Complete { value } = t.state else {
            continue;
        };
        let e = t.scored_step.expect("autotune records the scored epoch");
        assert!((1..=15).contains(&e), "{e}");
        // The curve holds the accuracy after each epoch: the value is its
        // entry at the scored epoch, exactly.
        assert_eq!(t.intermediate[e - 1], (e, value));
    }
    let best = &r.trials[r.best.number];
    assert_eq!(Some(r.best.best_epoch), best.scored_step);
    // With cross-validation the scored epoch is shared by the folds and the
    // value is their mean there, so it need not be on the first fold's curve;
    // it is still recorded and used for the retraining.
    let cv = autotune(
        &s,
        &quick()
            .n_trials(3)
            .cv_folds(Some(3))
            .pruner(PrunerConfig::None),
    )
    .unwrap();
    let best = &cv.trials[cv.best.number];
    assert_eq!(Some(cv.best.best_epoch), best.scored_step);
    assert!(cv.trials.iter().all(|t| t.scored_step.is_some()));
}

#[test]
fn a_time_limit_alone_runs_as_many_trials_as_fit() {
    use autotune::study::StopReason;
    let s = iris();
    let mut config = quick().timeout(std::time::Duration::from_millis(800));
    config.n_trials = None;
    assert_eq!(config.planned_trials(), autotune::tune::MAX_TRIALS);
    let r = autotune(&s, &config).unwrap();
    let spent = r.budget.clone().unwrap();
    assert!(
        matches!(spent.stopped, StopReason::Time { .. }),
        "{spent:?}"
    );
    assert_eq!(spent.trials_run, r.trials.len());
    assert_eq!(r.n_trials, r.trials.len(), "as many as ran are planned");
    assert!(r.trials.len() >= 2, "{} trials", r.trials.len());
    assert!(r.test.is_some(), "the best is retrained after the limit");
    // Without a time limit the default is 30 trials.
    assert_eq!(AutotuneConfig::default().planned_trials(), 30);
}

#[test]
fn every_final_model_is_made_and_tested() {
    use autotune::tune::FinalModel;
    let s = iris();
    let run = |kind: FinalModel, cv: Option<usize>| {
        autotune(&s, &quick().n_trials(5).cv_folds(cv).final_model(kind)).unwrap()
    };
    for cv in [None, Some(3)] {
        let folds = cv.unwrap_or(1);
        let mut scores = Vec::new();
        for kind in FinalModel::all(2) {
            let r = run(kind, cv);
            let members = match kind {
                FinalModel::BestTrial => folds,
                FinalModel::TopK { k } => k * folds,
                FinalModel::TopKRetrained { k } => k,
                _ => 1,
            };
            assert_eq!(r.model.len(), members, "{kind:?} {cv:?}");
            let test = r.test.clone().unwrap();
            let acc = test.accuracy.unwrap();
            assert!(
                (0.0..=1.0).contains(&acc) && test.log_loss.unwrap() > 0.0,
                "{kind:?}"
            );
            scores.push((kind, test));
        }
        // The study is the same whatever the final model: one member of a
        // top-1 ensemble is the best trial's network(s) or its retraining.
        let one = |kind| run(kind, cv).test.unwrap();
        let find = |kind| scores.iter().find(|(k, _)| *k == kind).unwrap().1.clone();
        assert_eq!(one(FinalModel::TopK { k: 1 }), find(FinalModel::BestTrial));
        assert_eq!(
            one(FinalModel::TopKRetrained { k: 1 }),
            find(FinalModel::RetrainScored)
        );
    }
    let bad = quick().final_model(FinalModel::TopK { k: 0 });
    invalid(autotune(&s, &bad), "final_model");
}

/// The best trial is the first of the report's ranking, which is the GP
/// sampler's own ranking of the study's history when its fit says the
/// validation losses are noisy (each trial trains from its own seed), and
/// the order of the values otherwise. Both cases occur among these studies
/// (measured: by value for seed 3, by posterior mean for seed 4).
#[test]
fn the_best_trial_is_the_first_of_the_models_ranking() {
    use autotune::history::Ranking;
    use autotune::sampler::{GpSampler, GpSamplerConfig, Sampler};
    let s = iris();
    let mut kinds = Vec::new();
    for (seed, n) in [(3, 24), (4, 24)] {
        let r = autotune(&s, &quick().seed(seed).n_trials(n)).unwrap();
        let history = r.history();
        let mut complete: Vec<usize> = history.complete().map(|(t, _)| t.number).collect();
        let mut ranked = r.ranking.clone();
        ranked.sort_unstable();
        complete.sort_unstable();
        assert_eq!(ranked, complete, "every complete trial once");
        assert_eq!(r.ranking[0], r.best.number);
        let mut gp = GpSampler::new(GpSamplerConfig::default()).unwrap();
        gp.set_study_seed(seed);
        match gp.rank(&r.space, &history) {
            Some(model) => {
                assert_eq!(r.ranked_by, Ranking::Model);
                assert_eq!(r.ranking, model);
            }
            None => {
                assert_eq!(r.ranked_by, Ranking::Observed);
                let observed: Vec<usize> = history.ranked().iter().map(|t| t.number).collect();
                assert_eq!(r.ranking, observed);
            }
        }
        // The summary shows the chosen trial, and says when the model chose it.
        let summary = r.to_string();
        assert!(
            summary.contains(&format!("best       trial {}:", r.best.number)),
            "{summary}"
        );
        assert_eq!(
            summary.contains("chosen by the GP's posterior mean"),
            r.ranked_by == Ranking::Model
        );
        assert_eq!(
            summary.contains("trials by the GP's posterior mean of the validation loss"),
            r.ranked_by == Ranking::Model,
            "{summary}"
        );
        kinds.push(r.ranked_by);
    }
    assert!(kinds.contains(&Ranking::Model), "{kinds:?}");
}
