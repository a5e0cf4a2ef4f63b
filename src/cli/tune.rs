//! `autotune tune`: run (or resume) a study and write its results.

use super::args::TuneArgs;
use super::data;
use super::fail::{CliResult, Failure, OrFail};
use super::interrupt;
use super::outdir::{JOURNAL, OutDir, RESULTS, SETTINGS};
use super::progress::{ProgressView, Style};
use super::results;
use super::settings::Settings;
use autotune::error::StudyError;
use autotune::study::read_journal;
use autotune::tune::{Summary, autotune_stoppable};

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
            | StudyError::Journal { .. },
        ) => Failure::input(e),
        _ => Failure::run(e),
    }
}

/// Runs `autotune tune`.
///
/// # Errors
/// Bad input (exit 2) found before the study starts; a run failure (exit 1).
pub fn run(args: &TuneArgs) -> CliResult<()> {
    // Check everything before the first trial: the settings, the data, the
    // directory (first when resuming, as it holds the settings).
    super::preflight::check(args)?;
    let out = OutDir::new(&args.out);
    let saved = if args.resume {
        out.prepare(true)?
    } else {
        None
    };
    let settings = Settings::resolve(args, saved.as_ref())?;
    let csv = data::CsvFlags {
        delimiter: settings.delimiter,
        no_header: settings.no_header,
    };
    let dataset = data::load(
        &settings.data,
        settings.target.as_deref(),
        settings.task,
        csv,
    )?;
    let split = data::split(&dataset, settings.seed)?;
    let config = settings.config(&out.journal(), args.resume);
    config.check().map_err(classify)?;
    if !args.resume {
        out.prepare(false)?;
    }
    let done_before = if args.resume && out.journal().exists() {
        read_journal(out.journal()).or_input()?.trials.len()
    } else {
        0
    };
    out.write_settings(&settings)?;

    // Progress on stderr, and Ctrl-C that keeps the finished trials.
    let style = Style::detect(args.quiet);
    if style != Style::Quiet {
        let sizes = [&split.train, &split.valid, &split.test].map(|d| d.n_samples());
        eprintln!(
            "{} {}: {} train / {} valid / {} test rows; {} trials on {} worker{}, seed {}; results in {}",
            if done_before > 0 {
                "resuming"
            } else {
                "tuning"
            },
            dataset.name(),
            sizes[0],
            sizes[1],
            sizes[2],
            settings.trials,
            settings.workers,
            if settings.workers == 1 { "" } else { "s" },
            settings.seed,
            out.root().display()
        );
    }
    let view = ProgressView::new(
        style,
        settings.trials,
        done_before.min(settings.trials),
        settings.workers,
        config.objective.label(),
    )
    .epochs(settings.epochs);
    let stop = interrupt::install(
        view.shared(),
        out.journal(),
        interrupt::resume_command(out.root(), None),
    );
    let report = autotune_stoppable(&split, &config, view, &stop)
        .map_err(|e| classify(interrupt::exit_if_stopped(e)))?;
    // (Warnings, e.g. a torn journal line skipped, went through the observer.)

    // The results files and the summary.
    let written = results::write_all(&out, &report)?;
    let history = report.history();
    let mut files = vec![JOURNAL, SETTINGS];
    files.extend(RESULTS.iter().filter(|f| written.files.contains(f)));
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .chain(&written.warnings)
        .cloned()
        .collect();
    let summary = Summary {
        importance: written.importance.as_deref(),
        files: Some((out.root(), files)),
        warnings: &warnings,
        ..Summary::of_report(&report, &history)
    };
    print!("{}", summary.render());
    Ok(())
}
