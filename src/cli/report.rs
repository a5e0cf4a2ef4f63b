//! `autotune report DIR`: the summary of a study, and its results files
//! regenerated from the journal.

use super::args::ReportArgs;
use super::fail::{CliResult, Failure, OrFail};
use super::interrupt::resume_command;
use super::outdir::{JOURNAL, OutDir, RESULTS, SETTINGS};
use super::results;
use autotune::history::History;
use autotune::study::read_journal;
use autotune::tune::{Summary, TuneObjective, TuneReport};
use serde::de::DeserializeOwned;

/// Reads a JSON results file if it exists.
fn read_json<T: DeserializeOwned>(out: &OutDir, name: &str) -> CliResult<Option<T>> {
    let path = out.file(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Failure::input(format!("{}: malformed: {e}", path.display())))
}

/// Runs `autotune report`.
///
/// # Errors
/// Bad input if `DIR` holds no readable study; a run failure if a file cannot be written.
pub fn run(args: &ReportArgs) -> CliResult<()> {
    let (Some(dir), None) = (&args.dir, args.storage.get()) else {
        return super::shared::report(&args.storage);
    };
    let out = OutDir::new(dir);
    let dir = out.root().display();
    if !out.root().is_dir() {
        return Err(Failure::input(format!("{dir} is not a directory")));
    }
    if !out.journal().exists() {
        return Err(Failure::input(format!(
            "{dir} holds no study: there is no {JOURNAL} (write one with `autotune tune --out {dir}`)"
        )));
    }
    let journal = read_journal(out.journal()).or_input()?;
    for w in &journal.warnings {
        eprintln!("warning: {w}");
    }
    let settings = out.read_settings().ok();
    let report: Option<TuneReport> = read_json(&out, "report.json")?;
    let history = History::from_trials(journal.header.direction, journal.trials.iter().cloned());
    // The report describes the journal's trials only if the study finished
    // after its last trial (a resumed, then interrupted run leaves an older one).
    let report = report.filter(|r| r.trials == journal.trials);
    let written = match &report {
        Some(r) => results::write_all(&out, r)?,
        None => {
            // The command line always tunes the validation loss.
            let objective = TuneObjective::ValidationLoss;
            results::write_trials_and_plots(&out, &journal.header.space, &history, objective)?
        }
    };
    let mut files = vec![JOURNAL];
    files.extend(
        [SETTINGS]
            .iter()
            .chain(RESULTS.iter())
            .filter(|f| out.file(f).exists()),
    );
    // (The journal's warnings went to stderr above.)
    let summary = match &report {
        Some(r) => Summary::of_report(r, &history).with_results(&written, out.root(), files),
        None => Summary::of_trials(
            settings.as_ref().map_or("study", |s| s.data.as_str()),
            &journal.header.space,
            &history,
            settings
                .as_ref()
                .map_or(history.len(), |s| s.planned_trials(None).max(history.len())),
            journal.header.workers,
            journal.header.seed,
        )
        .with_results(&written, out.root(), files),
    };
    print!("{}", summary.render());
    if out.file(super::ask_tell::ASK_SETTINGS).exists() {
        println!(
            "\nthe study is run by `autotune ask` / `autotune tell` ({} trials told)",
            history.len()
        );
    } else if report.is_none() {
        println!(
            "\nthe study is unfinished ({} of {} trials, no final retraining); resume with:\n  {}",
            history.len(),
            summary.planned,
            resume_command(out.root(), None)
        );
    }
    Ok(())
}
