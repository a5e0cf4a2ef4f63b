//! Benchmark of the GP sampler against random search on functions with known
//! minima: median (over seeds) log10 simple regret after 10/20/30/50/100
//! evaluations, and the median time per suggestion (all suggestions, and the
//! last ten of each run).
//!
//! The objectives are deterministic, so the GP sampler is configured with
//! `GpSamplerConfig::deterministic_objective()` (as Optuna's
//! `deterministic_objective=True`); `--learned-noise` keeps the default
//! learned noise instead. `--ucb BETA` adds a row with UCB instead of LogEI.
//!
//! Rows for real training objectives: `branin-outlier` (trial 3 returns 1e4
//! instead of its value), `branin-scale1e200` / `branin-scale1e-200` (every
//! value multiplied by 1e200 / 1e-200), `mixed-fail12` (trial 12 fails),
//! `cliff` ([`DivergenceCliff`]: NaN just past the best learning rate). The
//! regret is always that of the true value of trials that completed.
//! `--transform` and `--failed` choose the value warp and the failure
//! handling.
//!
//! ```text
//! cargo run --release --example bo_benchmark                # everything, 10 seeds
//! cargo run --release --example bo_benchmark -- --seeds 3 --functions branin
//! cargo run --release --example bo_benchmark -- --ucb 2 --first-seed 100
//! cargo run --release --example bo_benchmark -- --speed     # suggestion-time table
//! ```

use anyhow::Result;
use autotune::acquisition::Acquisition;
use autotune::benchmarks::{DivergenceCliff, Function, MixedFunction};
use autotune::sampler::{
    AskTell, FailedTrials, GpSampler, GpSamplerConfig, RandomSampler, Sampler, ValueTransform,
};
use autotune::space::{Params, SearchSpace};
use clap::Parser;
use std::time::Instant;

#[path = "common/speed.rs"]
mod speed;

#[derive(Parser, Debug)]
#[command(about = "GP sampler vs random search on benchmark functions")]
struct Args {
    /// Number of seeds per function and sampler.
    #[arg(long, default_value_t = 10)]
    seeds: u64,
    /// The first seed (seeds run from here).
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Functions to run: branin, hartmann6, ackley5, mixed, branin-outlier,
    /// branin-scale1e200, branin-scale1e-200, mixed-fail12, cliff
    /// (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "branin,hartmann6,ackley5,mixed"
    )]
    functions: Vec<String>,
    /// Skip the batch (q = 4) runs.
    #[arg(long)]
    no_batch: bool,
    /// Skip random search.
    #[arg(long)]
    no_random: bool,
    /// Override every budget (for quick looks).
    #[arg(long)]
    budget: Option<usize>,
    /// Also run the GP sampler with UCB of this beta instead of LogEI.
    #[arg(long)]
    ucb: Option<f64>,
    /// Keep the GP's learned noise (the default for noisy objectives).
    #[arg(long)]
    learned_noise: bool,
    /// Value warp: identity, yeo_johnson, clipped_yeo_johnson, rank (default: the sampler's).
    #[arg(long)]
    transform: Option<String>,
    /// Failed trials: ignore, worst, classifier (default: the sampler's).
    #[arg(long)]
    failed: Option<String>,
    /// Print only the suggestion-time table (100 / 300 / 1,000 trials, one
    /// thread, with resident memory; `--budget` stops it earlier).
    #[arg(long)]
    speed: bool,
}

/// The GP sampler's configuration for a run.
fn gp_config(args: &Args, acquisition: Acquisition) -> GpSamplerConfig {
    let mut config = GpSamplerConfig::default().acquisition(acquisition);
    if let Some(t) = &args.transform {
        config = config.transform(
            serde_json::from_value::<ValueTransform>(serde_json::Value::String(t.clone()))
                .expect("a transform name"),
        );
    }
    if let Some(f) = &args.failed {
        config = config.failed(
            serde_json::from_value::<FailedTrials>(serde_json::Value::String(f.clone()))
                .expect("a failed-trials name"),
        );
    }
    if args.learned_noise {
        config
    } else {
        config.deterministic_objective()
    }
}

/// A benchmark problem: its space, objective, minimum and budget.
struct Problem {
    name: String,
    space: SearchSpace,
    minimum: f64,
    budget: usize,
    /// `(value told, true value counted in the regret)` of trial `i`; the
    /// second is +∞ for a trial that failed.
    eval: Eval,
}

/// See [`Problem::eval`].
type Eval = Box<dyn Fn(usize, &Params) -> (f64, f64)>;

fn problem(name: &str) -> Result<Problem> {
    let mixed = |name: &str, budget, fail_at: Option<usize>| Problem {
        name: name.to_owned(),
        space: MixedFunction.space(),
        minimum: MixedFunction.minimum(),
        budget,
        eval: Box::new(move |i, p| {
            let v = MixedFunction.value(p).unwrap_or(f64::NAN);
            if Some(i) == fail_at {
                (f64::NAN, f64::INFINITY)
            } else {
                (v, v)
            }
        }),
    };
    let (function, budget, told): (Function, usize, fn(usize, f64) -> f64) = match name {
        "branin" => (Function::Branin, 50, |_, v| v),
        "branin-outlier" => (Function::Branin, 50, |i, v| if i == 3 { 1e4 } else { v }),
        "branin-scale1e200" => (Function::Branin, 50, |_, v| v * 1e200),
        "branin-scale1e-200" => (Function::Branin, 50, |_, v| v * 1e-200),
        "hartmann6" => (Function::Hartmann6, 100, |_, v| v),
        "ackley5" => (Function::Ackley { dim: 5 }, 100, |_, v| v),
        "mixed" => return Ok(mixed(name, 100, None)),
        "mixed-fail12" => return Ok(mixed(name, 50, Some(12))),
        "cliff" => {
            let f = DivergenceCliff;
            return Ok(Problem {
                name: name.to_owned(),
                space: f.space(),
                minimum: f.minimum(),
                budget: 50,
                eval: Box::new(move |_, p| {
                    let v = f.value(p).unwrap_or(f64::NAN);
                    (v, if v.is_nan() { f64::INFINITY } else { v })
                }),
            });
        }
        other => anyhow::bail!("unknown function `{other}`"),
    };
    Ok(Problem {
        name: name.to_owned(),
        space: function.space()?,
        minimum: function.minimum(),
        budget,
        eval: Box::new(move |i, p| {
            let v = function.value_at(p).unwrap_or(f64::NAN);
            (told(i, v), v)
        }),
    })
}

/// One run: best-so-far regret after each evaluation, and seconds per suggestion.
fn run<S: Sampler>(p: &Problem, sampler: S, seed: u64, q: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut opt = AskTell::new(p.space.clone(), sampler, seed);
    let mut regret = Vec::with_capacity(p.budget);
    let mut times = Vec::new();
    let mut best = f64::INFINITY;
    while regret.len() < p.budget {
        let q = q.min(p.budget - regret.len());
        let start = Instant::now();
        let batch = opt.ask_batch(q)?;
        let per = start.elapsed().as_secs_f64() / q as f64;
        for (n, params) in batch {
            times.push(per);
            let (told, v) = (p.eval)(n, &params);
            opt.tell(n, told)?;
            best = best.min(v);
            regret.push((best - p.minimum).max(1e-20));
        }
    }
    Ok((regret, times))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn report(p: &Problem, label: &str, runs: &[(Vec<f64>, Vec<f64>)]) {
    let mut row = format!("| {} | {label} |", p.name);
    for at in [10, 20, 30, 50, 100] {
        if at <= p.budget {
            let m = median(runs.iter().map(|(r, _)| r[at - 1].log10()).collect());
            row += &format!(" {m:.2} |");
        } else {
            row += " |";
        }
    }
    let all = median(runs.iter().flat_map(|(_, t)| t.iter().copied()).collect());
    let last = median(
        runs.iter()
            .flat_map(|(_, t)| t[t.len().saturating_sub(10)..].iter().copied())
            .collect(),
    );
    row += &format!(" {:.2} | {:.2} |", all * 1e3, last * 1e3);
    println!("{row}");
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.speed {
        let last = args.budget.unwrap_or(1000);
        return speed::run(gp_config(&args, Acquisition::LogEi), args.first_seed, last);
    }
    println!(
        "median over {} seeds of log10(best − minimum); time = median ms per suggestion (all / last 10)\n",
        args.seeds
    );
    println!("| function | sampler | @10 | @20 | @30 | @50 | @100 | ms | ms last 10 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for name in &args.functions {
        let mut p = problem(name)?;
        if let Some(b) = args.budget {
            p.budget = b;
        }
        let mut variants: Vec<(String, usize, Option<Acquisition>)> =
            vec![("GP".to_owned(), 1, Some(Acquisition::LogEi))];
        if !args.no_batch && matches!(name.as_str(), "branin" | "hartmann6") {
            variants.push(("GP q=4".to_owned(), 4, Some(Acquisition::LogEi)));
        }
        if let Some(beta) = args.ucb {
            variants.push((
                format!("GP UCB β={beta}"),
                1,
                Some(Acquisition::Ucb { beta }),
            ));
        }
        if !args.no_random {
            variants.push(("random".to_owned(), 1, None));
        }
        for (label, q, acquisition) in variants {
            let runs = (args.first_seed..args.first_seed + args.seeds)
                .map(|seed| match acquisition {
                    Some(a) => run(&p, GpSampler::new(gp_config(&args, a))?, seed, q),
                    None => run(&p, RandomSampler, seed, q),
                })
                .collect::<Result<Vec<_>>>()?;
            report(&p, &label, &runs);
        }
    }
    Ok(())
}
