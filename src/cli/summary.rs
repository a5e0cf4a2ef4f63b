//! The summary printed at the end of `tune` and by `report`.

use super::progress::{fmt_duration, fmt_value};
use super::results::{BestFile, objective_label};
use autotune::history::{History, TrialRecord};
use autotune::space::{Domain, SearchSpace, Value};
use autotune::study::Counts;
use autotune::tune::TuneObjective;
use std::fmt::Write;
use std::path::Path;

/// What the summary shows.
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
    /// Epochs and wall time of the run, if known.
    pub totals: Option<(usize, f64)>,
    /// The best configuration with its test scores, if the study finished.
    pub best: Option<&'a BestFile>,
    /// Parameter importances, if estimated.
    pub importance: Option<&'a [(String, f64)]>,
    /// The study's directory.
    pub dir: &'a Path,
    /// The files written there.
    pub files: Vec<&'a str>,
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
    pub fn render(&self) -> String {
        let mut s = String::new();
        let c = Counts::of(self.history);
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
            let _ = writeln!(
                s,
                "           {epochs} training epochs in {}",
                fmt_duration(secs)
            );
        }
        let label = objective_label(self.objective);
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
        if let Some(best) = self.history.best() {
            let value = best.state.value().unwrap_or(f64::NAN);
            let epoch = self
                .best
                .map_or(String::new(), |b| format!(" (epoch {})", b.best_epoch));
            let _ = writeln!(
                s,
                "best       trial {}: {label} {}{epoch}",
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
        if let Some(t) = self.best.and_then(|b| b.test.as_ref()) {
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
                "test       {} on {} held-out rows (best configuration retrained on train + valid)",
                scores.join(", "),
                t.n_samples
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
        let _ = writeln!(
            s,
            "\nfiles      {}: {}",
            self.dir.display(),
            self.files.join(" ")
        );
        s
    }

    /// The `k` best complete trials, one column per free parameter.
    fn top_table(&self, free: &[&str], k: usize) -> String {
        let mut done: Vec<(&TrialRecord, f64)> = self.history.complete().collect();
        let dir = self.history.direction();
        done.sort_by(|a, b| dir.to_minimize(a.1).total_cmp(&dir.to_minimize(b.1)));
        let label = objective_label(self.objective);
        let cells: Vec<Vec<String>> = done
            .iter()
            .take(k)
            .map(|(t, v)| {
                let mut row = vec![t.number.to_string(), fmt_value(*v)];
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
        let mut s = format!("top {} trials by {label}\n", cells.len());
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
    fn parameters_print_compactly() {
        assert_eq!(fmt_param(&Value::Float(0.003_214_5)), "3.21e-3");
        assert_eq!(fmt_param(&Value::Float(0.25)), "0.25");
        assert_eq!(fmt_param(&Value::Int(45)), "45");
        assert_eq!(fmt_param(&Value::Str("he_normal".into())), "he_normal");
    }
}
