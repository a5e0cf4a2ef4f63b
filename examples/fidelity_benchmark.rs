//! Multi-fidelity against full-fidelity strategies at one epoch budget.
//!
//! For each seed, on one data set (a 60/20/20 split drawn from the seed),
//! every strategy tunes the default space with `--epochs` as the full
//! training and at most `--budget` epochs in all; a reference run trains
//! `--ref-trials` full-fidelity GP trials (no pruner). The table gives per
//! strategy the median over seeds of the best validation loss, the test
//! accuracy of the final model (the default: the five best configurations
//! retrained on train + validation) and the epochs used, and on how many
//! seeds the best validation loss reached the reference's.
//!
//! Run: `cargo run --release --example fidelity_benchmark -- --data digits
//! --seeds 10 --epochs 20 --budget 120 --ref-trials 30` (about a minute on
//! one core; `--data breast_cancer`, `wine`, `iris` too).
//!
//! Measured so (seeds 0-9, dev profile): the multi-fidelity default had the
//! lowest median best validation loss at 120 epochs (0.0652 against 0.0729
//! for GP + median pruner, 0.0763 for full-fidelity GP, 0.0768 for one
//! epoch then top 3, 0.0806 for ASHA), but reached the reference's (GP,
//! 30 × 20 = 600 epochs: 0.0586) on 4 seeds of 10 only; with 180 epochs on
//! 6 of 10 (median 0.0626).

use autotune::data::{Builtin, Dataset, SplitFractions};
use autotune::pruner::{MinResource, SuccessiveHalvingPruner};
use autotune::space::Domain;
use autotune::tune::{
    AutotuneConfig, PrunerConfig, SamplerConfig, Strategy, TuneReport, TuneSpace, autotune,
};
use std::time::Instant;

struct Args {
    data: Builtin,
    seeds: u64,
    epochs: i64,
    budget: usize,
    ref_trials: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        data: Builtin::Digits,
        seeds: 3,
        epochs: 20,
        budget: 120,
        ref_trials: 30,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        match pair[0].as_str() {
            "--data" => {
                a.data = match value {
                    "digits" => Builtin::Digits,
                    "wine" => Builtin::Wine,
                    "breast_cancer" => Builtin::BreastCancer,
                    "iris" => Builtin::Iris,
                    other => anyhow::bail!("unknown data set {other}"),
                }
            }
            "--seeds" => a.seeds = value.parse()?,
            "--epochs" => a.epochs = value.parse()?,
            "--budget" => a.budget = value.parse()?,
            "--ref-trials" => a.ref_trials = value.parse()?,
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// The strategies compared, by name.
fn strategies(a: &Args) -> Vec<(&'static str, AutotuneConfig)> {
    let base = AutotuneConfig::default()
        .space(TuneSpace::default().epochs(Domain::fixed(a.epochs)))
        .budget_epochs(a.budget);
    let full = base.clone().strategy(Strategy::FullFidelity);
    let asha = SuccessiveHalvingPruner::default()
        .min_resource(MinResource::Steps(1))
        .reduction_factor(3);
    vec![
        ("GP, full fidelity", full.clone().pruner(PrunerConfig::None)),
        ("GP + median pruner", full.clone()),
        (
            "ASHA + random",
            full.sampler(SamplerConfig::Random).pruner(asha),
        ),
        (
            "one epoch, then top 3",
            base.clone().strategy(Strategy::OneEpochTopK { k: 3 }),
        ),
        ("multi-fidelity (default)", base),
    ]
}

struct Row {
    best: Vec<f64>,
    test: Vec<f64>,
    epochs: Vec<f64>,
    reached: usize,
    secs: f64,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run() -> anyhow::Result<()> {
    let a = args()?;
    let data = Dataset::builtin(a.data)?;
    let reference = AutotuneConfig::default()
        .space(TuneSpace::default().epochs(Domain::fixed(a.epochs)))
        .n_trials(a.ref_trials)
        .pruner(PrunerConfig::None);
    let mut names = vec![format!("reference: GP, {} × {}", a.ref_trials, a.epochs)];
    names.extend(strategies(&a).iter().map(|s| s.0.to_owned()));
    let mut rows: Vec<Row> = names
        .iter()
        .map(|_| Row {
            best: vec![],
            test: vec![],
            epochs: vec![],
            reached: 0,
            secs: 0.0,
        })
        .collect();
    for seed in 0..a.seeds {
        let split = data.split(SplitFractions::new(0.6, 0.2, 0.2), seed)?;
        let mut configs = vec![reference.clone()];
        configs.extend(strategies(&a).into_iter().map(|s| s.1));
        let mut ref_best = f64::NAN;
        for (i, config) in configs.into_iter().enumerate() {
            let t0 = Instant::now();
            let r: TuneReport = autotune(&split, &config.seed(seed))?;
            let row = &mut rows[i];
            row.secs += t0.elapsed().as_secs_f64();
            if i == 0 {
                ref_best = r.best.value;
            }
            row.reached += usize::from(r.best.value <= ref_best);
            row.best.push(r.best.value);
            row.test
                .push(r.test.and_then(|t| t.accuracy).unwrap_or(f64::NAN));
            row.epochs.push(r.epochs as f64);
            eprintln!(
                "seed {seed} {:<28} best {:.4} epochs {:>4} ({:.1} s)",
                names[i],
                r.best.value,
                r.epochs,
                t0.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "{:?}, {} seeds, full fidelity {} epochs, budget {} epochs (medians over seeds)\n",
        a.data, a.seeds, a.epochs, a.budget
    );
    println!(
        "| strategy | best validation loss | test accuracy | epochs used | seeds reaching the reference | seconds |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, row) in names.iter().zip(&rows) {
        println!(
            "| {name} | {:.4} | {:.4} | {:.0} | {}/{} | {:.0} |",
            median(&row.best),
            median(&row.test),
            median(&row.epochs),
            row.reached,
            a.seeds,
            row.secs
        );
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
