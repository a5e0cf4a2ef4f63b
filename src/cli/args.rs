//! The command line, parsed by clap.

use autotune::nn::MAX_EPOCHS;
use autotune::study::{WORKERS_PER_CORE, available_cores, max_workers};
use autotune::tune::MAX_TRIALS;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Tune neural-network hyperparameters by Bayesian optimisation.
#[derive(Debug, Parser)]
#[command(name = "autotune", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tune a network on a data set and write the results to --out.
    ///
    /// With --storage URL --study NAME the study is kept in PostgreSQL and
    /// shared by every machine that runs it: the first `tune` creates it with
    /// its options (stored in the database: a joining `tune` or `autotune
    /// worker` needs only the URL and NAME; options given must match), every
    /// process runs trials until the study's --trials are done, then `tune`
    /// retrains the best configuration and writes its results to --out.
    Tune(TuneArgs),
    /// Print the summary of a study and regenerate its results files and plots.
    Report(ReportArgs),
    /// Run trials of a study shared through PostgreSQL (made by `autotune tune
    /// --storage URL --study NAME`) until its budget is met.
    ///
    /// The study's settings (data, space, trials...) are read from the
    /// database, where `autotune tune --storage` stored them; its data must be
    /// readable here (a built-in set, or the CSV file at the same path). A
    /// worker does not retrain the best configuration (`autotune tune
    /// --storage` does). Ctrl-C ends it at once: its running trials are given
    /// up after the grace period and re-run by the other workers.
    Worker(WorkerArgs),
    /// Ask a study for a trial to run: prints `{"number":N,"params":{...}}` on
    /// one line. For a training script in any language, with `autotune tell`.
    ///
    /// The study is a study directory (`--dir`, one machine: concurrent calls
    /// wait for each other) or a shared study (`--storage URL --study NAME`).
    /// The first `ask` creates it from `--space` and the creation options
    /// below, which are stored with it (in DIR/ask.json, or in the database);
    /// later calls need none of them (given, they must match). A trial asked
    /// is out until `autotune tell` records it: it is never given up as lost,
    /// and other asks treat it as pending. Once the study's --trials are all
    /// asked, `ask` fails with exit code 3.
    ///
    /// Example: while line=$(autotune ask --dir s --space space.json --trials 20);
    /// do n=$(echo "$line" | jq .number); v=$(python train.py "$line");
    /// autotune tell --dir s --trial "$n" --value "$v"; done
    Ask(AskArgs),
    /// Tell a study the result of a trial from `autotune ask`.
    Tell(TellArgs),
    /// List the built-in data sets.
    Datasets,
}

/// `autotune tune`. Options left out take their defaults, or with `--resume`
/// the values the study was started with (saved in `DIR/study.json`).
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// A built-in data set (see `autotune datasets`) or a CSV file.
    #[arg(long, value_name = "NAME|FILE.csv")]
    pub data: Option<String>,
    /// The CSV column to predict: its header name, or its position counting from 1
    /// [default: the last column].
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Classification or regression [default: inferred from the target column].
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// The CSV cell delimiter: one character, or `tab` [default: `;` or a tab
    /// if the first line has more of it than commas, else `,`].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<char>,
    /// The CSV file's first line is data, not column names [default: a
    /// header is detected].
    #[arg(long)]
    pub no_header: bool,
    /// Trials in the whole study (with --resume: the new total), at most
    /// 1000000 [default: 30].
    #[arg(long, value_name = "N", value_parser = trials)]
    pub trials: Option<usize>,
    /// A wall-clock limit on the trials of this run, as `20s`, `1.5m`, `2h`,
    /// `1h30m` or `500ms`: trials are started while the next is expected to
    /// end within it (the final retraining comes after). With --trials as
    /// well, whichever is reached first ends the study; without, as many
    /// trials as fit. Not with --storage (a shared study's budget is its
    /// number of trials).
    #[arg(long, value_name = "TIME", value_parser = parse_timeout, conflicts_with = "storage")]
    pub timeout: Option<std::time::Duration>,
    /// How the final model is made: top_5_retrained (the five best
    /// configurations retrained on train + validation, predictions
    /// averaged), retrain_scored, retrain_full, retrain_same_updates,
    /// best_trial, top_K (the K best trials' own networks) or
    /// top_K_retrained [default: top_5_retrained].
    #[arg(long, value_name = "KIND", value_parser = parse_final_model)]
    pub final_model: Option<autotune::tune::FinalModel>,
    /// A limit on the training epochs of the study, at most 100000000: with
    /// it the multi-fidelity strategy is used (configurations start with one
    /// epoch and the promising ones are paused and resumed up to --epochs;
    /// every pause is journaled, so --resume continues a killed study
    /// exactly). With --resume, the study's budget unless given (the new
    /// total). With --trials or --timeout as well, whichever is reached
    /// first ends the study. Not with --storage.
    #[arg(long, value_name = "N", value_parser = budget_epochs, conflicts_with = "storage")]
    pub budget_epochs: Option<usize>,
    /// Trials trained side by side, one thread each, at most 4 per core
    /// [default: the number of cores].
    #[arg(long, value_name = "W", value_parser = workers)]
    pub workers: Option<usize>,
    /// The seed everything derives from, 0 to 18446744073709551615 [default: 0].
    #[arg(long, value_name = "S", allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// The directory for the journal, results files and plots (with
    /// --storage: for this machine's results files and plots; the study
    /// itself is in the database).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Continue the study recorded in --out.
    #[arg(long, conflicts_with = "storage")]
    pub resume: bool,
    /// Where the study is kept, if not in --out.
    #[command(flatten)]
    pub shared: SharedArgs,
    /// Stop unpromising trials early [default: median].
    #[arg(long, value_enum)]
    pub pruner: Option<PrunerArg>,
    /// Hyperparameters to search besides learning rate, batch size, initialiser
    /// and regularisation: any of optimizer, activation, schedule, hidden,
    /// dropout, epochs (comma-separated). Free epochs are searched from E/4
    /// to E = --epochs (log scale), so they need --epochs 2 or more.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub free: Option<Vec<FreeArg>>,
    /// Training epochs of every trial (the upper bound if epochs are free),
    /// at most 1000000 [default: 50].
    #[arg(long, value_name = "E", value_parser = epochs)]
    pub epochs: Option<usize>,
    /// No progress output (the final summary is still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--budget-epochs`: at most [`MAX_BUDGET_EPOCHS`](autotune::tune::MAX_BUDGET_EPOCHS).
fn budget_epochs(text: &str) -> Result<usize, String> {
    at_most(text, autotune::tune::MAX_BUDGET_EPOCHS, "epochs")
}

/// A count given on the command line, at most `max` (0 is let through: the
/// settings reject it with their own message).
fn at_most(text: &str, max: usize, what: &str) -> Result<usize, String> {
    let n: usize = text.parse().map_err(|e| format!("{e}"))?;
    if n > max {
        return Err(format!("at most {max} {what}"));
    }
    Ok(n)
}

/// `--timeout`: a positive duration of numbers with units `ms`, `s`, `m`,
/// `h` (`1h30m`, `1.5m`, `20s`), at most 100 days.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{text}` is not a duration: write e.g. 20s, 1.5m, 2h, 1h30m or 500ms");
    let mut secs = 0.0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_end);
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let scale = match unit {
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        secs += n * scale;
        rest = tail;
    }
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("--timeout must be above zero, got `{text}`"));
    }
    if secs > 100.0 * 86_400.0 {
        return Err(format!("--timeout is at most 100 days, got `{text}`"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `--final-model`: a [`FinalModel`](autotune::tune::FinalModel) name.
fn parse_final_model(text: &str) -> Result<autotune::tune::FinalModel, String> {
    text.parse()
        .map_err(|e: autotune::error::ConfigError| match e {
            autotune::error::ConfigError::Invalid { reason, .. } => reason,
            other => other.to_string(),
        })
}

/// `--trials`: at most [`MAX_TRIALS`].
fn trials(text: &str) -> Result<usize, String> {
    at_most(text, MAX_TRIALS, "trials")
}

/// `--epochs`: at most [`MAX_EPOCHS`].
fn epochs(text: &str) -> Result<usize, String> {
    at_most(text, MAX_EPOCHS, "epochs")
}

/// `--workers`: at most [`max_workers`] ([`WORKERS_PER_CORE`] per core).
fn workers(text: &str) -> Result<usize, String> {
    let cores = available_cores();
    let machine = if cores == 1 {
        "1 core".to_owned()
    } else {
        format!("{cores} cores")
    };
    at_most(
        text,
        max_workers(),
        &format!("workers ({WORKERS_PER_CORE} per core; this machine has {machine})"),
    )
}

/// `autotune report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A directory written by `autotune tune` (or `autotune ask --dir`).
    #[arg(
        value_name = "DIR",
        required_unless_present = "storage",
        conflicts_with = "storage"
    )]
    pub dir: Option<PathBuf>,
    /// Or a study shared through PostgreSQL (the summary only: no files are written).
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// `--storage URL --study NAME`: a study kept in PostgreSQL.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// A PostgreSQL database that keeps the study, shared by all its workers
    /// on any machine: postgres://USER:PASSWORD@HOST:PORT/DATABASE. The tables
    /// are created on first use.
    #[arg(long, value_name = "URL", requires = "study")]
    pub storage: Option<String>,
    /// The study's name in --storage.
    #[arg(long, value_name = "NAME", requires = "storage")]
    pub study: Option<String>,
}

impl StorageArgs {
    /// The URL and study name, if given (clap requires both or neither).
    pub fn get(&self) -> Option<(&str, &str)> {
        self.storage.as_deref().zip(self.study.as_deref())
    }
}

/// How the workers of a shared study notice a lost one.
#[derive(Debug, Clone, Args)]
pub struct SharedArgs {
    /// The study's storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// A running trial with no heartbeat from its worker for this long is
    /// given up as lost (marked failed) and re-run; heartbeats are sent every
    /// sixth of it [default: 60].
    #[arg(long, value_name = "SECS", requires = "storage", value_parser = seconds)]
    pub grace: Option<f64>,
    /// How many times a lost trial is re-run [default: 2].
    #[arg(long, value_name = "N", requires = "storage")]
    pub retries: Option<u32>,
}

/// `--grace`: positive seconds, at most a day.
fn seconds(text: &str) -> Result<f64, String> {
    let s: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
        return Err("seconds from more than 0 to 86400".to_owned());
    }
    Ok(s)
}

/// `autotune worker` (see [`Command::Worker`]).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The study, its grace period and retries.
    #[command(flatten)]
    pub shared: SharedArgs,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `autotune ask` (see [`Command::Ask`]).
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The study.
    #[command(flatten)]
    pub at: StudyAt,
    /// The search space, as JSON (the `space` of a journal's header):
    /// [{"name":"lr","domain":{"type":"float","low":1e-5,"high":1.0,"scale":"log"}},
    /// {"name":"layers","domain":{"type":"int","low":1,"high":4,"scale":"linear"}},
    /// {"name":"act","domain":{"type":"categorical","choices":["relu","tanh"]}}].
    /// Needed to create the study.
    #[arg(long, value_name = "FILE.json")]
    pub space: Option<PathBuf>,
    /// Creating: trials in the whole study (its budget) [default: 100].
    #[arg(long, value_name = "N", value_parser = trials)]
    pub trials: Option<usize>,
    /// Creating: the study seed [default: 0].
    #[arg(long, value_name = "S", value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Creating: the sampler [default: gp].
    #[arg(long, value_enum)]
    pub sampler: Option<SamplerArg>,
    /// Creating: the values told are to be maximised [default: minimised].
    #[arg(long)]
    pub maximize: bool,
}

/// `--dir D` or `--storage URL --study NAME`.
#[derive(Debug, Clone, Args)]
pub struct StudyAt {
    /// A study directory (a journal, one machine).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "storage",
        conflicts_with = "storage"
    )]
    pub dir: Option<PathBuf>,
    /// Or a study shared through PostgreSQL.
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// `autotune tell`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("result").required(true).args(["value", "failed"]))]
pub struct TellArgs {
    /// The study.
    #[command(flatten)]
    pub at: StudyAt,
    /// The trial's number, as `autotune ask` printed it.
    #[arg(long, value_name = "N")]
    pub trial: usize,
    /// The trial's value (NaN or an infinity marks it diverged).
    #[arg(long, value_name = "V", allow_negative_numbers = true)]
    pub value: Option<f64>,
    /// The trial failed, for this reason.
    #[arg(long, value_name = "REASON")]
    pub failed: Option<String>,
}

/// `--sampler`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerArg {
    /// Uniformly random configurations.
    Random,
    /// Bayesian optimisation with a Gaussian process.
    Gp,
}

/// `--task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskArg {
    /// Predict a class.
    Classification,
    /// Predict a real number.
    Regression,
}

/// `--pruner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrunerArg {
    /// Never stop a trial early.
    None,
    /// Stop a trial whose value is worse than the median of earlier trials at the same epoch.
    Median,
    /// Asynchronous successive halving.
    Asha,
}

/// `--free`: hyperparameters fixed by default that can be searched.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FreeArg {
    /// The optimiser (SGD, momentum, Adam, ...).
    Optimizer,
    /// The hidden activation.
    Activation,
    /// The learning-rate schedule.
    Schedule,
    /// The hidden-layer widths.
    Hidden,
    /// The dropout rate.
    Dropout,
    /// The number of epochs.
    Epochs,
}

/// What `--seed` takes.
pub const SEED_RANGE: &str = "--seed takes a whole number from 0 to 18446744073709551615";

/// `--seed S`: a `u64`, with a message that says so (a negative number
/// would otherwise read as an unknown flag).
fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().parse().map_err(|_| SEED_RANGE.to_owned())
}

/// `--delimiter`: one character, or `tab` (also `\t`).
fn parse_delimiter(s: &str) -> Result<char, String> {
    if s.eq_ignore_ascii_case("tab") || s == "\\t" {
        return Ok('\t');
    }
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !matches!(c, '"' | '\n' | '\r') => Ok(c),
        (Some('"' | '\n' | '\r'), None) => {
            Err("a quote or a line break cannot delimit cells".to_owned())
        }
        _ => Err("the delimiter is one character (e.g. `;`), or `tab`".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_delimiters() {
        assert_eq!(parse_seed("18446744073709551615"), Ok(u64::MAX));
        for bad in ["-1", "18446744073709551616", "1.5", "seven"] {
            assert_eq!(parse_seed(bad), Err(SEED_RANGE.to_owned()), "{bad}");
        }
        assert_eq!(parse_delimiter(";"), Ok(';'));
        assert_eq!(parse_delimiter("tab"), Ok('\t'));
        assert_eq!(parse_delimiter("\\t"), Ok('\t'));
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_delimiter("").is_err());
        assert!(parse_delimiter("\"").unwrap_err().contains("quote"));
    }

    #[test]
    fn timeouts() {
        let secs = |t: &str| parse_timeout(t).map(|d| d.as_secs_f64());
        assert_eq!(secs("20s"), Ok(20.0));
        assert_eq!(secs("1.5m"), Ok(90.0));
        assert_eq!(secs("1h30m"), Ok(5400.0));
        assert_eq!(secs("500ms"), Ok(0.5));
        assert_eq!(secs(" 2h "), Ok(7200.0));
        for bad in ["", "20", "s", "1x", "1..5s", "-3s", "1h30"] {
            assert!(
                parse_timeout(bad).unwrap_err().contains("not a duration"),
                "{bad}"
            );
        }
        assert!(parse_timeout("0s").unwrap_err().contains("above zero"));
        assert!(parse_timeout("2401h").unwrap_err().contains("100 days"));
    }
}
