//! End to end against Optuna + PyTorch on digits, on identical rows.
//!
//! For each seed: `../shared/anchors/write_split.py` writes the anchor's exact
//! stratified 60/20/20 split; the anchor (`benches/anchors/optuna_torch_digits.py`,
//! the shared anchor printing its test log loss too) tunes a PyTorch 64-128-10
//! MLP with Optuna's GPSampler for 30 trials and retrains the best on
//! train + validation; autotune tunes the same network in the same space
//! (learning rate log [1e-5, 1], batch size log [8, 512], five initialisers,
//! L2 log [1e-7, 1e-1], Adam, 20 epochs, one worker, no pruner) on the same
//! rows:
//! - with equal trials (30), scoring each trial at its best epoch and at its
//!   last, and making every [`FinalModel`] from the same study;
//! - with equal trials and 5-fold cross-validation on train + validation,
//!   for the ensemble of the best trial's fold networks (`best_trial`) and
//!   the top-5 ensembles;
//! - with the anchor's own study wall time of that seed as its `timeout`
//!   (the defaults otherwise: the final model the five best configurations
//!   retrained, with two other final models of the same study beside it).
//!
//! Prints one row per seed and run, then means and medians over the seeds.
//! The anchor is skipped with a message when Python, torch, optuna or
//! scikit-learn is missing (`pip install torch optuna scikit-learn`); the
//! split then comes from autotune's own stratified split of the built-in
//! digits (the same 60/20/20 proportions, other rows).
//!
//! Run: `cargo run --release --example e2e_digits -- [--seeds 10] [--trials 30]
//! [--python python3] [--no-anchor] [--no-equal-time] [--only-cv]`.

use anyhow::{Context, Result, bail};
use autotune::data::{Builtin, Dataset};
use autotune::nn::{Init, Optimizer};
use autotune::space::{Domain, Scale};
use autotune::tune::{
    AutotuneConfig, FinalModel, PrunerConfig, ScoreAt, TuneReport, TuneSpace, autotune,
    make_final_model,
};
use std::process::Command;

#[path = "common/anchor.rs"]
mod anchor;
use anchor::{anchor_split, root};
use std::time::Duration;

/// One measured run: a study and the test scores of its final model.
#[derive(Debug, Clone)]
struct Row {
    what: String,
    seed: u64,
    test_accuracy: f64,
    test_log_loss: f64,
    validation: f64,
    study_secs: f64,
    trials: usize,
}

struct Flags {
    seeds: u64,
    trials: usize,
    python: String,
    anchor: bool,
    equal_time: bool,
    /// Only the cross-validated study, on the anchor's splits, without
    /// running the anchor (its rows are deterministic: see the README).
    only_cv: bool,
}

fn flags() -> Result<Flags> {
    let mut f = Flags {
        seeds: 10,
        trials: 30,
        python: "python3".into(),
        anchor: true,
        equal_time: true,
        only_cv: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seeds" => f.seeds = value()?.parse()?,
            "--trials" => f.trials = value()?.parse()?,
            "--python" => f.python = value()?,
            "--no-anchor" => f.anchor = false,
            "--no-equal-time" => f.equal_time = false,
            "--only-cv" => f.only_cv = true,
            other => bail!(
                "unknown flag {other}; flags: --seeds N --trials N --python P --no-anchor --no-equal-time --only-cv"
            ),
        }
    }
    Ok(f)
}

/// The anchor's search space, network and training, in autotune's terms.
fn space() -> TuneSpace {
    TuneSpace::default()
        .learning_rate(Domain::float(1e-5, 1.0, Scale::Log))
        .batch_size(Domain::int(8, 512, Scale::Log))
        .init(Init::ALL)
        .regularization(Domain::float(1e-7, 1e-1, Scale::Log))
        .optimizer([Optimizer::adam()])
        .hidden([vec![128]])
        .epochs(Domain::fixed(20))
}

fn config(seed: u64) -> AutotuneConfig {
    AutotuneConfig::default()
        .seed(seed)
        .workers(1)
        .pruner(PrunerConfig::None)
        .space(space())
}

/// Whether `python` can run the anchor (torch, optuna, scikit-learn).
fn anchor_available(python: &str) -> std::result::Result<(), String> {
    let out = Command::new(python)
        .args(["-c", "import torch, optuna, sklearn"])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("import failed")
            .to_owned())
    }
}

/// Runs the anchor for `seed`: its JSON line as a row.
fn anchor(python: &str, trials: usize, seed: u64) -> Result<Row> {
    let script = root().join("benches/anchors/optuna_torch_digits.py");
    let out = Command::new(python)
        .arg(&script)
        .args(["gp", &trials.to_string(), &seed.to_string()])
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "the anchor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value =
        serde_json::from_str(line.trim()).with_context(|| format!("the anchor printed {line}"))?;
    let num = |k: &str| v[k].as_f64().with_context(|| format!("no {k} in {line}"));
    Ok(Row {
        what: "optuna gp + pytorch".into(),
        seed,
        test_accuracy: num("test_accuracy")?,
        test_log_loss: num("test_log_loss")?,
        validation: num("best_val_loss")?,
        study_secs: num("study_wall_s")?,
        trials,
    })
}

fn row(what: String, seed: u64, report: &TuneReport, scores: &autotune::tune::TestScores) -> Row {
    Row {
        what,
        seed,
        test_accuracy: scores.accuracy.unwrap_or(f64::NAN),
        test_log_loss: scores.log_loss.unwrap_or(f64::NAN),
        validation: report.best.value,
        study_secs: report
            .budget
            .as_ref()
            .map_or(report.wall_secs, |b| b.study_secs),
        trials: report.trials.len(),
    }
}

fn main() -> Result<()> {
    let f = flags()?;
    let anchor_ok = if f.anchor {
        match anchor_available(&f.python) {
            Ok(()) => true,
            Err(why) => {
                println!(
                    "the anchor is skipped: {why} (pip install torch optuna scikit-learn); \
                     autotune runs on its own split of the built-in digits"
                );
                false
            }
        }
    } else {
        false
    };
    let tmp = tempfile::tempdir()?;
    let mut rows: Vec<Row> = Vec::new();
    for seed in 0..f.seeds {
        let split = if anchor_ok {
            anchor_split(&f.python, seed, &tmp.path().join(seed.to_string()))?
        } else {
            Dataset::builtin(Builtin::Digits)?
                .split(autotune::data::SplitFractions::new(0.6, 0.2, 0.2), seed)?
        };
        // 5-fold cross-validation on train + validation: the fold networks'
        // ensemble (best_trial) and the ensembles of the best trials.
        let cfg = config(seed).n_trials(f.trials).cv_folds(Some(5));
        let report = autotune(&split, &cfg)?;
        for kind in [
            FinalModel::BestTrial,
            FinalModel::TopK { k: 5 },
            FinalModel::TopKRetrained { k: 5 },
        ] {
            let (scores, _) = make_final_model(kind, &split, &cfg, &report)?;
            let what = format!("autotune 5-fold cv {}", kind.name());
            rows.push(row(what, seed, &report, &scores.context("no test part")?));
        }
        if f.only_cv {
            continue;
        }
        let anchor_row = if anchor_ok {
            let r = anchor(&f.python, f.trials, seed)?;
            eprintln!(
                "seed {seed}: anchor {:.4} in {:.1}s",
                r.test_accuracy, r.study_secs
            );
            rows.push(r.clone());
            Some(r)
        } else {
            None
        };
        for score_at in [ScoreAt::BestEpoch, ScoreAt::LastEpoch] {
            let cfg = config(seed).n_trials(f.trials).score_at(score_at);
            let report = autotune(&split, &cfg)?;
            for kind in FinalModel::all(5) {
                let (scores, _) = make_final_model(kind, &split, &cfg, &report)?;
                let what = format!("autotune {:?} {}", score_at, kind.name());
                rows.push(row(what, seed, &report, &scores.context("no test part")?));
            }
        }
        if let (Some(a), true) = (&anchor_row, f.equal_time) {
            let limit = Duration::from_secs_f64(a.study_secs);
            // One study within the anchor's time, with the defaults; its
            // final models made as the default (top-5 retrained) and two others.
            let mut cfg = config(seed).timeout(limit);
            cfg.n_trials = None;
            let report = autotune(&split, &cfg)?;
            let test = report.test.as_ref().context("no test")?;
            rows.push(row(
                "autotune timed (defaults: top_5_retrained)".into(),
                seed,
                &report,
                test,
            ));
            for kind in [FinalModel::RetrainScored, FinalModel::TopK { k: 5 }] {
                let (scores, _) = make_final_model(kind, &split, &cfg, &report)?;
                let what = format!("autotune timed {}", kind.name());
                rows.push(row(what, seed, &report, &scores.context("no test part")?));
            }
        }
    }
    print_table(&rows);
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn print_table(rows: &[Row]) {
    println!("\nper seed:");
    println!(
        "{:<44} {:>4} {:>8} {:>8} {:>9} {:>8} {:>6}",
        "run", "seed", "test acc", "log loss", "valid", "study s", "trials"
    );
    for r in rows {
        println!(
            "{:<44} {:>4} {:>8.4} {:>8.4} {:>9.4} {:>8.2} {:>6}",
            r.what, r.seed, r.test_accuracy, r.test_log_loss, r.validation, r.study_secs, r.trials
        );
    }
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.what.as_str()) {
            names.push(&r.what);
        }
    }
    let anchor: Vec<&Row> = rows
        .iter()
        .filter(|r| r.what.starts_with("optuna"))
        .collect();
    println!(
        "\nover {} seeds (mean test accuracy and log loss; median study time; accuracy vs the anchor per seed):",
        anchor.len().max(
            rows.iter()
                .map(|r| r.seed)
                .max()
                .map_or(0, |s| s as usize + 1)
        )
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10}",
        "run", "test acc", "log loss", "valid", "study s", "trials", "Δacc mean", "wins"
    );
    for name in names {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.what == name).collect();
        let acc: Vec<f64> = mine.iter().map(|r| r.test_accuracy).collect();
        let ll: Vec<f64> = mine.iter().map(|r| r.test_log_loss).collect();
        let val: Vec<f64> = mine.iter().map(|r| r.validation).collect();
        let secs: Vec<f64> = mine.iter().map(|r| r.study_secs).collect();
        let trials: Vec<f64> = mine.iter().map(|r| r.trials as f64).collect();
        let diffs: Vec<f64> = mine
            .iter()
            .filter_map(|r| {
                anchor
                    .iter()
                    .find(|a| a.seed == r.seed)
                    .map(|a| r.test_accuracy - a.test_accuracy)
            })
            .collect();
        let wins = diffs.iter().filter(|d| **d > 0.0).count();
        let ties = diffs.iter().filter(|d| **d == 0.0).count();
        println!(
            "{:<44} {:>8.2}% {:>9.4} {:>9.4} {:>9.2} {:>8.0} {:>+9.2}pt {:>6}/{}/{}",
            name,
            100.0 * mean(&acc),
            mean(&ll),
            mean(&val),
            median(secs),
            median(trials),
            if diffs.is_empty() {
                f64::NAN
            } else {
                100.0 * mean(&diffs)
            },
            wins,
            ties,
            diffs.len() - wins - ties,
        );
    }
}
