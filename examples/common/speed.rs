//! The suggestion-time table of `bo_benchmark --speed`: one 6-D study
//! (Hartmann 6-D, the benchmark's GP configuration) on one thread, run to
//! 100, 300 and 1,000 trials, with the median time of the last 10
//! suggestions before each checkpoint and the process's resident memory at
//! the end (`VmHWM`, the peak, and `VmRSS` from `/proc/self/status`).
//! Beside the wall-clock time, the thread's own CPU time (first field of
//! `/proc/thread-self/schedstat`, in ns) is shown: on a machine shared with
//! other jobs it excludes the time spent waiting for a core (shared caches
//! still slow it down).
//!
//! One thread: the GP fit screens its starts on `GpConfig::threads = 1`
//! and every rayon call inside the sampler runs in a one-thread pool.
//! (Included by `bo_benchmark.rs` with `#[path]`; not an example itself.)
//!
//! Measured with `cargo run --release --example bo_benchmark -- --speed` on
//! the 2-core development machine, shared with other jobs (load average 2–7;
//! the second pair of columns is a run at load ~7):
//!
//! | trials | median ms (last 10) | CPU ms | at load ~7: ms | CPU ms |
//! |---|---|---|---|---|
//! | 100 | 7.1 | 8.0 | 10.6 | 8.0 |
//! | 300 | 80.5 | 80.0 | 137.5 | 90.8 |
//! | 1000 | 61.3 | 62.0 | 122.1 | 71.9 |
//!
//! Resident memory at 1,000 trials: peak 116 MB, now 96 MB. Before the
//! refit schedule (main at 9435eb1, same table to 300 trials): 12.4 ms at
//! 100 and 577 ms at 300; one full fit alone took about 3.5 s at 1,000.

use anyhow::Result;
use autotune::benchmarks::Function;
use autotune::sampler::{AskTell, GpSampler, GpSamplerConfig};
use std::time::Instant;

/// The trial counts at which the table has a row.
pub const CHECKPOINTS: [usize; 3] = [100, 300, 1000];

/// Runs the study with `config` (its thread settings overridden to one) to
/// the last checkpoint not above `max_trials` and prints the table.
///
/// # Errors
/// A sampler that cannot be built or a suggestion that fails.
pub fn run(mut config: GpSamplerConfig, seed: u64, max_trials: usize) -> Result<()> {
    config.gp.threads = 1;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let function = Function::Hartmann6;
    let space = function.space()?;
    let last = CHECKPOINTS
        .iter()
        .copied()
        .filter(|&c| c <= max_trials)
        .max()
        .unwrap_or(CHECKPOINTS[0]);
    let mut opt = AskTell::new(space, GpSampler::new(config)?, seed);
    let mut times = Vec::with_capacity(last);
    let mut cpu = Vec::with_capacity(last);
    let mut best = f64::INFINITY;
    println!("suggestion time, Hartmann 6-D, one thread, seed {seed}\n");
    println!("| trials | median ms (last 10) | CPU ms (last 10) | log10 regret |");
    println!("|---|---|---|---|");
    pool.install(|| -> Result<()> {
        while times.len() < last {
            let (start, cpu_start) = (Instant::now(), thread_cpu_seconds());
            let (number, params) = opt.ask()?;
            times.push(start.elapsed().as_secs_f64());
            cpu.push(thread_cpu_seconds() - cpu_start);
            let value = function.value_at(&params)?;
            best = best.min(value);
            opt.tell(number, value)?;
            if CHECKPOINTS.contains(&times.len()) {
                let recent = |v: &[f64]| median(v[v.len() - 10..].to_vec()) * 1e3;
                let regret = (best - function.minimum()).max(1e-20).log10();
                println!(
                    "| {} | {:.1} | {:.1} | {regret:.2} |",
                    times.len(),
                    recent(&times),
                    recent(&cpu)
                );
            }
        }
        Ok(())
    })?;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or_else(|| "n/a".to_owned(), |v| v.trim().to_owned())
    };
    println!(
        "\nresident memory at {last} trials: peak (VmHWM) {}, now (VmRSS) {}",
        field("VmHWM:"),
        field("VmRSS:")
    );
    Ok(())
}

/// The calling thread's CPU time so far, in seconds (NaN where
/// `/proc/thread-self/schedstat` cannot be read).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}
