//! Studies shared by many machines through PostgreSQL: `autotune tune
//! --storage URL --study NAME` creates or joins one, `autotune worker` runs
//! trials of one, `autotune report --storage` summarises one.
//!
//! The database keeps the study (its settings, budget and trials); the
//! command line stores its own settings with it ([`Metadata`]), so a worker
//! needs only the URL and the study's name.

use super::args::{SharedArgs, StorageArgs, TuneArgs, WorkerArgs};
use super::ask_tell::AskSettings;
use super::fail::{CliResult, Failure, OrFail};
use super::outdir::{JOURNAL, OutDir, RESULTS, SETTINGS};
use super::progress::{ProgressView, Style};
use super::results;
use super::settings::{Place, Settings};
use super::tune::classify;
use autotune::data::Split;
use autotune::error::Warning;
use autotune::history::History;
use autotune::study::storage::postgres::{PostgresOptions, StoredStudy, stored_study};
use autotune::study::{Observer, Progress, StopHandle};
use autotune::tune::{AutotuneConfig, Summary, autotune_stoppable};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What the command line stores with a study it creates in a database
/// ([`PostgresOptions::metadata`]), as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metadata {
    /// A study of `autotune tune --storage`: its settings (as `study.json`).
    Tune(Settings),
    /// A study of `autotune ask --storage`.
    Ask(AskSettings),
}

impl Metadata {
    /// As stored.
    pub fn to_json(&self) -> CliResult<String> {
        serde_json::to_string(self).or_run("serialising the study's settings")
    }
}

/// The grace period when `--grace` is left out, in seconds.
const DEFAULT_GRACE: f64 = 60.0;

/// The options of the study at `url` named `name`, with `shared`'s grace
/// period (heartbeats every sixth of it) and retries.
pub fn options(shared: &SharedArgs, url: &str, name: &str) -> PostgresOptions {
    let grace = shared.grace.unwrap_or(DEFAULT_GRACE);
    PostgresOptions::new(url, name)
        .grace(Duration::from_secs_f64(grace))
        .heartbeat(Duration::from_secs_f64(grace / 6.0))
        .max_retries(shared.retries.unwrap_or(2))
}

/// `URL study NAME`, without the password.
pub fn place(options: &PostgresOptions) -> String {
    format!("{} study {}", options.redacted_url(), options.study())
}

/// The study `options` names as stored, or `None`.
///
/// # Errors
/// Bad input for a bad URL or password; a run failure if the server cannot
/// be reached.
pub fn stored(options: &PostgresOptions) -> CliResult<Option<StoredStudy>> {
    stored_study(options).map_err(classify)
}

/// The study `options` names, which must exist.
///
/// # Errors
/// As [`stored`]; bad input if there is no such study.
pub fn existing(options: &PostgresOptions, create_with: &str) -> CliResult<StoredStudy> {
    stored(options)?.ok_or_else(|| {
        Failure::input(format!(
            "there is no study {} in {} (create it with `{create_with}`)",
            options.study(),
            options.redacted_url()
        ))
    })
}

/// The metadata the command line stored with `study`.
///
/// # Errors
/// Bad input if it has none, or none the command line wrote.
pub fn metadata(study: &StoredStudy, at: &str) -> CliResult<Metadata> {
    let text = study.metadata.as_deref().ok_or_else(|| {
        Failure::input(format!(
            "{at} was not created by the autotune command (it holds no settings for it)"
        ))
    })?;
    serde_json::from_str(text)
        .map_err(|e| Failure::input(format!("{at}: its stored settings do not parse: {e}")))
}

/// The tuning settings of a stored study.
fn tune_settings(study: &StoredStudy, at: &str) -> CliResult<Settings> {
    match metadata(study, at)? {
        Metadata::Tune(s) => Ok(s),
        Metadata::Ask(_) => Err(Failure::input(format!(
            "{at} is a study of `autotune ask` / `autotune tell` (a script runs its trials), \
             not one `autotune tune` or `autotune worker` can train"
        ))),
    }
}

/// Loads the data of `settings` and makes the configuration of a shared
/// study.
fn load(settings: &Settings, options: PostgresOptions, retrain: bool) -> CliResult<LoadedShared> {
    let split = settings.load_split()?;
    let mut config = settings.config(Path::new(JOURNAL), false);
    config.journal = None;
    config.retrain = retrain;
    let config = config.postgres(options);
    config.check().map_err(classify)?;
    Ok(LoadedShared { split, config })
}

struct LoadedShared {
    split: Split,
    config: AutotuneConfig,
}

/// `autotune tune --storage URL --study NAME`: creates the study with the
/// settings given (stored in the database), or joins it (the options given
/// must match its settings), runs trials until its budget is met, then
/// retrains the best configuration and writes the results to `--out`.
///
/// # Errors
/// Bad input; a run failure.
pub fn tune(args: &TuneArgs, (url, name): (&str, &str)) -> CliResult<()> {
    super::preflight::check(args)?;
    let out = OutDir::new(&args.out);
    let _lock = out.lock()?;
    if out.journal().exists() {
        return Err(Failure::input(format!(
            "--out {} holds a study of this machine ({JOURNAL}); give a shared study's results \
             another directory",
            out.root().display()
        )));
    }
    let options = options(&args.shared, url, name);
    let at = place(&options);
    let stored = stored(&options)?;
    let saved = stored.as_ref().map(|s| tune_settings(s, &at)).transpose()?;
    let settings = Settings::resolve_at(
        args,
        saved.as_ref(),
        &Place {
            name: at.clone(),
            other: "--study",
        },
    )?;
    if let Some(saved) = &saved
        && saved.trials != settings.trials
    {
        return Err(Failure::input(format!(
            "--trials {}: {at} has a budget of {} trials, set when it was created; leave \
             --trials out to join it",
            settings.planned_trials(None),
            saved.planned_trials(None)
        )));
    }
    let metadata = Metadata::Tune(settings.clone()).to_json()?;
    let LoadedShared { split, config } = load(
        &settings,
        options
            .budget(settings.planned_trials(None))
            .metadata(metadata),
        true,
    )?;
    out.write_settings(&settings)?;
    let done_before = stored.as_ref().map_or(0, |s| s.trials.len());
    let style = Style::detect(args.quiet);
    if style != Style::Quiet {
        eprintln!(
            "{} {at}: {}, {} trials in all, {} worker{} here, seed {}; results in {}",
            if stored.is_some() {
                "joining"
            } else {
                "creating"
            },
            split.train.name(),
            settings.planned_trials(None),
            settings.workers,
            if settings.workers == 1 { "" } else { "s" },
            settings.seed,
            out.root().display()
        );
    }
    let view = ProgressView::new(
        style,
        Some(settings.planned_trials(None)),
        done_before.min(settings.planned_trials(None)),
        settings.workers,
        config.objective.label(),
    )
    .epochs(settings.epochs);
    let report = autotune_stoppable(&split, &config, view, &StopHandle::new()).map_err(classify)?;
    let written = results::write_all(&out, &report)?;
    let history = report.history();
    let mut files = vec![SETTINGS];
    files.extend(RESULTS.iter().filter(|f| written.files.contains(f)));
    let summary = Summary::of_report(&report, &history).with_results(&written, out.root(), files);
    print!("{}", summary.render());
    Ok(())
}

/// Counts the trials this process finished.
struct Counting<O> {
    inner: O,
    count: Arc<AtomicUsize>,
}

impl<O: Observer> Observer for Counting<O> {
    fn run_started(&mut self, n_trials: usize) {
        self.inner.run_started(n_trials);
    }

    fn trial_finished(&mut self, progress: &Progress<'_>) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.inner.trial_finished(progress);
    }

    fn warning(&mut self, warning: &Warning) {
        self.inner.warning(warning);
    }
}

/// `autotune worker`: runs trials of a shared study until its budget is met.
///
/// # Errors
/// Bad input (a bad URL or password, no such study, its data not found
/// here); a run failure.
pub fn worker(args: &WorkerArgs) -> CliResult<()> {
    let Some((url, name)) = args.shared.storage.get() else {
        return Err(Failure::input(
            "--storage URL and --study NAME are required",
        ));
    };
    let options = options(&args.shared, url, name);
    let at = place(&options);
    let stored = existing(
        &options,
        &format!("autotune tune --storage URL --study {name} --data ... --out DIR"),
    )?;
    let settings = tune_settings(&stored, &at)?;
    let LoadedShared { split, config } = load(&settings, options, false)?;
    let style = Style::detect(args.quiet);
    let count = Arc::new(AtomicUsize::new(0));
    let view = Counting {
        inner: ProgressView::new(
            style,
            Some(settings.planned_trials(None)),
            stored.trials.len().min(settings.planned_trials(None)),
            settings.workers,
            config.objective.label(),
        )
        .epochs(settings.epochs),
        count: Arc::clone(&count),
    };
    let report = autotune_stoppable(&split, &config, view, &StopHandle::new()).map_err(classify)?;
    let ran = count.load(Ordering::Relaxed);
    println!(
        "worker: ran {ran} trial{} of {at}; the study has finished {} trials of its {} ({} complete)",
        if ran == 1 { "" } else { "s" },
        report.trials.len(),
        settings.planned_trials(None),
        report.counts.complete
    );
    Ok(())
}

/// `autotune report --storage URL --study NAME`: the summary of a shared
/// study, read from the database (no files are written).
///
/// # Errors
/// Bad input (a bad URL or password, no such study); a run failure.
pub fn report(storage: &StorageArgs) -> CliResult<()> {
    let Some((url, name)) = storage.get() else {
        return Err(Failure::input(
            "give a study directory, or --storage URL --study NAME",
        ));
    };
    let options = PostgresOptions::new(url, name);
    let at = place(&options);
    let stored = existing(&options, "autotune tune --storage URL --study NAME ...")?;
    let settings = match metadata(&stored, &at) {
        Ok(Metadata::Tune(s)) => Some(s),
        _ => None,
    };
    let header = &stored.header;
    let history = History::from_trials(header.direction, stored.trials.iter().cloned());
    let summary = Summary::of_trials(
        settings.as_ref().map_or(name, |s| s.data.as_str()),
        &header.space,
        &history,
        stored.budget.unwrap_or(history.len()),
        header.workers,
        header.seed,
    );
    print!("{}", summary.render());
    println!(
        "storage    {at}: {} trials finished, {} running or waiting",
        stored.trials.len(),
        stored.unfinished
    );
    Ok(())
}
