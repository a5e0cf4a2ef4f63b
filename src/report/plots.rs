//! SVG plots of a study, drawn with `plotters`.
//!
//! Text is written as SVG `<text>` elements, laid out with plotters' built-in
//! estimate, so no font files are needed to draw; the viewer renders the fonts.

use crate::error::ReportError;
use crate::history::{Direction, History, TrialState};
use crate::space::{Domain, SearchSpace, Value};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

pub(super) const WIDTH: u32 = 900;
pub(super) const COMPLETE: RGBColor = RGBColor(31, 119, 180);
pub(super) const BEST: RGBColor = RGBColor(214, 39, 40);
pub(super) const PRUNED: RGBColor = RGBColor(150, 150, 150);

pub(super) fn plot_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// A range with a margin, never empty.
pub(super) fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
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

/// The y range of a plot: the complete trials' values, with the bad end
/// (the upper one when minimising, the lower one when maximising) capped at
/// their 90th (10th) percentile plus (minus) the interquartile spread, so a
/// few very bad trials do not flatten the interesting range. Values beyond
/// the range are drawn at its edge as triangles ([`Place`]).
pub(super) fn value_range(points: &[(usize, f64, bool)], direction: Direction) -> (f64, f64) {
    let mut v: Vec<f64> = points.iter().filter(|p| !p.2).map(|p| p.1).collect();
    if v.is_empty() {
        v = points.iter().map(|p| p.1).collect();
    }
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_by(f64::total_cmp);
    let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
    let spread = 1.5 * (q(0.75) - q(0.25));
    let (lo, hi) = (v[0], v[v.len() - 1]);
    match direction {
        Direction::Minimize => (lo, hi.min((q(0.9) + spread).max(q(0.5)))),
        Direction::Maximize => (lo.max((q(0.1) - spread).min(q(0.5))), hi),
    }
}

/// Where a value goes on a y axis of `range`: inside, or clipped to the
/// edge it is beyond.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    In(f64),
    Above(f64),
    Below(f64),
}

fn place(v: f64, range: &std::ops::Range<f64>) -> Place {
    if v > range.end {
        Place::Above(range.end)
    } else if v < range.start {
        Place::Below(range.start)
    } else {
        Place::In(v)
    }
}

/// A triangle at the edge of the plot for a clipped value: pointing up (at
/// the top edge, `up`) or down (at the bottom edge), its tip on the edge.
/// (A macro: plotters' composed element type cannot be named.)
macro_rules! clipped_marker {
    ($at:expr, $up:expr, $color:expr) => {{
        let d = if $up { 9 } else { -9 };
        EmptyElement::at($at) + Polygon::new(vec![(0, 0), (-5, d), (5, d)], $color.filled())
    }};
}

/// A legend entry's sample.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    Dot(RGBColor),
    Cross(RGBColor),
    Clipped(RGBColor),
    Line(RGBColor),
}

/// Height of the legend strip above a plot.
pub(super) const LEGEND_HEIGHT: u32 = 26;
/// Font size of legends and category labels (plotters draws text at
/// `size / 1.24` px).
const SMALL_FONT: f64 = 13.0;
/// Estimated width of a character of [`SMALL_FONT`] text, in px: 0.6 em of
/// the drawn size (DejaVu Sans averages about 0.55 em on lower case).
const SMALL_CHAR: f64 = 0.6 * SMALL_FONT / 1.24;

/// Draws `entries` in one centred row at height `y` of `area`, outside any
/// plot, so the legend never covers a data point.
pub(super) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    y: i32,
    entries: &[(Mark, &str)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const SAMPLE: i32 = 18;
    const GAP: i32 = 6;
    const SPACING: i32 = 26;
    let width = |label: &str| (label.chars().count() as f64 * SMALL_CHAR).ceil() as i32;
    let total: i32 = entries
        .iter()
        .map(|(_, l)| SAMPLE + GAP + width(l))
        .sum::<i32>()
        + SPACING * (entries.len() as i32 - 1).max(0);
    let mut x = (area.dim_in_pixel().0 as i32 - total) / 2;
    let font = ("sans-serif", SMALL_FONT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (mark, label) in entries {
        let c = (x + SAMPLE / 2, y);
        match *mark {
            Mark::Dot(color) => area.draw(&Circle::new(c, 3, color.filled()))?,
            Mark::Cross(color) => area.draw(&Cross::new(c, 3, color))?,
            Mark::Clipped(color) => area.draw(&Polygon::new(
                vec![(c.0, c.1 - 5), (c.0 - 5, c.1 + 4), (c.0 + 5, c.1 + 4)],
                color.filled(),
            ))?,
            Mark::Line(color) => area.draw(&PathElement::new(
                vec![(x, y), (x + SAMPLE, y)],
                color.stroke_width(2),
            ))?,
        }
        area.draw(&Text::new(
            label.to_string(),
            (x + SAMPLE + GAP, y),
            font.clone(),
        ))?;
        x += SAMPLE + GAP + width(label) + SPACING;
    }
    Ok(())
}

/// A line chart's frame: the figure's title and height, the legend strip
/// above the plot, the axes' ranges and descriptions.
pub(super) struct Frame<'a> {
    pub title: &'a str,
    pub height: u32,
    pub legend_height: u32,
    pub x: std::ops::Range<f64>,
    pub y: std::ops::Range<f64>,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
}

/// The chart a [`Frame`] describes in the SVG file `path`: white, titled,
/// the legend strip on top, the plot with its mesh (integer x labels) below.
/// `draw` draws the series on the plot and the legend on the strip; the
/// file is written after it.
pub(super) fn framed_chart(
    path: &Path,
    frame: Frame<'_>,
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
        &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    ) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let root = SVGBackend::new(path, (WIDTH, frame.height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let root = root
        .titled(frame.title, ("sans-serif", 22))
        .map_err(|e| plot_err(path, e))?;
    let (top, body) = root.split_vertically(frame.legend_height);
    let mut chart = ChartBuilder::on(&body)
        .margin(15)
        .margin_top(5)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(frame.x, frame.y)
        .map_err(|e| plot_err(path, e))?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc(frame.x_desc)
        .y_desc(frame.y_desc)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    draw(&top, &mut chart)?;
    root.present().map_err(|e| plot_err(path, e))
}

/// The legend entry of clipped points.
const CLIPPED: &str = "beyond the axis (clipped, drawn at its edge)";

/// `convergence.svg`: the objective value of every trial and the best so
/// far, with the legend in a strip above the plot.
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
    let dir = history.direction();
    let (lo, hi) = value_range(&points, dir);
    let y_range = padded(lo, hi);
    let frame = Frame {
        title: "Convergence",
        height: 500,
        legend_height: LEGEND_HEIGHT,
        x: -0.5..(n as f64 - 0.5),
        y: y_range.clone(),
        x_desc: "trial",
        y_desc: objective,
    };
    framed_chart(path, frame, |top, chart| {
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
        let placed = |pruned: bool| {
            points
                .iter()
                .filter(move |p| p.2 == pruned)
                .map(|&(k, v, _)| (k as f64, place(v, &y_range)))
        };
        let inside = |pruned: bool| {
            placed(pruned).filter_map(|(x, p)| match p {
                Place::In(y) => Some((x, y)),
                _ => None,
            })
        };
        chart
            .draw_series(inside(false).map(|c| Circle::new(c, 3, COMPLETE.filled())))
            .map_err(|e| plot_err(path, e))?;
        chart
            .draw_series(inside(true).map(|c| Cross::new(c, 3, PRUNED)))
            .map_err(|e| plot_err(path, e))?;
        let mut clipped = 0;
        for (pruned, color) in [(false, COMPLETE), (true, PRUNED)] {
            let marks: Vec<_> = placed(pruned)
                .filter_map(|(x, p)| match p {
                    Place::Above(y) => Some(clipped_marker!((x, y), true, color)),
                    Place::Below(y) => Some(clipped_marker!((x, y), false, color)),
                    Place::In(_) => None,
                })
                .collect();
            clipped += marks.len();
            chart.draw_series(marks).map_err(|e| plot_err(path, e))?;
        }
        chart
            .draw_series(LineSeries::new(best_line, BEST.stroke_width(2)))
            .map_err(|e| plot_err(path, e))?;
        let mut entries = vec![
            (Mark::Dot(COMPLETE), "complete trial"),
            (Mark::Cross(PRUNED), "pruned (last value)"),
            (Mark::Line(BEST), "best so far"),
        ];
        if clipped > 0 {
            entries.push((Mark::Clipped(COMPLETE), CLIPPED));
        }
        draw_legend(top, LEGEND_HEIGHT as i32 / 2, &entries).map_err(|e| plot_err(path, e))
    })
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

/// `names` shortened to at most `max_chars[i]` characters each (at least
/// 2), all distinct: whole if they fit; else cut at the end (`xavier_u…`),
/// else in the middle (`xav…form`), else numbered (`1 xav…`).
fn fit_labels(names: &[String], max_chars: &[usize]) -> Vec<String> {
    let distinct = |v: &[String]| {
        let mut s: Vec<&String> = v.iter().collect();
        s.sort();
        s.windows(2).all(|w| w[0] != w[1])
    };
    let end_cut = |n: &str, max: usize| -> String {
        if n.chars().count() <= max {
            n.to_owned()
        } else {
            n.chars().take(max - 1).chain(['…']).collect()
        }
    };
    let max = |i: usize| max_chars.get(i).copied().unwrap_or(2).max(2);
    let cut: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| end_cut(n, max(i)))
        .collect();
    if distinct(&cut) {
        return cut;
    }
    let middle: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let c: Vec<char> = n.chars().collect();
            if c.len() <= max(i) {
                return n.clone();
            }
            let tail = (max(i) - 1) / 2;
            let head = max(i) - 1 - tail;
            c[..head]
                .iter()
                .chain(['…'].iter())
                .chain(c[c.len() - tail..].iter())
                .collect()
        })
        .collect();
    if distinct(&middle) {
        return middle;
    }
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let number = format!("{} ", i + 1);
            let room = max(i).saturating_sub(number.chars().count()).max(2);
            format!("{number}{}", end_cut(n, room))
        })
        .collect()
}

/// Whether any complete trial's value falls outside `range`.
fn any_clipped(history: &History, range: &std::ops::Range<f64>) -> bool {
    history.trials().iter().any(|t| match &t.state {
        TrialState::Complete { value } => !matches!(place(*value, range), Place::In(_)),
        _ => false,
    })
}

/// `slices.svg`: the objective value against each free parameter (log axes for
/// log parameters, choices by name for categoricals, on two staggered rows
/// and shortened uniquely when they do not fit); later trials darker; values
/// beyond the axis as triangles at its edge, said in a legend.
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
    let points = valued(history);
    let (lo, hi) = value_range(&points, history.direction());
    let y_range = padded(lo, hi);
    let clipped = any_clipped(history, &y_range);
    let legend = if clipped { LEGEND_HEIGHT } else { 0 };
    let root = SVGBackend::new(path, (WIDTH, 300 * rows as u32 + legend)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let (top, body) = root.split_vertically(legend);
    if clipped {
        draw_legend(
            &top,
            LEGEND_HEIGHT as i32 / 2,
            &[
                (Mark::Dot(COMPLETE), "complete trial (later ones darker)"),
                (Mark::Clipped(COMPLETE), CLIPPED),
            ],
        )
        .map_err(|e| plot_err(path, e))?;
    }
    let areas = body.split_evenly((rows, cols));
    let n = points.len().max(1) as f64;
    for (param, area) in free.iter().zip(areas.iter()) {
        let log = param.domain.is_log();
        let choices = match &param.domain {
            Domain::Categorical { choices } => choices.clone(),
            _ => Vec::new(),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&param.name, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(if choices.is_empty() { 35 } else { 48 })
            .y_label_area_size(60)
            .build_cartesian_2d(slice_range(&param.domain), y_range.clone())
            .map_err(|e| plot_err(path, e))?;
        let fmt_x = move |x: &f64| -> String {
            if log {
                plain(10f64.powf(*x))
            } else {
                format!("{x:.3}")
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(WHITE)
            .y_desc(objective)
            .x_desc(if log {
                format!("{} (log scale)", param.name)
            } else {
                param.name.clone()
            });
        if choices.is_empty() {
            mesh.x_labels(6).x_label_formatter(&fmt_x);
        } else {
            // The choices are written below, one per position.
            mesh.x_labels(0);
        }
        mesh.draw().map_err(|e| plot_err(path, e))?;
        if !choices.is_empty() {
            draw_choices(&chart, &root, area, &choices, y_range.start)
                .map_err(|e| plot_err(path, e))?;
        }
        let mut dots = Vec::new();
        let mut edges = Vec::new();
        for t in history.trials() {
            let TrialState::Complete { value } = &t.state else {
                continue;
            };
            let Some(x) = t
                .params
                .get(&param.name)
                .and_then(|v| slice_x(&param.domain, v))
            else {
                continue;
            };
            let shade = 0.25 + 0.75 * (t.number as f64 / n).min(1.0);
            match place(*value, &y_range) {
                Place::In(y) => dots.push(Circle::new((x, y), 3, COMPLETE.mix(shade).filled())),
                Place::Above(y) => edges.push(clipped_marker!((x, y), true, COMPLETE)),
                Place::Below(y) => edges.push(clipped_marker!((x, y), false, COMPLETE)),
            }
        }
        chart.draw_series(dots).map_err(|e| plot_err(path, e))?;
        chart.draw_series(edges).map_err(|e| plot_err(path, e))?;
    }
    root.present().map_err(|e| plot_err(path, e))
}

/// Writes the `choices` of a categorical axis under it, centred on their
/// positions: on one row if they fit, else on two staggered rows, shortened
/// uniquely ([`fit_labels`]) to the room they have in the panel `area`.
fn draw_choices<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    root: &DrawingArea<DB, plotters::coord::Shift>,
    area: &DrawingArea<DB, plotters::coord::Shift>,
    choices: &[String],
    y_bottom: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let px: Vec<(i32, i32)> = (0..choices.len())
        .map(|i| chart.backend_coord(&(i as f64, y_bottom)))
        .collect();
    let slot = if px.len() > 1 {
        f64::from(px[1].0 - px[0].0)
    } else {
        f64::from(chart.plotting_area().dim_in_pixel().0)
    };
    // Room for a label (in characters) of `width` px, leaving a character's
    // gap to its neighbours.
    let chars = |width: f64| ((width / SMALL_CHAR).floor() as usize).saturating_sub(1);
    let longest = choices.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let rows = if longest <= chars(slot) || choices.len() == 1 {
        1
    } else {
        2
    };
    // A label is centred on its position and must not leave the panel.
    let (left, right) = {
        let r = area.get_pixel_range();
        (f64::from(r.0.start), f64::from(r.0.end))
    };
    let room: Vec<usize> = px
        .iter()
        .map(|&(x, _)| {
            let x = f64::from(x);
            chars(
                (rows as f64 * slot)
                    .min(2.0 * (x - left))
                    .min(2.0 * (right - x)),
            )
        })
        .collect();
    let labels = fit_labels(choices, &room);
    let font = ("sans-serif", SMALL_FONT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, (label, (x, y))) in labels.iter().zip(&px).enumerate() {
        let row = (i % rows) as i32;
        root.draw(&Text::new(
            label.clone(),
            (*x, y + 6 + 13 * row),
            font.clone(),
        ))?;
    }
    Ok(())
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

    /// A history of `values` (complete trials 0, 1, ...).
    fn history_of(direction: Direction, space: &SearchSpace, values: &[f64]) -> History {
        let mut h = History::new(direction);
        let mut rng = rng_from_seed(5);
        for (number, &value) in values.iter().enumerate() {
            h.push(TrialRecord {
                number,
                params: space.sample(&mut rng),
                state: TrialState::Complete { value },
                intermediate: vec![],
                scored_step: None,
                duration_secs: 0.1,
            });
        }
        h
    }

    /// Every `<text>` of an SVG: `(x, y, text)`.
    fn texts(svg: &str) -> Vec<(f64, f64, String)> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
                (num("x"), num("y"), n.text().unwrap_or("").trim().to_owned())
            })
            .collect()
    }

    /// The centres of the SVG's `<circle>` elements.
    fn circles(svg: &str) -> Vec<(f64, f64)> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("circle"))
            .map(|n| {
                let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
                (num("cx"), num("cy"))
            })
            .collect()
    }

    #[test]
    fn the_convergence_legend_covers_no_point() {
        let (space, _) = study();
        // Points everywhere, the right half in the middle of the range
        // (where a legend inside the plot would sit).
        let values: Vec<f64> = (0..40)
            .map(|i| match i {
                i if i < 20 => f64::from(i % 7) / 7.0,
                i => 0.45 + 0.01 * f64::from(i % 10),
            })
            .collect();
        let h = history_of(Direction::Minimize, &space, &values);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.svg");
        convergence_svg(&h, "validation loss", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let texts = texts(&svg);
        let labels = ["complete trial", "pruned (last value)", "best so far"];
        let legend: Vec<&(f64, f64, String)> = texts
            .iter()
            .filter(|t| labels.contains(&t.2.as_str()))
            .collect();
        assert_eq!(legend.len(), 3, "{texts:?}");
        // The legend's box: its labels' extent, with room for the samples.
        let x0 = legend.iter().map(|t| t.0).fold(f64::INFINITY, f64::min) - 30.0;
        let x1 = legend
            .iter()
            .map(|t| t.0 + SMALL_CHAR * t.2.chars().count() as f64)
            .fold(f64::NEG_INFINITY, f64::max);
        let y0 = legend.iter().map(|t| t.1).fold(f64::INFINITY, f64::min) - 12.0;
        let y1 = legend.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max) + 12.0;
        let inside = |&(x, y): &(f64, f64)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
        let all = circles(&svg);
        // One circle in the box: the legend's own sample, left of its label.
        let in_box: Vec<_> = all.iter().filter(|c| inside(c)).collect();
        assert_eq!(in_box.len(), 1, "points under the legend: {in_box:?}");
        let sample = legend.iter().find(|t| t.2 == "complete trial").unwrap();
        assert!(in_box[0].0 < sample.0 && sample.0 - in_box[0].0 < 30.0);
        assert_eq!(
            all.len(),
            values.len() + 1,
            "every point is a circle (none clipped)"
        );
    }

    #[test]
    fn clipped_values_are_marked_and_named() {
        let (space, _) = study();
        let mut values: Vec<f64> = (0..20).map(|i| 0.1 + 0.01 * f64::from(i)).collect();
        values.extend([50.0, 80.0]);
        let h = history_of(Direction::Minimize, &space, &values);
        let dir = tempfile::tempdir().unwrap();
        for (name, draw) in [
            (
                "c.svg",
                convergence_svg(&h, "loss", &dir.path().join("c.svg")),
            ),
            (
                "s.svg",
                slices_svg(&space, &h, "loss", &dir.path().join("s.svg")),
            ),
        ] {
            draw.unwrap();
            let svg = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert!(
                svg.contains(CLIPPED),
                "{name}: no legend entry for clipped values"
            );
            let polygons = svg.matches("<polygon").count();
            let panels = space.params().iter().filter(|p| p.domain.is_free()).count();
            let per_plot = if name == "c.svg" { 1 } else { panels };
            // Two clipped values in each plot, and the legend's sample.
            assert_eq!(polygons, 2 * per_plot + 1, "{name}");
        }
        // Nothing clipped, nothing said.
        let h = history_of(Direction::Minimize, &space, &values[..20]);
        convergence_svg(&h, "loss", &dir.path().join("c.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("c.svg")).unwrap();
        assert!(!svg.contains(CLIPPED) && !svg.contains("<polygon"));
    }

    #[test]
    fn the_bad_end_is_capped_in_the_study_direction() {
        let mut points: Vec<(usize, f64, bool)> = (0..20)
            .map(|i| (i, 0.1 + 0.001 * i as f64, false))
            .collect();
        points.push((20, 0.95, false));
        // Maximising, 0.95 is the best value: never clipped.
        assert_eq!(value_range(&points, Direction::Maximize).1, 0.95);
        // Minimising, it is the outlier.
        assert!(value_range(&points, Direction::Minimize).1 < 0.95);
        // A very low accuracy is the outlier when maximising.
        points[20].1 = -5.0;
        assert!(value_range(&points, Direction::Maximize).0 > -5.0);
        assert_eq!(value_range(&points, Direction::Minimize).0, -5.0);
    }

    #[test]
    fn categorical_labels_are_distinct_and_do_not_overlap() {
        let inits = [
            "xavier_uniform",
            "xavier_normal",
            "he_uniform",
            "he_normal",
            "lecun_normal",
        ];
        let space = SearchSpace::builder()
            .float("learning_rate", 1e-5..=1.0, Scale::Log)
            .float("l2", 1e-7..=1e-1, Scale::Log)
            .categorical("init", inits)
            .build()
            .unwrap();
        let values: Vec<f64> = (0..12).map(|i| f64::from(i % 5)).collect();
        let h = history_of(Direction::Minimize, &space, &values);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.svg");
        slices_svg(&space, &h, "loss", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        // A label stands for its choice: the whole name, or a head and tail
        // around an ellipsis.
        let stands_for = |label: &str, name: &str| {
            label == name
                || label.split_once('…').is_some_and(|(head, tail)| {
                    name.starts_with(head) && name.ends_with(tail) && !head.is_empty()
                })
        };
        let labels: Vec<(f64, f64, String)> = texts(&svg)
            .into_iter()
            .filter(|t| inits.iter().any(|n| stands_for(&t.2, n)))
            .collect();
        assert_eq!(labels.len(), inits.len(), "{labels:?}");
        for (label, name) in labels.iter().zip(inits) {
            assert!(stands_for(&label.2, name), "{} for {name}", label.2);
        }
        let mut distinct: Vec<&str> = labels.iter().map(|l| l.2.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), inits.len(), "{labels:?}");
        // Centred labels on one row do not overlap, and stay in the panel
        // (the third of the figure's width).
        let extent = |l: &(f64, f64, String)| {
            let w = SMALL_CHAR * l.2.chars().count() as f64;
            (l.0 - w / 2.0, l.0 + w / 2.0)
        };
        for (i, a) in labels.iter().enumerate() {
            let (lo, hi) = extent(a);
            assert!(lo >= 600.0 && hi <= 900.0, "{a:?} leaves its panel");
            for b in &labels[i + 1..] {
                if a.1 == b.1 {
                    assert!(extent(b).0 > hi || extent(b).1 < lo, "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn labels_are_shortened_uniquely() {
        let names: Vec<String> = ["xavier_uniform", "xavier_normal", "he"]
            .map(String::from)
            .to_vec();
        assert_eq!(fit_labels(&names, &[20, 20, 20]), names);
        assert_eq!(
            fit_labels(&names, &[9, 9, 9]),
            ["xavier_u…", "xavier_n…", "he"]
        );
        // Cut at the end, the first two would read the same.
        assert_eq!(fit_labels(&names, &[5, 5, 5]), ["xa…rm", "xa…al", "he"]);
        let same_ends: Vec<String> = ["ab_x_cd", "ab_y_cd"].map(String::from).to_vec();
        let short = fit_labels(&same_ends, &[4, 4]);
        assert_eq!(short, ["1 a…", "2 a…"]);
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let (_, h) = study();
        let err = convergence_svg(&h, "loss", Path::new("/nonexistent-dir/x/c.svg")).unwrap_err();
        assert!(matches!(err, ReportError::Plot { .. }));
    }
}
