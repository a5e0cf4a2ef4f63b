//! `autotune report DIR`: the summary of a study, and its results files
//! regenerated from the journal.

use super::args::ReportArgs;
use super::fail::{CliResult, Failure, OrFail};
use super::interrupt::resume_command;
use super::outdir::{JOURNAL, OutDir, RESULTS, SETTINGS};
use super::results::{self, BestFile};
use super::summary::Summary;
use autotune::study::read_journal;
use autotune::tune::{TuneObjective, TuneReport};
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
    let out = OutDir::new(&args.dir);
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
    let history = results::history_of(journal.header.direction, &journal.trials);
    // The report and best.json describe the journal's trials only if the study
    // finished after its last trial (a resumed, then interrupted run leaves an older report).
    let report = report.filter(|r| r.trials.len() == history.len());
    let best: Option<BestFile> = match &report {
        Some(_) => read_json(&out, "best.json")?,
        None => None,
    };
    let objective = report
        .as_ref()
        .map_or(TuneObjective::ValidLoss, |r| r.objective);
    let imp = results::write_trials_and_plots(&out, &journal.header.space, &history, objective)?;

    let planned = settings.as_ref().map_or(history.len(), |s| s.trials);
    let data = settings
        .as_ref()
        .map_or_else(|| "study".to_owned(), |s| s.data.clone());
    let mut files = vec![JOURNAL];
    files.extend(
        [SETTINGS]
            .iter()
            .chain(RESULTS.iter())
            .filter(|f| out.file(f).exists()),
    );
    let summary = Summary {
        data: &data,
        space: &journal.header.space,
        history: &history,
        objective,
        planned,
        workers: journal.header.workers,
        seed: journal.header.seed,
        totals: report
            .as_ref()
            .map(|r| (r.totals.epochs, r.totals.wall_secs)),
        best: best.as_ref(),
        importance: imp.as_deref(),
        dir: out.root(),
        files,
    };
    print!("{}", summary.render());
    if report.is_none() {
        println!(
            "\nthe study is unfinished ({} of {planned} trials, no final retraining); resume with:\n  {}",
            history.len(),
            resume_command(out.root(), None)
        );
    }
    Ok(())
}
