//! Shared by the example studies: command-line flags, a progress line per
//! trial, the results files and the summary table. (Not an example itself.)

use autotune::data::{Dataset, Split, Target};
use autotune::history::{History, TrialState};
use autotune::space::Value;
use autotune::study::{Observer, Progress, read_journal};
use autotune::tune::{AutotuneConfig, TuneObjective, TuneReport, autotune_observed};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The flags every example study takes.
#[derive(Debug, Clone)]
pub struct Flags {
    /// Trials in the study.
    pub trials: usize,
    /// Trials trained side by side.
    pub workers: usize,
    /// The seed everything derives from.
    pub seed: u64,
    /// The directory for the journal, `report.json`, `trials.csv` and the plots.
    pub out: PathBuf,
    /// Continue the study in `out` instead of starting afresh.
    pub resume: bool,
    /// No progress lines.
    pub quiet: bool,
}

impl Flags {
    /// Parses the command line of example `name`, whose default budget is
    /// `trials` trials.
    pub fn parse(name: &'static str, about: &'static str, trials: usize) -> Flags {
        use clap::{Arg, ArgAction, Command, value_parser};
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let out = PathBuf::from(format!("target/autotune-examples/{name}"));
        let m = Command::new(name)
            .about(about)
            .arg(
                Arg::new("trials")
                    .long("trials")
                    .value_parser(value_parser!(usize))
                    .help(format!("Trials in the study [default: {trials}]")),
            )
            .arg(
                Arg::new("workers")
                    .long("workers")
                    .value_parser(value_parser!(usize))
                    .help(format!(
                        "Trials trained side by side [default: {cores}, the cores]"
                    )),
            )
            .arg(
                Arg::new("seed")
                    .long("seed")
                    .value_parser(value_parser!(u64))
                    .help("The seed everything derives from [default: 0]"),
            )
            .arg(
                Arg::new("out")
                    .long("out")
                    .value_parser(value_parser!(PathBuf))
                    .help(format!(
                        "Directory for the results [default: {}]",
                        out.display()
                    )),
            )
            .arg(
                Arg::new("resume")
                    .long("resume")
                    .action(ArgAction::SetTrue)
                    .help("Continue the study in --out instead of starting afresh"),
            )
            .arg(
                Arg::new("quiet")
                    .long("quiet")
                    .action(ArgAction::SetTrue)
                    .help("No progress lines"),
            )
            .get_matches();
        Flags {
            trials: m.get_one("trials").copied().unwrap_or(trials),
            workers: m.get_one("workers").copied().unwrap_or(cores),
            seed: m.get_one("seed").copied().unwrap_or(0),
            out: m.get_one::<PathBuf>("out").cloned().unwrap_or(out),
            resume: m.get_flag("resume"),
            quiet: m.get_flag("quiet"),
        }
    }

    /// The study settings these flags choose (trials, workers, seed, journal,
    /// resume) on top of the defaults; each example adds its own.
    pub fn config(&self) -> anyhow::Result<AutotuneConfig> {
        Ok(AutotuneConfig::default()
            .n_trials(self.trials)
            .workers(self.workers)
            .seed(self.seed)
            .journal(self.journal()?)
            .resume(self.resume))
    }

    /// Creates `out` and returns the journal's path; without `--resume` an old
    /// journal there is removed so the study starts afresh.
    pub fn journal(&self) -> anyhow::Result<PathBuf> {
        anyhow::ensure!(self.trials > 0, "--trials must be at least 1");
        anyhow::ensure!(self.workers > 0, "--workers must be at least 1");
        std::fs::create_dir_all(&self.out)?;
        let journal = self.out.join("journal.jsonl");
        if !self.resume && journal.exists() {
            std::fs::remove_file(&journal)?;
        }
        Ok(journal)
    }
}

/// Prints one line per finished trial on stderr.
pub struct Lines {
    total: usize,
    quiet: bool,
    start: Instant,
}

impl Lines {
    /// Progress of a study of `total` trials.
    pub fn new(flags: &Flags) -> Self {
        Self {
            total: flags.trials,
            quiet: flags.quiet,
            start: Instant::now(),
        }
    }
}

impl Observer for Lines {
    fn trial_finished(&mut self, p: &Progress<'_>) {
        if self.quiet {
            return;
        }
        let what = match &p.trial.state {
            TrialState::Complete { value } => format!("{value:.4}"),
            TrialState::Pruned { step, .. } => format!("pruned after epoch {step}"),
            other => other.name().to_owned(),
        };
        let best = p
            .best
            .and_then(|b| b.state.value())
            .map_or("-".into(), |v| format!("{v:.4}"));
        eprintln!(
            "[{:>3}/{}] {:>6.1}s  trial {:>3}: {what:<24} best {best}",
            p.counts.total(),
            self.total,
            self.start.elapsed().as_secs_f64(),
            p.trial.number
        );
    }
}

/// Runs the study with one progress line per trial, writes the results files
/// and prints the summary table of example `name`.
pub fn run_study(
    name: &str,
    flags: &Flags,
    split: &Split,
    config: &AutotuneConfig,
) -> anyhow::Result<TuneReport> {
    let report = autotune_observed(split, config, Lines::new(flags))?;
    save(flags, &flags.out.join("journal.jsonl"), &report)?;
    print_summary(name, flags, &split.test, &report);
    Ok(report)
}

/// Writes `report.json`, `trials.csv`, `convergence.svg`, `slices.svg` and
/// (with enough complete trials) `importance.svg` into `out`.
pub fn save(flags: &Flags, journal: &Path, report: &TuneReport) -> anyhow::Result<()> {
    let space = read_journal(journal)?.header.space;
    let history = History::from_trials(report.direction, report.trials.iter().cloned());
    let out = &flags.out;
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(report)?,
    )?;
    std::fs::write(
        out.join("trials.csv"),
        autotune::report::trials_csv(&space, &history),
    )?;
    let label = objective(report.objective);
    autotune::report::convergence_svg(&history, label, &out.join("convergence.svg"))?;
    autotune::report::slices_svg(&space, &history, label, &out.join("slices.svg"))?;
    if let Some(imp) = autotune::report::gp_importance(&space, &history) {
        autotune::report::importance_svg(&imp, &out.join("importance.svg"))?;
    }
    Ok(())
}

/// The label of what was optimised.
pub fn objective(o: TuneObjective) -> &'static str {
    match o {
        TuneObjective::ValidLoss => "validation loss",
        TuneObjective::Accuracy => "validation accuracy",
        TuneObjective::Rmse => "validation RMSE",
    }
}

/// Prints the summary table: the study, the best trial, the test scores.
pub fn print_summary(name: &str, flags: &Flags, test: &Dataset, report: &TuneReport) {
    let t = &report.totals;
    let b = &report.best;
    let mut rows = vec![
        ("data set", name.to_owned()),
        (
            "trials",
            format!(
                "{} ({} complete, {} pruned, {} failed)",
                t.trials,
                t.complete,
                t.pruned,
                t.failed + t.diverged
            ),
        ),
        (
            "workers, seed",
            format!("{}, {}", flags.workers, flags.seed),
        ),
        (
            "wall time",
            format!("{:.1} s ({} training epochs)", t.wall_secs, t.epochs),
        ),
        (
            "best trial",
            format!("#{} at epoch {}", b.number, b.best_epoch),
        ),
        (
            "best validation",
            format!("{} {:.4}", objective(report.objective), b.value),
        ),
    ];
    for (k, v) in b.params.iter() {
        let v = match v {
            Value::Float(x) if *x != 0.0 => format!("{x:.3e}"),
            other => other.to_string(),
        };
        rows.push(("  parameter", format!("{k} = {v}")));
    }
    if let Some(s) = &report.test {
        rows.push(("test rows", s.n_samples.to_string()));
        if let Some(a) = s.accuracy {
            rows.push(("test accuracy", format!("{:.2}%", 100.0 * a)));
            rows.push(("test log loss", format!("{:.4}", s.loss)));
        }
        if let Some(r) = s.rmse {
            rows.push(("test RMSE", format!("{r:.3}")));
            if let Some(r2) = r2(r, test) {
                rows.push(("test R²", format!("{r2:.3}")));
            }
        }
    }
    rows.push(("results in", flags.out.display().to_string()));
    let w = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    println!();
    for (k, v) in rows {
        println!("{k:<w$}  {v}");
    }
}

/// `R² = 1 - n rmse² / Σ (y - ȳ)²` on the test targets (scikit-learn's `r2_score`).
pub fn r2(rmse: f64, test: &Dataset) -> Option<f64> {
    let Target::Real(y) = test.target() else {
        return None;
    };
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    (ss_tot > 0.0).then(|| 1.0 - y.len() as f64 * rmse * rmse / ss_tot)
}

/// Runs an example's `run`, printing its error chain once.
pub fn main<T>(run: impl FnOnce() -> anyhow::Result<T>) {
    if let Err(err) = run() {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
