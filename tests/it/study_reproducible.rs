//! Same seed and worker count give the same study, whatever the thread timing.

use crate::helpers::strip;
use autotune::Result;
use autotune::history::{History, TrialRecord};
use autotune::pruner::MedianPruner;
use autotune::rng::StudyRng;
use autotune::sampler::{GpSampler, Sampler, Suggestion};
use autotune::space::{Params, Scale, SearchSpace};
use autotune::study::{Mode, ObjectiveResult, Study, Trial};
use rand::Rng;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A history-dependent sampler: half the time a uniform draw, otherwise the
/// best configuration so far with its unit-cube coordinates jittered, and away
/// from pending ones. Deterministic in its arguments, as the contract asks.
struct LocalSearch;

impl Sampler for LocalSearch {
    fn suggest(
        &self,
        space: &SearchSpace,
        history: &History,
        pending: &[Params],
        rng: &mut StudyRng,
    ) -> Result<Suggestion> {
        Ok(match history.best() {
            Some(best) if rng.random::<bool>() => {
                let mut x = space.encode(&best.params)?;
                let shift = 0.05 * (1 + pending.len()) as f64;
                for xi in &mut x {
                    *xi = (*xi + shift * (rng.random::<f64>() - 0.5)).clamp(0.0, 1.0);
                }
                space.decode(&x)?
            }
            _ => space.sample(rng),
        }
        .into())
    }
}

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", -3.0..=3.0, Scale::Linear)
        .float("lr", 1e-4..=1.0, Scale::Log)
        .int("width", 1..=64, Scale::Log)
        .categorical("kind", ["a", "b", "c"])
        .build()
        .unwrap()
}

/// Sleeps a time that depends on the wall clock, so thread interleavings differ
/// between runs.
fn jitter() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    std::thread::sleep(Duration::from_micros(u64::from(nanos % 3000)));
}

/// A deterministic objective with a per-epoch curve, pruning, a seed-driven
/// noise term and failures in parts of the space.
fn objective(trial: &mut Trial) -> ObjectiveResult {
    let x = trial.float("x")?;
    let lr = trial.float("lr")?;
    let width = trial.int("width")? as f64;
    let kind = trial.categorical("kind")?;
    let offset = match kind {
        "a" => 0.0,
        "b" => 0.3,
        _ => 0.6,
    };
    if x > 2.0 {
        return Err(format!("x = {x} is out of the model's range").into());
    }
    if lr > 0.4 {
        panic!("learning rate {lr} blew up");
    }
    let noise = (trial.seed() % 1000) as f64 * 1e-6;
    let final_value = (x - 0.5).powi(2) + (lr.ln() + 4.0).powi(2) * 0.05 + 1.0 / width + offset;
    for step in 0..5 {
        jitter();
        trial.report(step, final_value + 1.0 / (step + 1) as f64);
        if trial.should_prune() {
            return Ok(f64::NAN);
        }
    }
    Ok(final_value + noise)
}

fn run(workers: usize, seed: u64) -> Vec<TrialRecord> {
    let mut study = Study::builder(space())
        .sampler(LocalSearch)
        .pruner(MedianPruner::default().n_startup_trials(3))
        .seed(seed)
        .workers(workers)
        .build()
        .unwrap();
    study.optimize(objective, 24).unwrap();
    assert_eq!(study.history().len(), 24);
    strip(study.history().trials())
}

#[test]
fn one_worker_twice_is_identical() {
    let a = run(1, 11);
    let b = run(1, 11);
    assert_eq!(a, b);
    // The run exercised every path: some trials pruned, some complete.
    let states: Vec<&str> = a.iter().map(|t| t.state.name()).collect();
    assert!(states.contains(&"pruned"), "{states:?}");
    assert!(states.contains(&"complete"), "{states:?}");
    assert!(states.contains(&"failed"), "{states:?}");
}

#[test]
fn two_workers_twice_is_identical() {
    let a = run(2, 11);
    let b = run(2, 11);
    assert_eq!(a, b);
    assert_eq!(
        a.iter().map(|t| t.number).collect::<Vec<_>>(),
        (0..24).collect::<Vec<_>>()
    );
}

#[test]
fn gp_sampler_with_two_workers_twice_is_identical() {
    let run = || {
        let mut study = Study::builder(space())
            .sampler(GpSampler::default())
            .pruner(MedianPruner::default().n_startup_trials(3))
            .seed(5)
            .workers(2)
            .build()
            .unwrap();
        study.optimize(objective, 20).unwrap();
        strip(study.history().trials())
    };
    let a = run();
    assert_eq!(a, run());
    assert_eq!(a.len(), 20);
}

#[test]
fn a_different_seed_gives_a_different_study() {
    assert_ne!(run(2, 11), run(2, 12));
}

#[test]
fn asynchronous_mode_runs_the_whole_budget() {
    let mut study = Study::builder(space())
        .sampler(LocalSearch)
        .seed(3)
        .workers(2)
        .mode(Mode::Asynchronous)
        .build()
        .unwrap();
    let counts = study.optimize(objective, 10).unwrap();
    assert_eq!(counts.total(), 10);
    assert_eq!(
        study
            .history()
            .trials()
            .iter()
            .map(|t| t.number)
            .collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
}
