//! Study benchmark on the digits data set (1797 8x8 images, 10 classes):
//!
//! 1. throughput: trials per minute with 1 and 2 workers (with random
//!    sampling the same trials, which depend only on the seed and the trial
//!    number; with the GP sampler, its own suggestions);
//! 2. pruning: epochs run by the same random trials without pruning, with the
//!    median pruner and with successive halving, and the best validation loss
//!    each finds.
//!
//! Run with `cargo run --release --example study_benchmark` (add `-- --quick`
//! for a short smoke run). Timings depend on the machine and its load.

use autotune::data::{Builtin, Dataset, Split, SplitFractions};
use autotune::space::{Domain, Scale};
use autotune::study::Mode;
use autotune::tune::{
    AutotuneConfig, PrunerConfig, SamplerConfig, TuneReport, TuneSpace, autotune,
};
use std::time::Instant;

fn main() {
    let flags = clap::Command::new("study_benchmark")
        .about("Trials per minute on 1 and 2 workers, and epochs saved by pruning, on digits")
        .arg(
            clap::Arg::new("quick")
                .long("quick")
                .action(clap::ArgAction::SetTrue)
                .help("A short smoke run (fewer trials)"),
        )
        .get_matches();
    if let Err(e) = run(flags.get_flag("quick")) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(quick: bool) -> autotune::Result<()> {
    let split = Dataset::builtin(Builtin::Digits)?.split(SplitFractions::new(0.6, 0.2, 0.2), 42)?;
    throughput(&split, if quick { 4 } else { 24 })?;
    pruning(&split, if quick { 8 } else { 40 })
}

/// Trials on 1 and 2 workers: of equal cost (fixed batch size), and of
/// uneven cost (batch sizes searched from 8 to 256). Each run is repeated
/// `REPEATS` times; the median wall time is shown.
fn throughput(split: &Split, n_trials: usize) -> autotune::Result<()> {
    const REPEATS: usize = 5;
    let even = TuneSpace::default()
        .hidden([vec![256, 128]])
        .batch_size(Domain::fixed(32))
        .epochs(Domain::fixed(30));
    let uneven = even.clone().batch_size(Domain::int(8, 256, Scale::Log));
    println!(
        "## Throughput: digits, {n_trials} trials of 30 epochs (256-128 hidden), no pruning\n"
    );
    println!(
        "| sampler | batch size | workers | mode | wall time (s) | cores used | trials/min | speed-up |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|");
    let (random, gp) = (SamplerConfig::Random, SamplerConfig::default());
    let runs = [
        (&random, "32", &even, 1, Mode::Synchronous),
        (&random, "32", &even, 2, Mode::Synchronous),
        (&random, "8..=256", &uneven, 1, Mode::Synchronous),
        (&random, "8..=256", &uneven, 2, Mode::Synchronous),
        (&random, "8..=256", &uneven, 2, Mode::Asynchronous),
        (&gp, "8..=256", &uneven, 1, Mode::Synchronous),
        (&gp, "8..=256", &uneven, 2, Mode::Synchronous),
    ];
    let mut base = 0.0;
    for (sampler, what, space, workers, mode) in runs {
        let config = AutotuneConfig::default()
            .n_trials(n_trials)
            .workers(workers)
            .mode(mode)
            .seed(1)
            .sampler(sampler.clone())
            .pruner(PrunerConfig::None)
            .retrain(false)
            .space(space.clone());
        let mut times = Vec::with_capacity(REPEATS);
        for _ in 0..REPEATS {
            let cpu = cpu_secs();
            let start = Instant::now();
            let report = autotune(split, &config)?;
            let wall = start.elapsed().as_secs_f64();
            times.push((wall, cpu_secs().zip(cpu).map(|(b, a)| (b - a) / wall)));
            assert_eq!(report.counts.total(), n_trials);
        }
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (secs, cores) = times[REPEATS / 2];
        let cores = cores.map_or("?".to_owned(), |c| format!("{c:.2}"));
        let per_min = n_trials as f64 / secs * 60.0;
        if workers == 1 {
            base = per_min;
        }
        let mode = match mode {
            Mode::Synchronous => "batches",
            Mode::Asynchronous => "async",
        };
        let sampler = match sampler {
            SamplerConfig::Random => "random",
            SamplerConfig::Gp(_) => "GP",
        };
        println!(
            "| {sampler} | {what} | {workers} | {mode} | {secs:.2} | {cores} | {per_min:.0} | {:.2}x |",
            per_min / base
        );
    }
    println!();
    Ok(())
}

/// CPU time (user + system) of this process so far, in seconds, from
/// `/proc/self/stat` (Linux; clock ticks assumed at the usual 100 Hz). Shows
/// how many cores a run actually got on a shared machine.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The same random trials without and with pruning.
fn pruning(split: &Split, n_trials: usize) -> autotune::Result<()> {
    println!("## Pruning: digits, {n_trials} random trials of up to 30 epochs\n");
    println!("| pruner | pruned | epochs | epochs saved | best validation loss | best trial |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut full = None;
    for (name, pruner) in [
        ("none", PrunerConfig::None),
        ("median", PrunerConfig::default()),
        (
            "successive halving",
            PrunerConfig::SuccessiveHalving(Default::default()),
        ),
    ] {
        let config = AutotuneConfig::default()
            .n_trials(n_trials)
            .seed(7)
            .sampler(SamplerConfig::Random)
            .pruner(pruner)
            .retrain(false)
            .space(TuneSpace::default().epochs(Domain::fixed(30)));
        let r: TuneReport = autotune(split, &config)?;
        let epochs = r.epochs;
        let saved = 1.0 - epochs as f64 / *full.get_or_insert(epochs) as f64;
        println!(
            "| {name} | {} | {epochs} | {:.0}% | {:.4} | {} |",
            r.counts.pruned,
            100.0 * saved,
            r.best.value,
            r.best.number
        );
    }
    Ok(())
}
