//! Benchmark of the GP sampler against random search on functions with known
//! minima: median (over seeds) log10 simple regret after 10/20/30/50/100
//! evaluations, the median time per suggestion (all suggestions, and the
//! last ten of each run), the share of suggestions with a continuous
//! coordinate exactly on a bound of the box (`bound %`), and the share within
//! 1e-6 (max-norm, unit cube) of an earlier trial (`repeat %`; on these
//! deterministic objectives a wasted evaluation).
//!
//! The objectives are deterministic, so the GP sampler is configured with
//! `GpSamplerConfig::deterministic_objective()` (as Optuna's
//! `deterministic_objective=True`); `--learned-noise` keeps the default
//! noise model instead (a learned noise checked against an interpolating fit,
//! `GpSamplerConfig::select_noise`), `--learned-noise --no-select-noise` the
//! learned noise alone. `--ucb BETA` adds a row with UCB instead of LogEI.
//!
//! `sphere5` and `ellipsoid5` test late-budget precision on smooth unimodal
//! functions; `linear-corner` (`Σ xᵢ` on `[0, 1]³`, optimum at a corner)
//! shows repeats and bound points.
//!
//! Rows for real training objectives: `branin-outlier` (trial 3 returns 1e4
//! instead of its value), `branin-scale1e200` / `branin-scale1e-200` (every
//! value multiplied by 1e200 / 1e-200), `mixed-fail12` (trial 12 fails),
//! `cliff` ([`DivergenceCliff`]: NaN just past the best learning rate). The
//! regret is always that of the true value of trials that completed.
//! `--transform` and `--failed` choose the value warp and the failure
//! handling.
//!
//! Rows for noisy objectives ([`Noisy`]: value + Gaussian noise of the stated
//! sd, drawn per trial from the seed): `branin-noise1` (σ = 1),
//! `hartmann6-noise0.1` (σ = 0.1, 3% of its range), `styblinski_tang5-noise1`.
//! They are scored by the noise-free value of the configuration reported as
//! best: the row `GP` by the best observation ([`AskTell::best`]), the row
//! `GP recommended` by the sampler's recommendation
//! ([`AskTell::recommended`]). `--incumbent` chooses the acquisition's
//! incumbent. `styblinski_tang5` is the noise-free Styblinski–Tang row.
//!
//! `--seeds 20 --no-batch --no-random --learned-noise --functions
//! branin-noise1,hartmann6-noise0.1` (log10 regret of the noise-free value,
//! median of 20 seeds), best observed / recommended, the default sampler:
//! Branin σ = 1 @50 −0.88 / −1.10, Hartmann6 σ = 0.1 @100 −1.28 / −1.37;
//! with `--no-select-noise` (the learned noise alone): −0.98 / −1.07 and
//! −1.13 / −1.32. With 10 seeds, Styblinski–Tang σ = 1 @100 stays in a wrong
//! basin either way (1.17).
//!
//! ```text
//! cargo run --release --example bo_benchmark                # everything, 10 seeds
//! cargo run --release --example bo_benchmark -- --seeds 3 --functions branin
//! cargo run --release --example bo_benchmark -- --ucb 2 --first-seed 100
//! cargo run --release --example bo_benchmark -- --no-trust-region  # without the trust-region steps
//! cargo run --release --example bo_benchmark -- --speed     # suggestion-time table
//! ```
//!
//! Measured with `--seeds 10 --ucb 2` (shared 2-core machine, so the times
//! are rough), GP with LogEI, log10 regret (`--no-trust-region` in
//! brackets): Branin@50 −7.46 (−5.65), q = 4 −5.76 (same), Hartmann6@100
//! −7.58 (−7.44), q = 4 −6.54 (same), Ackley5@100 −0.34 (0.31), sphere5@50
//! −6.45 (−6.27), ellipsoid5@50 −5.75 (−5.92), mixed@100 −9.52 (−8.77);
//! bound %: Branin 7.0 (12.8), Hartmann6 5.4 (5.6), mixed 6.6 (9.0); ms last
//! 10: Branin 2.8 (2.5), Hartmann6 22 (16), Ackley5 64 (45), mixed 23 (24).

use anyhow::Result;
use autotune::acquisition::Acquisition;
use autotune::acquisition::Incumbent;
use autotune::benchmarks::{DivergenceCliff, Function, MixedFunction, Noisy};
use autotune::sampler::{
    AskTell, FailedTrials, GpSampler, GpSamplerConfig, RandomSampler, Sampler, ValueTransform,
};
use autotune::space::{EncodedKind, Params, Scale, SearchSpace};
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
    /// Functions to run: branin, hartmann6, ackley5, sphere5, ellipsoid5,
    /// mixed, linear-corner, branin-outlier, branin-scale1e200,
    /// branin-scale1e-200, mixed-fail12, cliff, styblinski_tang5,
    /// branin-noise1, hartmann6-noise0.1, styblinski_tang5-noise1
    /// (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "branin,hartmann6,ackley5,sphere5,ellipsoid5,mixed"
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
    /// Keep the sampler's default noise model (a learned noise checked
    /// against an interpolating fit) instead of `deterministic_objective()`.
    #[arg(long)]
    learned_noise: bool,
    /// With `--learned-noise`: the learned-noise fit alone (the default
    /// before the interpolating fit was compared with it).
    #[arg(long)]
    no_select_noise: bool,
    /// Value warp: identity, yeo_johnson, clipped_yeo_johnson, rank (default: the sampler's).
    #[arg(long)]
    transform: Option<String>,
    /// Failed trials: ignore, worst, classifier, classifier_belief (default:
    /// the sampler's, classifier).
    #[arg(long)]
    failed: Option<String>,
    /// Turn the trust-region steps off (`MaximizerConfig::trust_region`).
    #[arg(long)]
    no_trust_region: bool,
    /// The incumbent: best_observed, best_posterior_mean (default: the sampler's).
    #[arg(long)]
    incumbent: Option<String>,
    /// Print only the suggestion-time table (100 / 300 / 1,000 trials, one
    /// thread, with resident memory; `--budget` stops it earlier).
    #[arg(long)]
    speed: bool,
}

/// The GP sampler's configuration for a run.
fn gp_config(args: &Args, acquisition: Acquisition) -> GpSamplerConfig {
    let mut config = GpSamplerConfig::default().acquisition(acquisition);
    if args.no_trust_region {
        config.maximizer = config.maximizer.trust_region(false);
    }
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
    if let Some(i) = &args.incumbent {
        config = config.incumbent(
            serde_json::from_value::<Incumbent>(serde_json::Value::String(i.clone()))
                .expect("an incumbent name"),
        );
    }
    if args.learned_noise {
        config.select_noise(!args.no_select_noise)
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
    /// `(value told, true value counted in the regret)` of trial `i` in the
    /// run of seed `seed` (arguments `seed, i, params`); the
    /// second is +∞ for a trial that failed.
    eval: Eval,
    /// For a noisy objective, the noise-free value of a configuration: the
    /// run is then scored by the configuration reported as best.
    truth: Option<Truth>,
}

/// See [`Problem::truth`].
type Truth = Box<dyn Fn(&Params) -> f64>;

/// See [`Problem::eval`].
type Eval = Box<dyn Fn(u64, usize, &Params) -> (f64, f64)>;

fn problem(name: &str) -> Result<Problem> {
    let mixed = |name: &str, budget, fail_at: Option<usize>| Problem {
        name: name.to_owned(),
        space: MixedFunction.space(),
        minimum: MixedFunction.minimum(),
        budget,
        eval: Box::new(move |_, i, p| {
            let v = MixedFunction.value(p).unwrap_or(f64::NAN);
            if Some(i) == fail_at {
                (f64::NAN, f64::INFINITY)
            } else {
                (v, v)
            }
        }),
        truth: None,
    };
    let (function, budget, told): (Function, usize, fn(usize, f64) -> f64) = match name {
        "branin" => (Function::Branin, 50, |_, v| v),
        "branin-outlier" => (Function::Branin, 50, |i, v| if i == 3 { 1e4 } else { v }),
        "branin-scale1e200" => (Function::Branin, 50, |_, v| v * 1e200),
        "branin-scale1e-200" => (Function::Branin, 50, |_, v| v * 1e-200),
        "hartmann6" => (Function::Hartmann6, 100, |_, v| v),
        "ackley5" => (Function::Ackley { dim: 5 }, 100, |_, v| v),
        "sphere5" => (Function::Sphere { dim: 5 }, 100, |_, v| v),
        "ellipsoid5" => (Function::Ellipsoid { dim: 5 }, 100, |_, v| v),
        "linear-corner" => {
            let mut b = SearchSpace::builder();
            for i in 0..3 {
                b = b.float(format!("x{i}"), 0.0..=1.0, Scale::Linear);
            }
            return Ok(Problem {
                name: name.to_owned(),
                space: b.build()?,
                minimum: 0.0,
                budget: 50,
                eval: Box::new(|_, _, p| {
                    let v = (0..3)
                        .map(|i| p.float(&format!("x{i}")).unwrap_or(f64::NAN))
                        .sum();
                    (v, v)
                }),
                truth: None,
            });
        }
        "mixed" => return Ok(mixed(name, 100, None)),
        "mixed-fail12" => return Ok(mixed(name, 50, Some(12))),
        "cliff" => {
            let f = DivergenceCliff;
            return Ok(Problem {
                name: name.to_owned(),
                space: f.space(),
                minimum: f.minimum(),
                budget: 50,
                eval: Box::new(move |_, _, p| {
                    let v = f.value(p).unwrap_or(f64::NAN);
                    (v, if v.is_nan() { f64::INFINITY } else { v })
                }),
                truth: None,
            });
        }
        // Styblinski–Tang and the noisy rows.
        "styblinski_tang5" => (Function::StyblinskiTang { dim: 5 }, 100, |_, v| v),
        "branin-noise1" | "hartmann6-noise0.1" | "styblinski_tang5-noise1" => {
            let (function, sd, budget) = match name {
                "branin-noise1" => (Function::Branin, 1.0, 50),
                "hartmann6-noise0.1" => (Function::Hartmann6, 0.1, 100),
                _ => (Function::StyblinskiTang { dim: 5 }, 1.0, 100),
            };
            let noisy = Noisy::new(function, sd)?;
            return Ok(Problem {
                name: name.to_owned(),
                space: function.space()?,
                minimum: function.minimum(),
                budget,
                eval: Box::new(move |seed, i, p| {
                    noisy
                        .observe(p, seed, i)
                        .unwrap_or((f64::NAN, f64::INFINITY))
                }),
                truth: Some(Box::new(move |p| {
                    function.value_at(p).unwrap_or(f64::INFINITY)
                })),
            });
        }
        other => anyhow::bail!("unknown function `{other}`"),
    };
    Ok(Problem {
        name: name.to_owned(),
        space: function.space()?,
        minimum: function.minimum(),
        budget,
        eval: Box::new(move |_, i, p| {
            let v = function.value_at(p).unwrap_or(f64::NAN);
            (told(i, v), v)
        }),
        truth: None,
    })
}

/// One run's record.
struct Run {
    /// Regret after each evaluation: of the best true value so far, or for a
    /// noisy problem of the configuration reported best (the best observed).
    regret: Vec<f64>,
    /// The regret of the sampler's recommendation (noisy problems only, at
    /// the report's checkpoints; NaN elsewhere).
    recommended: Option<Vec<f64>>,
    /// Seconds per suggestion.
    times: Vec<f64>,
    /// Suggestions with a continuous coordinate exactly at 0 or 1 (encoded).
    on_bound: usize,
    /// Suggestions within [`REPEAT_TOLERANCE`] of an earlier trial.
    repeats: usize,
}

/// Max-norm distance in the unit cube below which a suggestion counts as a
/// repeat of an earlier trial.
const REPEAT_TOLERANCE: f64 = 1e-6;

/// The report's checkpoints (evaluations).
const CHECKPOINTS: [usize; 5] = [10, 20, 30, 50, 100];

/// One run of `p` with `sampler`, seed `seed`, asking `q` at a time.
fn run<S: Sampler>(p: &Problem, sampler: S, seed: u64, q: usize) -> Result<Run> {
    let mut opt = AskTell::new(p.space.clone(), sampler, seed);
    let continuous: Vec<usize> = p
        .space
        .encoded_params()
        .iter()
        .filter(|e| e.kind == EncodedKind::Continuous)
        .map(|e| e.offset)
        .collect();
    let mut r = Run {
        regret: Vec::with_capacity(p.budget),
        recommended: p.truth.as_ref().map(|_| vec![f64::NAN; p.budget]),
        times: Vec::new(),
        on_bound: 0,
        repeats: 0,
    };
    let mut seen: Vec<Vec<f64>> = Vec::new();
    let mut best = f64::INFINITY;
    let regret_of = |v: f64| (v - p.minimum).max(1e-20);
    while r.regret.len() < p.budget {
        let q = q.min(p.budget - r.regret.len());
        let start = Instant::now();
        let batch = opt.ask_batch(q)?;
        let per = start.elapsed().as_secs_f64() / q as f64;
        for (n, params) in batch {
            r.times.push(per);
            let x = p.space.encode(&params)?;
            if continuous.iter().any(|&c| x[c] == 0.0 || x[c] == 1.0) {
                r.on_bound += 1;
            }
            let near = |y: &Vec<f64>| {
                x.iter()
                    .zip(y)
                    .all(|(a, b)| (a - b).abs() <= REPEAT_TOLERANCE)
            };
            if seen.iter().any(near) {
                r.repeats += 1;
            }
            seen.push(x);
            let (told, v) = (p.eval)(seed, n, &params);
            opt.tell(n, told)?;
            best = best.min(v);
            let done = r.regret.len() + 1;
            match (&p.truth, &mut r.recommended) {
                (Some(truth), Some(rec)) => {
                    let observed = opt.best().map_or(f64::INFINITY, |(b, _)| truth(b));
                    r.regret.push(regret_of(observed));
                    if CHECKPOINTS.contains(&done) || done == p.budget {
                        let got = opt.recommended().map_or(f64::INFINITY, |(b, _)| truth(b));
                        rec[done - 1] = regret_of(got);
                    }
                }
                _ => r.regret.push(regret_of(best)),
            }
        }
    }
    Ok(r)
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

/// One table row: the median log10 regret of `regrets` (one per run) at each
/// checkpoint, and the median time per suggestion of `runs`.
fn report(p: &Problem, label: &str, regrets: &[&Vec<f64>], runs: &[Run]) {
    let mut row = format!("| {} | {label} |", p.name);
    for at in CHECKPOINTS {
        if at <= p.budget {
            let m = median(regrets.iter().map(|r| r[at - 1].log10()).collect());
            row += &format!(" {m:.2} |");
        } else {
            row += " |";
        }
    }
    let all = median(runs.iter().flat_map(|r| r.times.iter().copied()).collect());
    let last = median(
        runs.iter()
            .flat_map(|r| r.times[r.times.len().saturating_sub(10)..].iter().copied())
            .collect(),
    );
    let total: usize = runs.iter().map(|r| r.times.len()).sum();
    let share = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    let bound = share(runs.iter().map(|r| r.on_bound).sum());
    let repeats = share(runs.iter().map(|r| r.repeats).sum());
    row += &format!(
        " {:.2} | {:.2} | {bound:.1} | {repeats:.1} |",
        all * 1e3,
        last * 1e3
    );
    println!("{row}");
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.speed {
        let last = args.budget.unwrap_or(1000);
        return speed::run(gp_config(&args, Acquisition::LogEi), args.first_seed, last);
    }
    println!(
        "median over {} seeds of log10(best − minimum); time = median ms per suggestion (all / last 10); \
         bound % / repeat % = share of all suggestions with a continuous coordinate on a bound / within \
         {REPEAT_TOLERANCE:e} of an earlier trial\n",
        args.seeds
    );
    println!(
        "| function | sampler | @10 | @20 | @30 | @50 | @100 | ms | ms last 10 | bound % | repeat % |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
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
            report(
                &p,
                &label,
                &runs.iter().map(|r| &r.regret).collect::<Vec<_>>(),
                &runs,
            );
            // Noisy rows: the same runs scored by the sampler's recommendation.
            let recommended: Option<Vec<&Vec<f64>>> =
                runs.iter().map(|r| r.recommended.as_ref()).collect();
            if let (Some(rec), Some(_)) = (recommended, acquisition) {
                report(&p, &format!("{label} recommended"), &rec, &runs);
            }
        }
    }
    Ok(())
}
