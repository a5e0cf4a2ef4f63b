//! The plots of a multi-fidelity study: the best value against the epochs
//! spent (one line per strategy when several are compared) and every
//! trial's learning curve with its pauses marked.

use super::plots::{
    BEST, COMPLETE, Frame, LEGEND_HEIGHT, Mark, PRUNED, draw_legend, framed_chart, padded,
    plot_err, value_range,
};
use crate::error::ReportError;
use crate::history::Direction;
use plotters::prelude::*;
use std::path::Path;

/// Line colours of the compared strategies (matplotlib's `tab10`).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One trial's learning curve: the value reported after each epoch
/// (`(epoch, value)`, 1-based epochs) and the epochs it was paused at and
/// resumed at.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningCurve {
    /// The trial's number.
    pub trial: usize,
    /// `(epoch, value)` after each epoch, in order.
    pub values: Vec<(usize, f64)>,
    /// Epochs at which its training was paused.
    pub pauses: Vec<usize>,
    /// Epochs at which it was resumed (each a pause before).
    pub resumes: Vec<usize>,
}

/// A y range for `values`: their span, the bad end capped as the
/// convergence plot caps it (a few diverging values do not flatten the rest).
fn y_range(values: impl Iterator<Item = f64>, direction: Direction) -> std::ops::Range<f64> {
    let points: Vec<(usize, f64, bool)> = values
        .filter(|v| v.is_finite())
        .map(|v| (0, v, false))
        .collect();
    let (lo, hi) = value_range(&points, direction);
    padded(lo, hi)
}

/// `v` drawn inside `range` (a value beyond it at its edge).
fn clamp(v: f64, range: &std::ops::Range<f64>) -> f64 {
    v.clamp(range.start, range.end)
}

/// `best_by_epochs.svg`: for each `(label, points)` line, the best value
/// found (`(epochs spent, best so far)`, a step line) against the training
/// epochs spent, one colour per line with the labels in the legend.
///
/// # Errors
/// [`ReportError::Plot`] if the file cannot be drawn or written.
pub fn best_by_epochs_svg(
    lines: &[(String, Vec<(usize, f64)>)],
    objective: &str,
    direction: Direction,
    path: &Path,
) -> Result<(), ReportError> {
    let max_x = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let y = y_range(
        lines.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)),
        direction,
    );
    let rows = lines.len().div_ceil(4).max(1) as u32;
    let y_desc = format!("best {objective}");
    let frame = Frame {
        title: "Best value against epochs spent",
        height: 500 + LEGEND_HEIGHT * (rows - 1),
        legend_height: LEGEND_HEIGHT * rows,
        x: 0.0..(max_x as f64 * 1.02),
        y: y.clone(),
        x_desc: "training epochs spent",
        y_desc: &y_desc,
    };
    framed_chart(path, frame, |top, chart| {
        for (i, (_, points)) in lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let mut step = Vec::with_capacity(2 * points.len());
            for (j, &(x, v)) in points.iter().enumerate() {
                if j > 0 {
                    step.push((x as f64, clamp(points[j - 1].1, &y)));
                }
                step.push((x as f64, clamp(v, &y)));
            }
            chart
                .draw_series(LineSeries::new(step, color.stroke_width(2)))
                .map_err(|e| plot_err(path, e))?;
        }
        let labels: Vec<(Mark, &str)> = lines
            .iter()
            .enumerate()
            .map(|(i, (l, _))| (Mark::Line(PALETTE[i % PALETTE.len()]), l.as_str()))
            .collect();
        for (r, row) in labels.chunks(4).enumerate() {
            let y = LEGEND_HEIGHT as i32 * r as i32 + LEGEND_HEIGHT as i32 / 2;
            draw_legend(top, y, row).map_err(|e| plot_err(path, e))?;
        }
        Ok(())
    })
}

/// `learning_curves.svg`: every trial's value after each epoch, one line
/// per trial, with a dot where its training was paused and later resumed and
/// a cross where it was left paused (the study ended first); the best
/// trial (`best`) drawn on top in red.
///
/// # Errors
/// [`ReportError::Plot`] if the file cannot be drawn or written.
pub fn learning_curves_svg(
    curves: &[LearningCurve],
    best: Option<usize>,
    objective: &str,
    direction: Direction,
    path: &Path,
) -> Result<(), ReportError> {
    let max_x = curves
        .iter()
        .flat_map(|c| c.values.iter().map(|q| q.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let y = y_range(
        curves.iter().flat_map(|c| c.values.iter().map(|q| q.1)),
        direction,
    );
    let frame = Frame {
        title: "Learning curves",
        height: 500,
        legend_height: LEGEND_HEIGHT,
        x: 0.5..(max_x as f64 + 0.5),
        y: y.clone(),
        x_desc: "epoch",
        y_desc: objective,
    };
    framed_chart(path, frame, |top, chart| {
        // The best trial last, on top of the others.
        let mut order: Vec<&LearningCurve> = curves.iter().collect();
        order.sort_by_key(|c| Some(c.trial) == best);
        for c in order {
            let color = if Some(c.trial) == best {
                BEST
            } else {
                COMPLETE
            };
            let at = |epoch: usize| {
                c.values
                    .iter()
                    .find(|q| q.0 == epoch)
                    .filter(|q| q.1.is_finite())
                    .map(|q| (epoch as f64, clamp(q.1, &y)))
            };
            let line: Vec<(f64, f64)> = c
                .values
                .iter()
                .filter(|q| q.1.is_finite())
                .map(|&(e, v)| (e as f64, clamp(v, &y)))
                .collect();
            let width = if Some(c.trial) == best { 2 } else { 1 };
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(width)))
                .map_err(|e| plot_err(path, e))?;
            let resumed = c.pauses.iter().filter(|p| c.resumes.contains(p));
            chart
                .draw_series(
                    resumed
                        .filter_map(|&p| at(p))
                        .map(|q| Circle::new(q, 3, color.filled())),
                )
                .map_err(|e| plot_err(path, e))?;
            let left = c.pauses.iter().filter(|p| !c.resumes.contains(p));
            chart
                .draw_series(
                    left.filter_map(|&p| at(p))
                        .map(|q| Cross::new(q, 4, PRUNED.stroke_width(2))),
                )
                .map_err(|e| plot_err(path, e))?;
        }
        let mut entries = vec![
            (Mark::Line(COMPLETE), "trial"),
            (Mark::Dot(COMPLETE), "paused, then resumed"),
            (Mark::Cross(PRUNED), "left paused"),
        ];
        if best.is_some() {
            entries.insert(1, (Mark::Line(BEST), "best trial"));
        }
        draw_legend(top, LEGEND_HEIGHT as i32 / 2, &entries).map_err(|e| plot_err(path, e))
    })
}
