//! `trials.csv`: one row per trial.

use crate::history::{History, TrialState};
use crate::space::SearchSpace;
use std::fmt::Write;

/// Quotes a CSV field when it holds a delimiter, a quote or a line break (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The trials as CSV: `number,state,<every parameter>,value,duration_secs,steps,reason`.
///
/// `value` is the objective of a complete trial (or the last reported value of a
/// pruned one), empty otherwise; `steps` counts the intermediate values reported
/// (epochs, for network training); `reason` says why a trial failed or diverged.
#[must_use]
pub fn trials_csv(space: &SearchSpace, history: &History) -> String {
    trials_csv_with(space, history, &[], |_| Vec::new())
}

/// [`trials_csv`] with `extra` columns between `steps` and `reason`, whose
/// cells for trial `number` are `cells(number)` (as many as `extra`; quoted
/// as needed).
#[must_use]
pub fn trials_csv_with(
    space: &SearchSpace,
    history: &History,
    extra: &[&str],
    cells: impl Fn(usize) -> Vec<String>,
) -> String {
    let names: Vec<&str> = space.params().iter().map(|p| p.name.as_str()).collect();
    let mut out = String::from("number,state");
    for n in &names {
        out.push(',');
        out.push_str(&field(n));
    }
    out.push_str(",value,duration_secs,steps");
    for e in extra {
        out.push(',');
        out.push_str(&field(e));
    }
    out.push_str(",reason\n");
    for t in history.trials() {
        let _ = write!(out, "{},{}", t.number, t.state.name());
        for n in &names {
            out.push(',');
            if let Some(v) = t.params.get(n) {
                out.push_str(&field(&v.to_string()));
            }
        }
        let (value, reason) = match &t.state {
            TrialState::Complete { value } => (Some(*value), ""),
            TrialState::Pruned { value, .. } => (*value, ""),
            TrialState::Failed { reason } | TrialState::Diverged { reason } => {
                (None, reason.as_str())
            }
        };
        let value = value.map(|v| v.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            ",{value},{:.3},{}",
            t.duration_secs,
            t.intermediate.len(),
        );
        let mut row = cells(t.number);
        row.resize(extra.len(), String::new());
        for c in row {
            out.push(',');
            out.push_str(&field(&c));
        }
        let _ = writeln!(out, ",{}", field(reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Direction, TrialRecord};
    use crate::space::{Params, Scale};

    #[test]
    fn rows_hold_every_parameter_and_quote_reasons() {
        let space = SearchSpace::builder()
            .float("lr", 1e-4..=1.0, Scale::Log)
            .categorical("init", ["he", "xavier"])
            .build()
            .unwrap();
        let mut h = History::new(Direction::Minimize);
        let p = Params::new().with("lr", 0.01).with("init", "he");
        h.push(TrialRecord {
            number: 0,
            params: p.clone(),
            state: TrialState::Complete { value: 0.5 },
            intermediate: vec![(0, 0.9), (1, 0.5)],
            scored_step: None,
            duration_secs: 1.25,
        });
        h.push(TrialRecord {
            number: 1,
            params: p,
            state: TrialState::Failed {
                reason: "bad, \"really\"".into(),
            },
            intermediate: vec![],
            scored_step: None,
            duration_secs: 0.5,
        });
        let csv = trials_csv(&space, &h);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "number,state,lr,init,value,duration_secs,steps,reason"
        );
        assert_eq!(lines[1], "0,complete,0.01,he,0.5,1.250,2,");
        assert_eq!(
            lines[2],
            "1,failed,0.01,he,,0.500,0,\"bad, \"\"really\"\"\""
        );
    }
}
