//! `autotune tune`: run (or resume) a study and write its results.

use super::args::TuneArgs;
use super::fail::{CliResult, Failure, OrFail};
use super::interrupt;
use super::outdir::{JOURNAL, OutDir, RESULTS, SETTINGS};
use super::progress::{ProgressView, Style};
use super::results;
use super::settings::Settings;
use autotune::data::Split;
use autotune::error::{StudyError, Warning};
use autotune::study::{DataFingerprint, JournalContents, Observer, Progress, read_existing};
use autotune::tune::{AutotuneConfig, Summary, autotune_stoppable, fmt_duration};

/// A library error as a failure: bad input (exit 2) for data, configuration
/// and journal problems, a run failure (exit 1) otherwise.
pub fn classify(e: autotune::Error) -> Failure {
    use autotune::Error as E;
    match &e {
        E::Data(_)
        | E::Config(_)
        | E::Space(_)
        | E::Study(
            StudyError::JournalExists { .. }
            | StudyError::HeaderMismatch { .. }
            | StudyError::DataMismatch { .. }
            | StudyError::Locked { .. }
            | StudyError::Journal { .. }
            | StudyError::StorageUrl { .. }
            | StudyError::DatabaseAuth { .. }
            | StudyError::SchemaVersion { .. }
            | StudyError::UnknownTrial { .. },
        ) => Failure::input(e),
        _ => Failure::run(e),
    }
}

/// Runs `autotune tune`.
///
/// # Errors
/// Bad input (exit 2) found before the study starts; a run failure (exit 1).
pub fn run(args: &TuneArgs) -> CliResult<()> {
    if let Some(at) = args.shared.storage.get() {
        return super::shared::tune(args, at);
    }
    // One process per study directory, for the life of the run: a second is
    // refused at once, before it reads or writes anything there. A directory
    // that does not exist yet is created only once the command line, the
    // settings and the data are known to be good (bad input writes nothing),
    // then locked; an existing one is locked before its contents are judged
    // (another process may be creating a study there right now).
    // First the command line itself: free epochs need a range; `--out` is
    // new, empty or a study (files of the study machinery, such as a lock,
    // do not count).
    super::preflight::check(args)?;
    let out = OutDir::new(&args.out);
    let checked = if out.root().exists() {
        None
    } else {
        // (Before loading: a resume without a study says so, not "--data is required".)
        super::preflight::check_resume(args)?;
        Some(Loaded::new(args, None, &out)?)
    };
    let _lock = out.lock()?;
    super::preflight::check_resume(args)?;
    // Check everything before the first trial: the settings, the data, the
    // directory (first when resuming, as it holds the settings).
    let saved = if args.resume {
        out.prepare(true)?
    } else {
        None
    };
    let Loaded {
        settings,
        split,
        config,
    } = match checked {
        // (Unless a study appeared there meanwhile.)
        Some(loaded) if saved.is_none() => loaded,
        _ => Loaded::new(args, saved.as_ref(), &out)?,
    };
    if !args.resume {
        out.prepare(false)?;
    }
    // A journal with no trial asked yet resumes as a new study.
    let recorded = if args.resume {
        read_existing(out.journal())
            .or_input()?
            .filter(|c| !c.is_header_only())
    } else {
        None
    };
    let done_before = recorded.as_ref().map_or(0, |c| c.trials.len());
    if let Some(c) = &recorded {
        check_resumable(c, &settings, args.timeout, &split, out.root())?;
    }
    // A new study's settings become the study's once its journal exists.
    if saved.is_some() {
        out.write_settings(&settings)?;
    } else {
        out.stage_settings(&settings)?;
    }

    // Progress on stderr, and Ctrl-C that keeps the finished trials.
    let style = Style::detect(args.quiet);
    if style != Style::Quiet {
        let sizes = [&split.train, &split.validation, &split.test].map(|d| d.n_samples());
        eprintln!(
            "{} {}: {} train / {} validation / {} test rows; {} on {} worker{}, seed {}; results in {}",
            if done_before > 0 {
                "resuming"
            } else {
                "tuning"
            },
            split.train.name(),
            sizes[0],
            sizes[1],
            sizes[2],
            match (settings.trials, args.timeout) {
                _ if settings.budget_epochs.is_some() => format!(
                    "a budget of {} epochs (multi-fidelity)",
                    settings.budget_epochs.unwrap_or_default()
                ),
                (Some(n), None) => format!("{n} trials"),
                (Some(n), Some(t)) => format!("{n} trials or {}", fmt_duration(t.as_secs_f64())),
                (None, Some(t)) => format!("trials for {}", fmt_duration(t.as_secs_f64())),
                (None, None) => format!("{} trials", settings.planned_trials(None)),
            },
            settings.workers,
            if settings.workers == 1 { "" } else { "s" },
            settings.seed,
            out.root().display()
        );
    }
    let total = (settings.trials.is_some()
        || (args.timeout.is_none() && settings.budget_epochs.is_none()))
    .then(|| settings.planned_trials(args.timeout));
    let view = ProgressView::new(
        style,
        total,
        total.map_or(done_before, |t| done_before.min(t)),
        settings.workers,
        config.objective.label(),
    )
    .epochs(settings.epochs)
    .time_limit(args.timeout)
    .epoch_budget(settings.budget_epochs);
    let stop = interrupt::install(
        view.shared(),
        out.journal(),
        interrupt::resume_command(out.root(), None),
    );
    let view = CommitSettings {
        inner: view,
        out: out.clone(),
    };
    let report = autotune_stoppable(&split, &config, view, &stop)
        .map_err(|e| classify(interrupt::exit_if_stopped(e)))?;
    out.commit_settings()?;
    // (Warnings, e.g. a torn journal line skipped, went through the observer.)

    // The results files and the summary.
    let written = results::write_all(&out, &report)?;
    let history = report.history();
    let mut files = vec![JOURNAL, SETTINGS];
    files.extend(RESULTS.iter().filter(|f| written.files.contains(f)));
    let summary = Summary::of_report(&report, &history).with_results(&written, out.root(), files);
    print!("{}", summary.render());
    Ok(())
}

/// A run's settings, data and configuration, checked.
struct Loaded {
    settings: Settings,
    split: Split,
    config: AutotuneConfig,
}

impl Loaded {
    /// Resolves the settings of `args` (with the `saved` settings of a study
    /// being resumed), loads and splits the data, and checks the configuration.
    ///
    /// # Errors
    /// Bad input.
    fn new(args: &TuneArgs, saved: Option<&Settings>, out: &OutDir) -> CliResult<Self> {
        let settings = Settings::resolve(args, saved)?;
        let split = settings.load_split()?;
        let mut config = settings.config(&out.journal(), args.resume);
        config.timeout = args.timeout;
        if let Some(kind) = args.final_model {
            config.final_model = kind;
        }
        config.budget_epochs = settings.budget_epochs;
        config.check().map_err(classify)?;
        Ok(Self {
            settings,
            split,
            config,
        })
    }
}

/// Checks that the study recorded in `journal` can be resumed with
/// `settings` and `split`: a budget no smaller than the trials done, and the
/// data it was started on.
///
/// # Errors
/// Bad input, saying what to change.
fn check_resumable(
    journal: &JournalContents,
    settings: &Settings,
    timeout: Option<std::time::Duration>,
    split: &Split,
    dir: &std::path::Path,
) -> CliResult<()> {
    let done = journal.trials.len();
    let planned = settings.planned_trials(timeout);
    if planned < done {
        let given = match settings.trials {
            Some(n) => format!("--trials {n} is"),
            None => format!("the default of {planned} trials is"),
        };
        return Err(Failure::input(format!(
            "{given} fewer than the {done} trials the study in {} has already run; \
             give --trials {done} or more (the total, not the trials to add), or a --timeout",
            dir.display()
        )));
    }
    if let Some(then) = &journal.header.data {
        let changes = then.changes(&DataFingerprint::of_split(split));
        if !changes.is_empty() {
            return Err(Failure::input(format!(
                "{} is not the data the study in {} was started on ({}); resume with that \
                 data, or start a new study with another --out",
                settings.data,
                dir.display(),
                changes.join("; ")
            )));
        }
    }
    Ok(())
}

/// The progress view, which also makes a new study's staged settings the
/// study's as soon as the study has started (its journal exists).
struct CommitSettings<O> {
    inner: O,
    out: OutDir,
}

impl<O: Observer> Observer for CommitSettings<O> {
    fn run_started(&mut self, n_trials: usize) {
        // A failure here is reported by the commit after the run.
        let _ = self.out.commit_settings();
        self.inner.run_started(n_trials);
    }

    fn trial_finished(&mut self, progress: &Progress<'_>) {
        self.inner.trial_finished(progress);
    }

    fn warning(&mut self, warning: &Warning) {
        self.inner.warning(warning);
    }
}
