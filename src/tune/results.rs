//! The results directory of a study, written by one function for the
//! command line and the examples alike.

use super::fidelity::{FidelityReport, FidelityTrial};
use super::{TestScores, TuneObjective, TuneReport};
use crate::Result;
use crate::error::{ReportError, Warning};
use crate::history::History;
use crate::space::{Params, SearchSpace};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `best.json`: the best configuration, its validation score and the test
/// scores of the final model (`report.json` says which it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestFile {
    /// The best trial's number.
    pub trial: usize,
    /// What was optimised: `validation_loss`, `accuracy` or `rmse` (on the
    /// validation part, or cross-validated).
    pub objective: TuneObjective,
    /// The best trial's value.
    pub value: f64,
    /// The epoch (1-based) its value was scored at; its retraining ran this many.
    pub best_epoch: usize,
    /// The configuration.
    pub params: Params,
    /// Test scores of the final model (absent without a test part).
    pub test: Option<TestScores>,
}

impl BestFile {
    /// The `best.json` of `report`.
    #[must_use]
    pub fn of(report: &TuneReport) -> Self {
        let b = &report.best;
        Self {
            trial: b.number,
            objective: report.objective,
            value: b.value,
            best_epoch: b.best_epoch,
            params: b.params.clone(),
            test: report.test.clone(),
        }
    }
}

/// What [`write_results`] or [`write_trials_and_plots`] wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Written {
    /// The files written, in order.
    pub files: Vec<&'static str>,
    /// Parameter importances (`(name, share)`, shares summing to one), if
    /// they could be estimated.
    pub importance: Option<Vec<(String, f64)>>,
    /// What could not be written and why (e.g. no `importance.svg` with too
    /// few complete trials).
    pub warnings: Vec<Warning>,
}

/// Writes `trials.csv` and, with the `plots` feature, `convergence.svg`,
/// `slices.svg` and (when importances can be estimated) `importance.svg`
/// into `dir`, from the trials of a study over `space`.
///
/// # Errors
/// [`ReportError`] if a file cannot be written or drawn.
pub fn write_trials_and_plots(
    dir: &Path,
    space: &SearchSpace,
    history: &History,
    objective: TuneObjective,
) -> Result<Written> {
    trials_and_plots(dir, space, history, objective, None)
}

/// [`write_trials_and_plots`], and for a multi-fidelity study (`fidelity`)
/// the columns `epochs_trained`, `pauses` and `resumes` of `trials.csv`
/// (epochs separated by `;`) and, with the `plots` feature,
/// `best_by_epochs.svg` and `learning_curves.svg`.
fn trials_and_plots(
    dir: &Path,
    space: &SearchSpace,
    history: &History,
    objective: TuneObjective,
    fidelity: Option<(&FidelityReport, &TuneReport)>,
) -> Result<Written> {
    let mut w = Written::default();
    let csv = match fidelity {
        None => crate::report::trials_csv(space, history),
        Some((f, _)) => {
            let by_trial: std::collections::BTreeMap<usize, &FidelityTrial> =
                f.trials.iter().map(|t| (t.trial, t)).collect();
            let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(";");
            crate::report::trials_csv_with(
                space,
                history,
                &["epochs_trained", "pauses", "resumes"],
                |n| {
                    by_trial.get(&n).map_or_else(Vec::new, |t| {
                        vec![t.epochs.to_string(), list(&t.pauses), list(&t.resumes)]
                    })
                },
            )
        }
    };
    write(dir, "trials.csv", &csv)?;
    w.files.push("trials.csv");
    match crate::report::gp_importance(space, history) {
        Ok(imp) => w.importance = Some(imp),
        Err(e) => w.warnings.push(Warning::new(
            "importance",
            format!("{e}: importance.svg is not written"),
        )),
    }
    #[cfg(feature = "plots")]
    {
        let label = objective.label();
        crate::report::convergence_svg(history, label, &dir.join("convergence.svg"))?;
        crate::report::slices_svg(space, history, label, &dir.join("slices.svg"))?;
        w.files.extend(["convergence.svg", "slices.svg"]);
        if let Some(imp) = &w.importance {
            crate::report::importance_svg(imp, &dir.join("importance.svg"))?;
            w.files.push("importance.svg");
        }
        if let Some((f, report)) = fidelity {
            let line = (
                "this study".to_owned(),
                super::fidelity::best_by_epochs(report),
            );
            crate::report::best_by_epochs_svg(
                &[line],
                label,
                history.direction(),
                &dir.join("best_by_epochs.svg"),
            )?;
            let curves: Vec<crate::report::LearningCurve> = f
                .trials
                .iter()
                .map(|t| crate::report::LearningCurve {
                    trial: t.trial,
                    values: history
                        .trials()
                        .iter()
                        .find(|r| r.number == t.trial)
                        .map_or_else(Vec::new, |r| r.intermediate.clone()),
                    pauses: t.pauses.clone(),
                    resumes: t.resumes.clone(),
                })
                .collect();
            crate::report::learning_curves_svg(
                &curves,
                Some(report.best.number),
                label,
                history.direction(),
                &dir.join("learning_curves.svg"),
            )?;
            w.files
                .extend(["best_by_epochs.svg", "learning_curves.svg"]);
        }
    }
    #[cfg(not(feature = "plots"))]
    let _ = objective;
    Ok(w)
}

/// Writes the results files of a finished study into `dir` (which must
/// exist): `trials.csv`, `best.json`, `report.json` and the plots (see
/// [`write_trials_and_plots`]). The journal is the study's own, written as
/// it runs. The command line and the example studies both call this. For a
/// multi-fidelity study `trials.csv` has the columns `epochs_trained`,
/// `pauses` and `resumes`, and `best_by_epochs.svg` and
/// `learning_curves.svg` are drawn too.
///
/// # Errors
/// [`ReportError`] if a file cannot be written or drawn.
pub fn write_results(dir: &Path, report: &TuneReport) -> Result<Written> {
    let history = report.history();
    let fidelity = report.fidelity.as_ref().map(|f| (f, report));
    let mut w = trials_and_plots(dir, &report.space, &history, report.objective, fidelity)?;
    write(dir, "best.json", &to_json(&BestFile::of(report), dir)?)?;
    write(dir, "report.json", &to_json(report, dir)?)?;
    w.files.splice(1..1, ["best.json", "report.json"]);
    Ok(w)
}

fn to_json<T: Serialize>(value: &T, dir: &Path) -> Result<String, ReportError> {
    serde_json::to_string_pretty(value).map_err(|e| ReportError::Io {
        path: dir.display().to_string(),
        source: std::io::Error::other(e),
    })
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), ReportError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| ReportError::Io {
        path: path.display().to_string(),
        source,
    })
}
