//! SVG plots of a study, drawn with `plotters`.
//!
//! Text is written as SVG `<text>` elements, laid out with plotters' built-in
//! estimate, so no font files are needed to draw; the viewer renders the fonts.

use crate::error::ReportError;
use crate::history::{History, TrialState};
use crate::space::{Domain, SearchSpace, Value};
use plotters::prelude::*;
use std::path::Path;

const WIDTH: u32 = 900;
const COMPLETE: RGBColor = RGBColor(31, 119, 180);
const BEST: RGBColor = RGBColor(214, 39, 40);
const PRUNED: RGBColor = RGBColor(150, 150, 150);

fn plot_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// A range with a margin, never empty.
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return 0.0..1.0;
    }
    let span = (hi - lo).abs().max(1e-12 * lo.abs().max(1.0));
    (lo - 0.05 * span)..(hi + 0.05 * span)
}

/// Points `(trial number, value)` of trials with a value: complete ones and
/// pruned ones at their last reported value (flagged `true`).
fn valued(history: &History) -> Vec<(usize, f64, bool)> {
    history
        .trials()
        .iter()
        .filter_map(|t| match &t.state {
            TrialState::Complete { value } => Some((t.number, *value, false)),
            TrialState::Pruned { value: Some(v), .. } => Some((t.number, *v, true)),
            _ => None,
        })
        .filter(|(_, v, _)| v.is_finite())
        .collect()
}

/// The y range of a plot: the complete trials' values, with the upper end
/// capped at their 90th percentile plus the interquartile spread so a few
/// very bad trials do not flatten the interesting range (they are drawn at the
/// edge, clipped by the chart).
fn value_range(points: &[(usize, f64, bool)]) -> (f64, f64) {
    let mut v: Vec<f64> = points.iter().filter(|p| !p.2).map(|p| p.1).collect();
    if v.is_empty() {
        v = points.iter().map(|p| p.1).collect();
    }
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_by(f64::total_cmp);
    let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
    let cap = q(0.9) + 1.5 * (q(0.75) - q(0.25));
    (v[0], v[v.len() - 1].min(cap.max(q(0.5))))
}

/// `convergence.svg`: the objective value of every trial and the best so far.
///
/// # Errors
/// [`ReportError::Plot`] if drawing or writing fails.
pub fn convergence_svg(history: &History, objective: &str, path: &Path) -> Result<(), ReportError> {
    let points = valued(history);
    let n = history
        .trials()
        .iter()
        .map(|t| t.number + 1)
        .max()
        .unwrap_or(1);
    let (lo, hi) = value_range(&points);
    let root = SVGBackend::new(path, (WIDTH, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Convergence", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), padded(lo, hi))
        .map_err(|e| plot_err(path, e))?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("trial")
        .y_desc(objective)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    let dir = history.direction();
    let mut best: Option<f64> = None;
    let mut best_line = Vec::new();
    for &(k, v, pruned) in &points {
        if !pruned && best.is_none_or(|b| dir.better(v, b)) {
            // A step, not a slope: hold the old best up to this trial.
            if let Some(b) = best {
                best_line.push((k as f64, b));
            }
            best = Some(v);
        }
        if let Some(b) = best {
            best_line.push((k as f64, b));
        }
    }
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| !p.2)
                .map(|&(k, v, _)| Circle::new((k as f64, v), 3, COMPLETE.filled())),
        )
        .map_err(|e| plot_err(path, e))?
        .label("complete trial")
        .legend(|(x, y)| Circle::new((x, y), 3, COMPLETE.filled()));
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.2)
                .map(|&(k, v, _)| Cross::new((k as f64, v), 3, PRUNED)),
        )
        .map_err(|e| plot_err(path, e))?
        .label("pruned (last value)")
        .legend(|(x, y)| Cross::new((x, y), 3, PRUNED));
    chart
        .draw_series(LineSeries::new(best_line, BEST.stroke_width(2)))
        .map_err(|e| plot_err(path, e))?
        .label("best so far")
        .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], BEST.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}

/// A tick label on a log axis: plain digits from 0.01 to 99,999, else scientific.
fn plain(v: f64) -> String {
    if (0.01..1e5).contains(&v.abs()) {
        let digits = if v.abs() >= 10.0 {
            0
        } else if v.abs() >= 1.0 {
            1
        } else {
            3
        };
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{v:.0e}")
    }
}

/// The x coordinate of `value` in a slice plot: log10 for log parameters, the
/// choice's index for categoricals.
fn slice_x(domain: &Domain, value: &Value) -> Option<f64> {
    match (domain, value) {
        (Domain::Categorical { choices }, Value::Str(s)) => {
            choices.iter().position(|c| c == s).map(|i| i as f64)
        }
        (d, v) => {
            let x = v.as_f64()?;
            Some(if d.is_log() { x.log10() } else { x })
        }
    }
}

fn slice_range(domain: &Domain) -> std::ops::Range<f64> {
    match domain {
        Domain::Float { low, high, .. } if domain.is_log() => padded(low.log10(), high.log10()),
        Domain::Float { low, high, .. } => padded(*low, *high),
        Domain::Int { low, high, .. } if domain.is_log() => {
            padded((*low as f64).log10(), (*high as f64).log10())
        }
        Domain::Int { low, high, .. } => padded(*low as f64, *high as f64),
        Domain::Categorical { choices } => -0.5..(choices.len() as f64 - 0.5),
        Domain::Fixed { .. } => 0.0..1.0,
    }
}

/// `slices.svg`: the objective value against each free parameter (log axes for
/// log parameters, choices by name for categoricals); later trials darker.
///
/// # Errors
/// [`ReportError::Plot`] if drawing or writing fails.
pub fn slices_svg(
    space: &SearchSpace,
    history: &History,
    objective: &str,
    path: &Path,
) -> Result<(), ReportError> {
    let free: Vec<_> = space
        .params()
        .iter()
        .filter(|p| p.domain.is_free())
        .collect();
    let cols = free.len().clamp(1, 3);
    let rows = free.len().div_ceil(cols).max(1);
    let root = SVGBackend::new(path, (WIDTH, 300 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let areas = root.split_evenly((rows, cols));
    let points = valued(history);
    let (lo, hi) = value_range(&points);
    let n = points.len().max(1) as f64;
    for (param, area) in free.iter().zip(areas.iter()) {
        let log = param.domain.is_log();
        let mut chart = ChartBuilder::on(area)
            .caption(&param.name, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(slice_range(&param.domain), padded(lo, hi))
            .map_err(|e| plot_err(path, e))?;
        let choices = match &param.domain {
            Domain::Categorical { choices } => choices.clone(),
            _ => Vec::new(),
        };
        let fmt_x = move |x: &f64| -> String {
            if !choices.is_empty() {
                let i = x.round();
                if (x - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < choices.len() {
                    // Long names would overlap: keep what fits the panel's width.
                    let fit = (42 / choices.len()).max(4);
                    let name = &choices[i as usize];
                    return if name.chars().count() > fit {
                        name.chars().take(fit - 1).chain(['…']).collect()
                    } else {
                        name.clone()
                    };
                }
                return String::new();
            }
            if log {
                plain(10f64.powf(*x))
            } else {
                format!("{x:.3}")
            }
        };
        let n_labels = match &param.domain {
            Domain::Categorical { choices } => choices.len() * 2 + 1,
            _ => 6,
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(n_labels)
            .x_label_formatter(&fmt_x)
            .y_desc(objective)
            .x_desc(if log {
                format!("{} (log scale)", param.name)
            } else {
                param.name.clone()
            })
            .draw()
            .map_err(|e| plot_err(path, e))?;
        let dots = history.trials().iter().filter_map(|t| {
            let v = match &t.state {
                TrialState::Complete { value } => *value,
                _ => return None,
            };
            let x = slice_x(&param.domain, t.params.get(&param.name)?)?;
            let shade = 0.25 + 0.75 * (t.number as f64 / n).min(1.0);
            Some(Circle::new((x, v), 3, COMPLETE.mix(shade).filled()))
        });
        chart.draw_series(dots).map_err(|e| plot_err(path, e))?;
    }
    root.present().map_err(|e| plot_err(path, e))
}

/// `importance.svg`: a horizontal bar per parameter, largest on top.
///
/// # Errors
/// [`ReportError::Plot`] if drawing or writing fails.
pub fn importance_svg(importance: &[(String, f64)], path: &Path) -> Result<(), ReportError> {
    let mut items: Vec<(String, f64)> = importance.to_vec();
    items.sort_by(|a, b| a.1.total_cmp(&b.1));
    let k = items.len().max(1);
    let root = SVGBackend::new(path, (WIDTH, 120 + 45 * k as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let names: Vec<String> = items.iter().map(|(n, _)| n.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Parameter importance (GP inverse length scales)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(160)
        .build_cartesian_2d(0.0..1.05, -0.5..(k as f64 - 0.5))
        .map_err(|e| plot_err(path, e))?;
    let fmt_y = move |y: &f64| -> String {
        let i = y.round();
        if (y - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < names.len() {
            names[i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(2 * k + 1)
        .y_label_formatter(&fmt_y)
        .x_desc("share of importance")
        .draw()
        .map_err(|e| plot_err(path, e))?;
    chart
        .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
            Rectangle::new(
                [(0.0, i as f64 - 0.35), (*v, i as f64 + 0.35)],
                COMPLETE.filled(),
            )
        }))
        .map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Direction, TrialRecord};
    use crate::rng::rng_from_seed;
    use crate::space::Scale;

    fn study() -> (SearchSpace, History) {
        let space = SearchSpace::builder()
            .float("learning_rate", 1e-5..=1.0, Scale::Log)
            .int("batch_size", 8..=512, Scale::Log)
            .categorical("init", ["xavier", "he", "lecun"])
            .float("dropout", 0.0..=0.5, Scale::Linear)
            .build()
            .unwrap();
        let mut h = History::new(Direction::Minimize);
        let mut rng = rng_from_seed(1);
        for number in 0..30 {
            let params = space.sample(&mut rng);
            let lr = params.float("learning_rate").unwrap();
            let value = (lr.log10() + 2.5).powi(2) + 0.1 * params.float("dropout").unwrap();
            let state = match number % 10 {
                7 => TrialState::Failed {
                    reason: "boom".into(),
                },
                8 => TrialState::Pruned {
                    step: 2,
                    value: Some(value + 1.0),
                },
                _ => TrialState::Complete { value },
            };
            h.push(TrialRecord {
                number,
                params,
                state,
                intermediate: vec![],
                scored_step: None,
                duration_secs: 0.1,
            });
        }
        (space, h)
    }

    fn parse_svg(path: &Path) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let doc =
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        text
    }

    #[test]
    fn plots_are_valid_svg_with_their_labels() {
        let dir = tempfile::tempdir().unwrap();
        let (space, h) = study();
        let conv = dir.path().join("convergence.svg");
        convergence_svg(&h, "validation loss", &conv).unwrap();
        let text = parse_svg(&conv);
        assert!(text.contains("best so far") && text.contains("validation loss"));
        let slices = dir.path().join("slices.svg");
        slices_svg(&space, &h, "validation loss", &slices).unwrap();
        let text = parse_svg(&slices);
        for label in [
            "learning_rate (log scale)",
            "batch_size (log scale)",
            "xavier",
            "lecun",
            "dropout",
        ] {
            assert!(text.contains(label), "missing {label}");
        }
        let imp = dir.path().join("importance.svg");
        importance_svg(&[("learning_rate".into(), 0.7), ("init".into(), 0.3)], &imp).unwrap();
        let text = parse_svg(&imp);
        assert!(text.contains("learning_rate") && text.contains("init"));
    }

    #[test]
    fn empty_history_still_draws() {
        let dir = tempfile::tempdir().unwrap();
        let (space, _) = study();
        let h = History::new(Direction::Maximize);
        convergence_svg(&h, "accuracy", &dir.path().join("c.svg")).unwrap();
        slices_svg(&space, &h, "accuracy", &dir.path().join("s.svg")).unwrap();
        importance_svg(&[], &dir.path().join("i.svg")).unwrap();
        parse_svg(&dir.path().join("c.svg"));
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let (_, h) = study();
        let err = convergence_svg(&h, "loss", Path::new("/nonexistent-dir/x/c.svg")).unwrap_err();
        assert!(matches!(err, ReportError::Plot { .. }));
    }
}
