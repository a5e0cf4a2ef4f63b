//! The one summary of a study, printed by `autotune tune`, `autotune report`
//! and the example studies.

use super::{BudgetSpent, TestScores, TuneObjective, TuneReport, Written};
use crate::error::Warning;
use crate::history::{History, Ranking, TrialRecord};
use crate::space::{Domain, SearchSpace, Value};
use std::fmt::Write;
use std::path::Path;

/// What the summary shows. Build it from a finished study's report with
/// [`Summary::of_report`], or field by field for an unfinished one.
#[derive(Debug, Clone)]
pub struct Summary<'a> {
    /// The data set's name.
    pub data: &'a str,
    /// The search space.
    pub space: &'a SearchSpace,
    /// The trials.
    pub history: &'a History,
    /// What was optimised.
    pub objective: TuneObjective,
    /// Trials the study was asked for.
    pub planned: usize,
    /// Workers and seed.
    pub workers: usize,
    /// The seed.
    pub seed: u64,
    /// Epochs (of the whole study) and wall time of the run, if known.
    pub totals: Option<(usize, f64)>,
    /// Whether the wall time of `totals` covers this session only (a resumed
    /// study): the summary then says so.
    pub session_only: bool,
    /// How the run spent a time limit, if it had one.
    pub budget: Option<&'a BudgetSpent>,
    /// The epoch the best trial was scored at (the retraining's epochs), if
    /// the study finished.
    pub best_epoch: Option<usize>,
    /// The complete trials' ranking, best first, and how it was made
    /// ([`TuneReport::ranking`], [`TuneReport::ranked_by`]), if the study
    /// finished: the best line and the top table follow it. Otherwise the
    /// trials are ranked by value.
    pub ranking: Option<(&'a [usize], Ranking)>,
    /// The final model's test scores, if any.
    pub test: Option<&'a TestScores>,
    /// What the final model is (see [`TuneReport::final_model`]).
    pub final_model: Option<&'a str>,
    /// Parameter importances, if estimated.
    pub importance: Option<&'a [(String, f64)]>,
    /// The study's directory and the files written there, if any.
    pub files: Option<(&'a Path, Vec<&'a str>)>,
    /// Warnings to show under the table (e.g. why `importance.svg` was not
    /// written): the study's and the results writer's.
    pub warnings: Vec<Warning>,
}

impl<'a> Summary<'a> {
    /// The summary of a finished study (`history` is `report.history()`),
    /// without importances or files: set those fields to show them.
    #[must_use]
    pub fn of_report(report: &'a TuneReport, history: &'a History) -> Self {
        Self {
            data: &report.data,
            space: &report.space,
            history,
            objective: report.objective,
            planned: report.n_trials,
            workers: report.workers,
            seed: report.seed,
            totals: Some((report.epochs, report.wall_secs)),
            session_only: report.resumed_trials > 0,
            budget: report
                .budget
                .as_ref()
                .filter(|b| b.timeout_secs.is_some() || b.budget_epochs.is_some()),
            best_epoch: Some(report.best.best_epoch),
            ranking: (!report.ranking.is_empty())
                .then_some((report.ranking.as_slice(), report.ranked_by)),
            test: report.test.as_ref(),
            final_model: report.final_model.as_deref(),
            importance: None,
            files: None,
            warnings: report.warnings.clone(),
        }
    }

    /// The summary of trials alone, without a report (an unfinished study,
    /// or one read from its storage): no totals, best epoch, test scores,
    /// importances, files or warnings; the values labelled as validation
    /// losses.
    #[must_use]
    pub fn of_trials(
        data: &'a str,
        space: &'a SearchSpace,
        history: &'a History,
        planned: usize,
        workers: usize,
        seed: u64,
    ) -> Self {
        Self {
            data,
            space,
            history,
            objective: TuneObjective::ValidationLoss,
            planned,
            workers,
            seed,
            totals: None,
            session_only: false,
            budget: None,
            best_epoch: None,
            ranking: None,
            test: None,
            final_model: None,
            importance: None,
            files: None,
            warnings: Vec::new(),
        }
    }

    /// With what [`write_results`](super::write_results) wrote into `dir`:
    /// the importances, the `files` to list, and the writer's warnings after
    /// the study's.
    #[must_use]
    pub fn with_results(
        mut self,
        written: &'a Written,
        dir: &'a Path,
        files: Vec<&'a str>,
    ) -> Self {
        self.importance = written.importance.as_deref();
        self.files = Some((dir, files));
        self.warnings.extend(written.warnings.iter().cloned());
        self
    }
}

/// A value for a table: 4 decimals, or 4 significant digits in scientific
/// notation outside `[1e-3, 1e5)`.
#[must_use]
pub fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// `1h 02m`, `3m 05s`, `12.3s`.
#[must_use]
pub fn fmt_duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "-".to_owned();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{secs:.1}s")
    }
}

/// A parameter value for a table: floats with 3 significant digits.
fn fmt_param(v: &Value) -> String {
    match v {
        Value::Float(x) if *x != 0.0 && !(1e-2..1e4).contains(&x.abs()) => format!("{x:.2e}"),
        Value::Float(x) => format!("{}", (x * 1e4).round() / 1e4),
        other => other.to_string(),
    }
}

impl Summary<'_> {
    /// The summary text.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::new();
        let c = self.history.counts();
        let _ = writeln!(
            s,
            "study      {}: {} of {} trials ({} complete, {} pruned, {} failed, {} diverged), {} worker{}, seed {}",
            self.data,
            c.total(),
            self.planned,
            c.complete,
            c.pruned,
            c.failed,
            c.diverged,
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.seed
        );
        if let Some((epochs, secs)) = self.totals {
            let _ = if self.session_only {
                writeln!(
                    s,
                    "           {epochs} training epochs in all; {} this session",
                    fmt_duration(secs)
                )
            } else {
                writeln!(
                    s,
                    "           {epochs} training epochs in {}",
                    fmt_duration(secs)
                )
            };
        }
        if let Some(budget) = self.budget {
            let _ = writeln!(s, "budget     {budget}");
        }
        let label = self.objective.label();
        let free: Vec<&str> = self
            .space
            .params()
            .iter()
            .filter(|p| p.domain.is_free())
            .map(|p| p.name.as_str())
            .collect();
        let fixed: Vec<String> = self
            .space
            .params()
            .iter()
            .filter_map(|p| match &p.domain {
                Domain::Fixed { value } => Some(format!("{} {}", p.name, fmt_param(value))),
                _ => None,
            })
            .collect();
        let (ranked, ranking) = self.ranked();
        if let Some(best) = ranked.first() {
            let value = best.state.value().unwrap_or(f64::NAN);
            let epoch = self
                .best_epoch
                .map_or(String::new(), |e| format!(" (epoch {e})"));
            let by = match ranking {
                Ranking::Observed => "",
                Ranking::Model => ", chosen by the GP's posterior mean (noisy values)",
            };
            let _ = writeln!(
                s,
                "best       trial {}: {label} {}{epoch}{by}",
                best.number,
                fmt_value(value)
            );
            let width = free.iter().map(|n| n.len()).max().unwrap_or(0);
            for name in &free {
                if let Some(v) = best.params.get(name) {
                    let _ = writeln!(s, "             {name:<width$}  {}", fmt_param(v));
                }
            }
        } else {
            let _ = writeln!(s, "best       no trial completed");
        }
        if !fixed.is_empty() {
            let _ = writeln!(s, "fixed      {}", fixed.join(", "));
        }
        if let Some(t) = self.test {
            let mut scores = Vec::new();
            if let Some(a) = t.accuracy {
                scores.push(format!("accuracy {:.2}%", 100.0 * a));
            }
            if let Some(l) = t.log_loss {
                scores.push(format!("log loss {}", fmt_value(l)));
            }
            if let Some(r) = t.rmse {
                scores.push(format!("RMSE {}", fmt_value(r)));
            }
            if let Some(r2) = t.r2 {
                scores.push(format!("R² {r2:.4}"));
            }
            let _ = writeln!(
                s,
                "test       {} on {} held-out rows ({})",
                scores.join(", "),
                t.n_samples,
                self.final_model
                    .unwrap_or("best configuration retrained on train + validation")
            );
        }
        if let Some(imp) = self.importance {
            let mut imp = imp.to_vec();
            imp.sort_by(|a, b| b.1.total_cmp(&a.1));
            let parts: Vec<String> = imp
                .iter()
                .map(|(n, v)| format!("{n} {:.0}%", 100.0 * v))
                .collect();
            let _ = writeln!(s, "importance {}", parts.join(", "));
        }
        s.push('\n');
        s.push_str(&self.top_table(&free, 5));
        if let Some((dir, files)) = &self.files {
            let _ = writeln!(s, "\nfiles      {}: {}", dir.display(), files.join(" "));
        }
        for w in &self.warnings {
            let _ = writeln!(s, "note       {w}");
        }
        s
    }

    /// The complete trials, best first (by [`Summary::ranking`], else by
    /// value), and how they were ranked.
    fn ranked(&self) -> (Vec<&TrialRecord>, Ranking) {
        match self.ranking {
            Some((numbers, ranking)) => (
                numbers
                    .iter()
                    .filter_map(|&n| self.history.trials().iter().find(|t| t.number == n))
                    .collect(),
                ranking,
            ),
            None => (self.history.ranked(), Ranking::Observed),
        }
    }

    /// The `k` best complete trials, one column per free parameter.
    fn top_table(&self, free: &[&str], k: usize) -> String {
        let (ranked, ranking) = self.ranked();
        let label = self.objective.label();
        let cells: Vec<Vec<String>> = ranked
            .iter()
            .take(k)
            .map(|t| {
                let v = t.state.value().unwrap_or(f64::NAN);
                let mut row = vec![t.number.to_string(), fmt_value(v)];
                row.extend(
                    free.iter()
                        .map(|n| t.params.get(n).map_or(String::new(), fmt_param)),
                );
                row
            })
            .collect();
        let mut header = vec!["trial".to_owned(), label.to_owned()];
        header.extend(free.iter().map(|n| (*n).to_owned()));
        let widths: Vec<usize> = (0..header.len())
            .map(|j| {
                cells
                    .iter()
                    .map(|r| r[j].len())
                    .chain([header[j].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |row: &[String]| {
            let cols: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect();
            format!("  {}\n", cols.join("  "))
        };
        let by = match ranking {
            Ranking::Observed => label.to_owned(),
            Ranking::Model => format!("the GP's posterior mean of the {label}"),
        };
        let mut s = format!("top {} trials by {by}\n", cells.len());
        s.push_str(&line(&header));
        for r in &cells {
            s.push_str(&line(r));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_durations_read_well() {
        assert_eq!(fmt_value(0.061_234), "0.0612");
        assert_eq!(fmt_value(0.0), "0.0000");
        assert_eq!(fmt_value(2.5e-5), "2.500e-5");
        assert_eq!(fmt_duration(12.34), "12.3s");
        assert_eq!(fmt_duration(185.0), "3m 05s");
        assert_eq!(fmt_duration(3720.0), "1h 02m");
        assert_eq!(fmt_duration(f64::NAN), "-");
    }

    #[test]
    fn parameters_print_compactly() {
        assert_eq!(fmt_param(&Value::Float(0.003_214_5)), "3.21e-3");
        assert_eq!(fmt_param(&Value::Float(0.25)), "0.25");
        assert_eq!(fmt_param(&Value::Int(45)), "45");
        assert_eq!(fmt_param(&Value::Str("he_normal".into())), "he_normal");
    }
}
