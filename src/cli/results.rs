//! The results files of a study: `trials.csv`, `best.json`, `report.json` and
//! the plots.

use super::fail::{CliResult, OrFail};
use super::outdir::OutDir;
use autotune::data::{Dataset, Target};
use autotune::history::{Direction, History, TrialRecord};
use autotune::report::gp_importance as importance;
use autotune::space::{Params, SearchSpace};
use autotune::tune::{TuneObjective, TuneReport};
use serde::{Deserialize, Serialize};

/// `best.json`: the best configuration, its validation score and the test
/// scores of the best configuration retrained on train + validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestFile {
    /// The best trial's number.
    pub trial: usize,
    /// What was optimised: `valid_loss`, `accuracy` or `rmse` (on the validation part).
    pub objective: TuneObjective,
    /// The best trial's validation score.
    pub value: f64,
    /// The epoch (1-based) of its best validation value; the retraining ran this many.
    pub best_epoch: usize,
    /// The configuration.
    pub params: Params,
    /// Test scores of the retrained model (absent without a test part).
    pub test: Option<TestFile>,
}

/// The `test` object of `best.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestFile {
    /// Test rows.
    pub n_samples: usize,
    /// Accuracy in `[0, 1]` (classification).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub accuracy: Option<f64>,
    /// Mean cross-entropy (classification).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub log_loss: Option<f64>,
    /// Root mean squared error in the target's units (regression).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rmse: Option<f64>,
    /// Coefficient of determination `1 - SS_res / SS_tot` on the test part (regression).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub r2: Option<f64>,
}

/// Parameter importances: `(name, share)`, shares summing to one.
pub type Importance = Vec<(String, f64)>;

/// The label of an objective in tables and plots.
pub fn objective_label(o: TuneObjective) -> &'static str {
    match o {
        TuneObjective::ValidLoss => "valid loss",
        TuneObjective::Accuracy => "valid accuracy",
        TuneObjective::Rmse => "valid RMSE",
    }
}

/// A history holding `trials`.
pub fn history_of(direction: Direction, trials: &[TrialRecord]) -> History {
    History::from_trials(direction, trials.iter().cloned())
}

/// `R² = 1 - n rmse² / Σ (y - ȳ)²` over the real targets of `test`
/// (scikit-learn's `r2_score`: the test part's own mean).
fn r2_from_rmse(rmse: f64, test: &Dataset) -> Option<f64> {
    let Target::Real(y) = test.target() else {
        return None;
    };
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    (ss_tot > 0.0).then(|| 1.0 - n * rmse * rmse / ss_tot)
}

/// The `best.json` of `report`, with R² computed on `test`.
pub fn best_file(report: &TuneReport, test: &Dataset) -> BestFile {
    let b = &report.best;
    BestFile {
        trial: b.number,
        objective: report.objective,
        value: b.value,
        best_epoch: b.best_epoch,
        params: b.params.clone(),
        test: report.test.as_ref().map(|t| {
            let classification = t.accuracy.is_some();
            TestFile {
                n_samples: t.n_samples,
                accuracy: t.accuracy,
                log_loss: classification.then_some(t.loss),
                rmse: t.rmse,
                r2: t.rmse.and_then(|r| r2_from_rmse(r, test)),
            }
        }),
    }
}

/// Writes `trials.csv` and the three plots from the trials (what
/// `autotune report` regenerates); returns the parameter importances if a
/// surrogate could be fitted.
///
/// # Errors
/// A run failure if a file cannot be written.
pub fn write_trials_and_plots(
    out: &OutDir,
    space: &SearchSpace,
    history: &History,
    objective: TuneObjective,
) -> CliResult<Option<Importance>> {
    let label = objective_label(objective);
    out.write("trials.csv", &autotune::report::trials_csv(space, history))?;
    autotune::report::convergence_svg(history, label, &out.file("convergence.svg"))
        .or_run("drawing convergence.svg")?;
    autotune::report::slices_svg(space, history, label, &out.file("slices.svg"))
        .or_run("drawing slices.svg")?;
    let imp = importance(space, history);
    if let Some(imp) = &imp {
        autotune::report::importance_svg(imp, &out.file("importance.svg"))
            .or_run("drawing importance.svg")?;
    }
    Ok(imp)
}

/// Writes every results file of a finished study; returns `best.json`'s
/// content and the parameter importances.
///
/// # Errors
/// A run failure if a file cannot be written.
pub fn write_all(
    out: &OutDir,
    space: &SearchSpace,
    report: &TuneReport,
    test: &Dataset,
) -> CliResult<(BestFile, Option<Importance>)> {
    let history = history_of(report.direction, &report.trials);
    let imp = write_trials_and_plots(out, space, &history, report.objective)?;
    let best = best_file(report, test);
    out.write(
        "best.json",
        &serde_json::to_string_pretty(&best).or_run("serialising best.json")?,
    )?;
    out.write(
        "report.json",
        &serde_json::to_string_pretty(report).or_run("serialising report.json")?,
    )?;
    Ok((best, imp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn r2_matches_its_definition() {
        let y = vec![1.0, 2.0, 3.0, 6.0];
        let d = Dataset::new("t", vec![0.0; 4], 1, Target::Real(y)).unwrap();
        // mean 3, SS_tot = 4 + 1 + 0 + 9 = 14; rmse 1 over 4 rows: SS_res = 4
        // (exact sums; one rounding in the division).
        assert_relative_eq!(
            r2_from_rmse(1.0, &d).unwrap(),
            1.0 - 4.0 / 14.0,
            epsilon = 1e-12
        );
        assert_relative_eq!(r2_from_rmse(0.0, &d).unwrap(), 1.0);
        let c = Dataset::builtin(autotune::data::Builtin::Iris).unwrap();
        assert!(r2_from_rmse(1.0, &c).is_none());
    }
}
