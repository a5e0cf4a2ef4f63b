//! A `Study` on a function of your own, driven by hand with `ask` and `tell`.
//!
//! The function is Branin–Hoo (Dixon & Szegő 1978), a standard test of global
//! optimisers: three global minima of value 0.397887 on `[-5, 10] x [0, 15]`.
//! Any code that turns a configuration into a number can take its place (a
//! simulation, a model trained by another library, a build benchmark).
//!
//! Run: `cargo run --release --example custom_objective -- --trials 40`
//! (flags: `--trials`, `--workers` = trials asked before telling any, as
//! parallel workers would, `--seed`, `--out` for the journal, `--resume`,
//! `--quiet`; see `--help`).

// The flags and progress lines (run_study is for the `autotune()` examples).
#[allow(dead_code)]
pub mod common;

use autotune::sampler::GpSampler;
use autotune::space::{Scale, SearchSpace};
use autotune::study::Study;
use common::{Flags, Lines};
use std::f64::consts::PI;

/// The user's function: Branin–Hoo, minimum 0.397887.
fn branin(x1: f64, x2: f64) -> f64 {
    let (b, c, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 1.0 / (8.0 * PI));
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

/// Minimises Branin–Hoo with the study the flags set up, prints the best
/// trials and returns the study.
pub fn run(flags: &Flags) -> anyhow::Result<Study> {
    // 1. The search space: two real parameters on linear scales.
    let space = SearchSpace::builder()
        .float("x1", -5.0..=10.0, Scale::Linear)
        .float("x2", 0.0..=15.0, Scale::Linear)
        .build()?;

    // 2. The study: Bayesian optimisation (a GP with LogEI), seeded, with a
    //    journal in --out (continued with --resume), a line per trial.
    let mut study = Study::builder(space)
        .sampler(GpSampler::default())
        .seed(flags.seed)
        .journal(flags.journal()?)
        .resume(flags.resume)
        .observer(Lines::new(flags))
        .build()?;

    // 3. Ask a batch of trials, evaluate each with our function, tell the results.
    while study.history().len() < flags.trials {
        let q = flags.workers.min(flags.trials - study.history().len());
        let trials = (0..q).map(|_| study.ask()).collect::<Result<Vec<_>, _>>()?;
        for trial in trials {
            let value = branin(trial.float("x1")?, trial.float("x2")?);
            study.tell(trial, value)?;
        }
    }

    // 4. A summary: the five best trials and the gap to the known minimum.
    let mut done: Vec<_> = study.history().complete().collect();
    done.sort_by(|a, b| a.1.total_cmp(&b.1));
    println!("{:>6}  {:>9}  {:>9}  {:>10}", "trial", "x1", "x2", "branin");
    for (t, v) in done.iter().take(5) {
        let (x1, x2) = (t.params.float("x1")?, t.params.float("x2")?);
        println!("{:>6}  {x1:>9.4}  {x2:>9.4}  {v:>10.6}", t.number);
    }
    let best = study.best_value().unwrap_or(f64::NAN);
    println!(
        "best of {} trials: {best:.6} (global minimum 0.397887, gap {:.2e})",
        study.history().len(),
        best - 0.397_887
    );
    Ok(study)
}

fn main() {
    let flags = Flags::parse(
        "custom_objective",
        "Minimise the Branin–Hoo function with a study driven by ask/tell",
        40,
    );
    common::main(|| run(&flags));
}
