//! Shared by the example studies: command-line flags, a progress line per
//! trial, and the library's results files and summary. (Not an example itself.)

use autotune::data::Split;
use autotune::error::Warning;
use autotune::history::TrialState;
use autotune::study::{Observer, Progress};
use autotune::tune::{AutotuneConfig, Summary, TuneReport, autotune_observed, write_results};
use std::path::PathBuf;
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
    /// `trials` trials; prints the usage error and exits on a bad flag.
    pub fn parse(name: &'static str, about: &'static str, trials: usize) -> Flags {
        Flags::try_parse_from(name, about, trials, std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args` (the program name first) as example `name`'s command
    /// line: `--trials`, `--workers`, `--seed`, `--out`, `--resume`,
    /// `--quiet` (and `--help`).
    ///
    /// # Errors
    /// clap's error for an unknown flag or a bad value.
    pub fn try_parse_from<I, T>(
        name: &'static str,
        about: &'static str,
        trials: usize,
        args: I,
    ) -> Result<Flags, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
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
            .try_get_matches_from(args)?;
        Ok(Flags {
            trials: m.get_one("trials").copied().unwrap_or(trials),
            workers: m.get_one("workers").copied().unwrap_or(cores),
            seed: m.get_one("seed").copied().unwrap_or(0),
            out: m.get_one::<PathBuf>("out").cloned().unwrap_or(out),
            resume: m.get_flag("resume"),
            quiet: m.get_flag("quiet"),
        })
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
    fn warning(&mut self, warning: &Warning) {
        eprintln!("warning: {warning}");
    }

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
/// (the same files as `autotune tune`, by the same library function) and
/// prints the summary.
pub fn run_study(
    flags: &Flags,
    split: &Split,
    config: &AutotuneConfig,
) -> anyhow::Result<TuneReport> {
    let report = autotune_observed(split, config, Lines::new(flags))?;
    let written = write_results(&flags.out, &report)?;
    let history = report.history();
    let mut files = vec!["journal.jsonl"];
    files.extend(written.files.iter().copied());
    let summary = Summary::of_report(&report, &history).with_results(&written, &flags.out, files);
    print!("\n{}", summary.render());
    Ok(report)
}

/// Runs an example's `run`, printing its error chain once.
pub fn main<T>(run: impl FnOnce() -> anyhow::Result<T>) {
    if let Err(err) = run() {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
