//! Load benchmark of a shared study: N worker processes ask and tell M
//! trials in all of a 1-ms objective against a PostgreSQL server, and the
//! same M trials in one process on the file journal (one machine, one
//! process at a time) and in memory. Prints, per storage and sampler: ask
//! latency p50/p99 (the whole `ask`: the storage's transaction and the
//! sampler's suggestion), trials per second, duplicate numbers and lost
//! results (both must be 0: a result told successfully that the storage
//! does not hold).
//!
//! ```sh
//! eval "$(bash .ci/postgres start)"
//! cargo run --release --features postgres --example pg_load -- \
//!     --procs 8 --trials 2000 --gp-procs 4 --gp-trials 120
//! bash .ci/postgres stop "$AUTOTUNE_PG_DIR"
//! ```
//!
//! The URL comes from `--url` or `AUTOTUNE_TEST_POSTGRES`. Not run in CI.

use anyhow::{Context, Result, bail};
use autotune::error::{Error, StudyError};
use autotune::sampler::{GpSampler, RandomSampler};
use autotune::space::{Scale, SearchSpace};
use autotune::study::storage::postgres::{PostgresOptions, stored_study};
use autotune::study::{Study, StudyBuilder};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one process measured.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Measured {
    /// Every ask's latency, in microseconds.
    ask_us: Vec<u64>,
    /// The numbers this process told successfully.
    told: Vec<usize>,
}

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", -5.0..=5.0, Scale::Linear)
        .float("y", 1e-4..=1.0, Scale::Log)
        .int("n", 1..=64, Scale::Log)
        .build()
        .expect("a valid space")
}

fn builder(gp: bool) -> StudyBuilder {
    let b = Study::builder(space()).seed(11);
    if gp {
        b.sampler(GpSampler::default())
    } else {
        b.sampler(RandomSampler)
    }
}

/// Asks and tells until the study says its budget is reached (or `limit`
/// trials for a storage without a budget).
fn drive(study: &mut Study, limit: usize) -> Result<Measured> {
    let mut m = Measured::default();
    while m.told.len() < limit {
        let start = Instant::now();
        let trial = match study.ask() {
            Ok(t) => t,
            Err(Error::Study(StudyError::BudgetReached { .. })) => break,
            Err(e) => return Err(e.into()),
        };
        m.ask_us.push(start.elapsed().as_micros() as u64);
        // The objective: 1 ms of "training".
        std::thread::sleep(Duration::from_millis(1));
        let (x, y) = (trial.float("x")?, trial.float("y")?);
        let number = trial.number();
        study.tell(trial, (x - 1.0).powi(2) + y.ln().abs())?;
        m.told.push(number);
    }
    Ok(m)
}

fn options(url: &str, study: &str, budget: usize) -> PostgresOptions {
    PostgresOptions::new(url, study).budget(budget)
}

/// A worker process: joins the study and prints what it measured as JSON.
fn child(url: &str, study: &str, gp: bool, budget: usize) -> Result<()> {
    let mut s = builder(gp).postgres(options(url, study, budget)).build()?;
    let m = drive(&mut s, usize::MAX)?;
    println!("{}", serde_json::to_string(&m)?);
    Ok(())
}

/// One line of the table.
struct Row {
    storage: String,
    sampler: &'static str,
    procs: usize,
    trials: usize,
    p50_ms: f64,
    p99_ms: f64,
    per_sec: f64,
    duplicates: usize,
    lost: usize,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn row(
    storage: String,
    sampler: &'static str,
    procs: usize,
    all: &[Measured],
    stored: &[usize],
    secs: f64,
) -> Row {
    let mut lat: Vec<u64> = all.iter().flat_map(|m| m.ask_us.iter().copied()).collect();
    lat.sort_unstable();
    let mut told: BTreeMap<usize, usize> = BTreeMap::new();
    for n in all.iter().flat_map(|m| m.told.iter()) {
        *told.entry(*n).or_default() += 1;
    }
    let duplicates = told.values().filter(|&&c| c > 1).count();
    let lost = told
        .keys()
        .filter(|n| stored.binary_search(n).is_err())
        .count();
    let trials = told.values().sum();
    Row {
        storage,
        sampler,
        procs,
        trials,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
        per_sec: trials as f64 / secs,
        duplicates,
        lost,
    }
}

/// N processes on one shared study.
fn shared(url: &str, procs: usize, trials: usize, gp: bool) -> Result<Row> {
    let study = format!(
        "pg-load-{}-{}",
        std::process::id(),
        if gp { "gp" } else { "random" }
    );
    let exe = std::env::current_exe()?;
    let start = Instant::now();
    let children: Vec<_> = (0..procs)
        .map(|_| {
            Command::new(&exe)
                .args(["child", url, &study, if gp { "gp" } else { "random" }])
                .arg(trials.to_string())
                .stdout(Stdio::piped())
                .spawn()
        })
        .collect::<std::io::Result<_>>()?;
    let mut all = Vec::new();
    for c in children {
        let out = c.wait_with_output()?;
        if !out.status.success() {
            bail!("a worker process failed ({})", out.status);
        }
        let line = String::from_utf8_lossy(&out.stdout);
        all.push(serde_json::from_str::<Measured>(line.trim()).context("a worker's report")?);
    }
    let secs = start.elapsed().as_secs_f64();
    let stored = stored_study(&options(url, &study, trials))?.context("the study exists")?;
    let mut numbers: Vec<usize> = stored.trials.iter().map(|t| t.number).collect();
    numbers.sort_unstable();
    let storage = "postgres".to_owned();
    Ok(row(
        storage,
        if gp { "gp" } else { "random" },
        procs,
        &all,
        &numbers,
        secs,
    ))
}

/// One process on the file journal (or in memory).
fn single(trials: usize, gp: bool, journal: bool) -> Result<Row> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("journal.jsonl");
    let b = builder(gp);
    let mut s = if journal {
        b.journal(&path).build()?
    } else {
        b.build()?
    };
    let start = Instant::now();
    let m = drive(&mut s, trials)?;
    let secs = start.elapsed().as_secs_f64();
    let mut stored: Vec<usize> = if journal {
        drop(s);
        autotune::study::read_journal(&path)?
            .trials
            .iter()
            .map(|t| t.number)
            .collect()
    } else {
        s.history().trials().iter().map(|t| t.number).collect()
    };
    stored.sort_unstable();
    let storage = if journal { "journal" } else { "memory" }.to_owned();
    Ok(row(
        storage,
        if gp { "gp" } else { "random" },
        1,
        &[m],
        &stored,
        secs,
    ))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        let [_, _, url, study, sampler, budget] = &args[..] else {
            bail!("usage: pg_load child URL STUDY random|gp BUDGET");
        };
        return child(url, study, sampler == "gp", budget.parse()?);
    }
    let flag = |name: &str, default: usize| -> Result<usize> {
        match args.iter().position(|a| a == name) {
            Some(i) => Ok(args.get(i + 1).context("a value")?.parse()?),
            None => Ok(default),
        }
    };
    let url = match args.iter().position(|a| a == "--url") {
        Some(i) => args.get(i + 1).context("--url URL")?.clone(),
        None => std::env::var("AUTOTUNE_TEST_POSTGRES")
            .context("give --url URL or set AUTOTUNE_TEST_POSTGRES (bash .ci/postgres start)")?,
    };
    let (procs, trials) = (flag("--procs", 8)?, flag("--trials", 2000)?);
    let (gp_procs, gp_trials) = (flag("--gp-procs", 4)?, flag("--gp-trials", 120)?);
    let rows = [
        shared(&url, procs, trials, false)?,
        single(trials, false, true)?,
        single(trials, false, false)?,
        shared(&url, gp_procs, gp_trials, true)?,
        single(gp_trials, true, true)?,
        single(gp_trials, true, false)?,
    ];
    println!(
        "| storage | sampler | processes | trials | ask p50 (ms) | ask p99 (ms) | trials/s | duplicates | lost |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.0} | {} | {} |",
            r.storage,
            r.sampler,
            r.procs,
            r.trials,
            r.p50_ms,
            r.p99_ms,
            r.per_sec,
            r.duplicates,
            r.lost
        );
    }
    Ok(())
}
