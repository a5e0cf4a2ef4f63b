//! Failures never stop a study; ask/tell, enqueue and builder errors.

use autotune::Error;
use autotune::error::{ConfigError, SpaceError, StudyError, Warning};
use autotune::history::TrialState;
use autotune::pruner::MedianPruner;
use autotune::sampler::{GpSampler, GpSamplerConfig};
use autotune::space::{Params, Scale, SearchSpace};
use autotune::study::{Counts, ObjectiveResult, Observer, Progress, Study, Trial};
use std::sync::{Arc, Mutex};

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .fixed("epochs", 3_i64)
        .build()
        .unwrap()
}

/// Trial `n` panics when `n % 4 == 1`, returns NaN when `n % 4 == 2`, an
/// error when `n % 4 == 3`, and a value otherwise.
fn troublesome(trial: &mut Trial) -> ObjectiveResult {
    match trial.number() % 4 {
        1 => panic!("trial {} exploded", trial.number()),
        2 => {
            trial.report(0, 0.5);
            trial.report(1, f64::INFINITY);
            Ok(f64::NAN)
        }
        3 => Err(format!("no data for trial {}", trial.number()).into()),
        _ => Ok(trial.float("x")?),
    }
}

#[test]
fn panics_nans_and_errors_are_recorded_and_the_budget_completes() {
    for workers in [1, 2] {
        let mut study = Study::builder(space())
            .seed(5)
            .workers(workers)
            .build()
            .unwrap();
        let counts = study.optimize(troublesome, 12).unwrap();
        assert_eq!(
            counts,
            Counts {
                complete: 3,
                pruned: 0,
                failed: 6,
                diverged: 3
            }
        );
        assert_eq!(study.counts(), counts);
        let trials = study.history().trials();
        assert_eq!(trials.len(), 12);
        assert_eq!(
            trials[1].state,
            TrialState::Failed {
                reason: "panicked: trial 1 exploded".into()
            }
        );
        assert_eq!(
            trials[2].state,
            TrialState::Diverged {
                reason: "objective returned NaN; intermediate value inf at step 1".into()
            }
        );
        // Only finite intermediate values are recorded.
        assert_eq!(trials[2].intermediate, vec![(0, 0.5)]);
        assert_eq!(
            trials[3].state,
            TrialState::Failed {
                reason: "no data for trial 3".into()
            }
        );
        assert!(matches!(trials[0].state, TrialState::Complete { .. }));
        // The best trial is the complete one of lowest value (the three
        // complete ones are 0, 4 and 8; membership alone could not fail).
        let best = study.best_trial().unwrap();
        let lowest = trials
            .iter()
            .filter(|t| matches!(t.state, TrialState::Complete { .. }))
            .min_by(|a, b| {
                a.state
                    .value()
                    .unwrap()
                    .total_cmp(&b.state.value().unwrap())
            })
            .unwrap();
        assert!([0, 4, 8].contains(&best.number));
        assert_eq!(best.number, lowest.number);
    }
}

#[test]
fn a_study_whose_every_trial_fails_still_finishes() {
    let mut study = Study::builder(space()).workers(2).build().unwrap();
    let counts = study
        .optimize(|_: &mut Trial| -> ObjectiveResult { panic!("always") }, 5)
        .unwrap();
    assert_eq!(counts.failed, 5);
    assert!(study.best_trial().is_none());
}

#[derive(Default, Clone)]
struct Log(Arc<Mutex<Vec<String>>>);

#[derive(Default, Clone)]
struct Warnings(Arc<Mutex<Vec<Warning>>>);

impl Observer for Warnings {
    fn warning(&mut self, w: &Warning) {
        self.0.lock().unwrap().push(w.clone());
    }
}

/// When every trial fails the GP has nothing to fit: each suggestion after the
/// initial design falls back to the design sequence, and that is said once
/// (not once per suggestion), to the study and to its observers.
#[test]
fn a_sampler_fallback_is_a_warning_once() {
    let seen = Warnings::default();
    let mut study = Study::builder(space())
        .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(2)).unwrap())
        .observer(seen.clone())
        .build()
        .unwrap();
    study.optimize(|_| Err("always fails".into()), 6).unwrap();
    assert_eq!(study.counts().failed, 6);
    let causes: Vec<&str> = study.warnings().iter().map(|w| w.cause.as_str()).collect();
    assert_eq!(causes, ["gp_values"]);
    assert!(
        study.warnings()[0].message.contains("initial design"),
        "{}",
        study.warnings()[0]
    );
    assert_eq!(*seen.0.lock().unwrap(), study.warnings());
}

/// A study whose trials all complete takes no fallback and warns of nothing.
#[test]
fn a_healthy_gp_study_has_no_warning() {
    let mut study = Study::builder(space())
        .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(3)).unwrap())
        .build()
        .unwrap();
    study
        .optimize(|t| Ok((t.float("x")? - 0.3).powi(2)), 8)
        .unwrap();
    assert_eq!(study.counts().complete, 8);
    assert!(study.warnings().is_empty(), "{:?}", study.warnings());
}

impl Observer for Log {
    fn run_started(&mut self, n: usize) {
        self.0.lock().unwrap().push(format!("start {n}"));
    }
    fn trial_finished(&mut self, p: &Progress<'_>) {
        self.0.lock().unwrap().push(format!(
            "{} {} best={:?} failed={} {}/{}",
            p.trial.number,
            p.trial.state.name(),
            p.best.map(|b| b.number),
            p.counts.failed,
            p.done_in_run,
            p.total_in_run
        ));
    }
}

#[test]
fn observers_see_every_trial_in_order() {
    let log = Log::default();
    let mut study = Study::builder(space())
        .workers(2)
        .observer(log.clone())
        .build()
        .unwrap();
    study.optimize(troublesome, 4).unwrap();
    assert_eq!(
        *log.0.lock().unwrap(),
        vec![
            "start 4",
            "0 complete best=Some(0) failed=0 1/4",
            "1 failed best=Some(0) failed=1 2/4",
            "2 diverged best=Some(0) failed=1 3/4",
            "3 failed best=Some(0) failed=2 4/4",
        ]
    );
}

#[test]
fn ask_and_tell_by_hand() {
    let mut study = Study::builder(space()).seed(1).build().unwrap();
    let a = study.ask().unwrap();
    let b = study.ask().unwrap();
    assert_eq!((a.number(), b.number()), (0, 1));
    assert_ne!(a.seed(), b.seed());
    assert_eq!(a.int("epochs"), Ok(3));
    let x = b.float("x").unwrap();
    study.tell(b, x).unwrap();
    study.tell_failed(a, "out of memory").unwrap();
    assert_eq!(study.counts().complete, 1);
    assert_eq!(study.counts().failed, 1);
    assert_eq!(study.best_trial().unwrap().number, 1);
    assert!(matches!(
        &study.history().trials()[0].state,
        TrialState::Failed { reason } if reason == "out of memory"
    ));
    // A trial of another study is refused, even when this study is waiting
    // for a trial of the same number, and neither study changes.
    let mut other = Study::builder(space()).build().unwrap();
    let foreign_0 = other.ask().unwrap();
    let own_2 = study.ask().unwrap();
    assert_eq!((foreign_0.number(), own_2.number()), (0, 2));
    let mut third = Study::builder(space()).build().unwrap();
    for _ in 0..2 {
        third.ask().unwrap();
    }
    let foreign_2 = third.ask().unwrap();
    assert!(matches!(
        study.tell(foreign_2, 0.0),
        Err(Error::Study(StudyError::ForeignTrial { number: 2 }))
    ));
    assert!(matches!(
        study.tell(foreign_0, 0.0),
        Err(Error::Study(StudyError::ForeignTrial { number: 0 }))
    ));
    assert_eq!(study.history().len(), 2);
    assert!(other.history().is_empty());
    // The study still takes its own trial 2.
    study.tell(own_2, 0.5).unwrap();
    assert_eq!(study.history().len(), 3);
}

#[test]
fn enqueued_configurations_come_first_and_are_validated() {
    let mut study = Study::builder(space()).seed(2).workers(2).build().unwrap();
    assert!(study.enqueue(Params::new().with("x", 0.25)).unwrap());
    // Already queued (the fixed parameter filled in): not queued twice.
    assert!(
        !study
            .enqueue(Params::new().with("epochs", 3_i64).with("x", 0.25))
            .unwrap()
    );
    assert!(study.enqueue(Params::new().with("x", 0.75)).unwrap());
    assert!(matches!(
        study.enqueue(Params::new().with("x", 1.5)),
        Err(Error::Space(SpaceError::OutOfDomain { .. }))
    ));
    assert!(matches!(
        study.enqueue(Params::new().with("x", 0.5).with("y", 1.0)),
        Err(Error::Space(SpaceError::UnknownParam { .. }))
    ));
    study.optimize(|t| Ok(t.float("x")?), 3).unwrap();
    let xs: Vec<f64> = study
        .history()
        .trials()
        .iter()
        .map(|t| t.params.float("x").unwrap())
        .collect();
    assert_eq!(&xs[..2], &[0.25, 0.75]);
    // Evaluated already: not queued again.
    assert!(!study.enqueue(Params::new().with("x", 0.25)).unwrap());
}

#[test]
fn invalid_settings_are_typed_errors() {
    assert!(matches!(
        Study::builder(space()).workers(0).build(),
        Err(Error::Config(ConfigError::Invalid {
            name: "workers",
            ..
        }))
    ));
    assert!(matches!(
        Study::builder(space())
            .pruner(MedianPruner::default().interval_steps(0))
            .build(),
        Err(Error::Config(ConfigError::Invalid {
            name: "interval_steps",
            ..
        }))
    ));
}

#[test]
fn studies_and_trials_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Study>();
    send::<Trial>();
}
