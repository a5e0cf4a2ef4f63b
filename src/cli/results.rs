//! The results files of a study: written by the library's
//! [`autotune::tune::write_results`]; here only what the command line adds.

use super::fail::{CliResult, OrFail};
use super::outdir::OutDir;
use autotune::history::History;
use autotune::space::SearchSpace;
use autotune::tune::{TuneObjective, TuneReport, Written};

/// Writes every results file of a finished study (why any file was left
/// out is in the returned warnings, for the summary).
///
/// # Errors
/// A run failure if a file cannot be written.
pub fn write_all(out: &OutDir, report: &TuneReport) -> CliResult<Written> {
    autotune::tune::write_results(out.root(), report).or_run("writing the results")
}

/// Writes `trials.csv` and the plots of an unfinished study.
///
/// # Errors
/// A run failure if a file cannot be written.
pub fn write_trials_and_plots(
    out: &OutDir,
    space: &SearchSpace,
    history: &History,
    objective: TuneObjective,
) -> CliResult<Written> {
    autotune::tune::write_trials_and_plots(out.root(), space, history, objective)
        .or_run("writing the results")
}
