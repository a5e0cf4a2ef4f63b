//! Evaluation metrics, as free functions on predictions and as the
//! running accumulator the trainer uses.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::NnError;

use super::head::Head;
use super::input::Targets;
use super::matrix::MatRef;

/// A metric reported per epoch next to the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// The share of rows whose predicted class is the label (classification).
    Accuracy,
    /// The mean negative log-likelihood of the labels (classification).
    LogLoss,
    /// The root mean squared error over all outputs (regression).
    Rmse,
    /// The coefficient of determination `1 - SS_res / SS_tot` per output,
    /// averaged uniformly over outputs (regression); an output with constant
    /// targets scores 1 if predicted exactly and 0 otherwise (scikit-learn's
    /// `force_finite`), so R² is never NaN.
    R2,
}

impl Metric {
    /// The default metric for a head: accuracy for classifiers, R² for
    /// regression.
    #[must_use]
    pub const fn default_for(head: Head) -> Self {
        if head.is_classifier() {
            Self::Accuracy
        } else {
            Self::R2
        }
    }

    /// Whether larger values are better (accuracy, R²).
    #[must_use]
    pub const fn higher_is_better(self) -> bool {
        matches!(self, Self::Accuracy | Self::R2)
    }

    /// Checks that the metric suits the head.
    ///
    /// # Errors
    /// [`NnError::Incompatible`] for a regression metric on a classifier or
    /// the reverse.
    pub fn check_head(self, head: Head) -> Result<(), NnError> {
        let classification = matches!(self, Self::Accuracy | Self::LogLoss);
        if classification == head.is_classifier() {
            Ok(())
        } else if classification {
            Err(NnError::Incompatible {
                what: "a classification metric",
                with: "a regression head",
            })
        } else {
            Err(NnError::Incompatible {
                what: "a regression metric",
                with: "a classification head",
            })
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accuracy => "accuracy",
            Self::LogLoss => "log loss",
            Self::Rmse => "RMSE",
            Self::R2 => "R²",
        })
    }
}

/// The share of equal entries.
///
/// # Errors
/// [`NnError::Empty`] for no rows, [`NnError::Shape`] for different lengths.
pub fn accuracy(predicted: &[usize], truth: &[usize]) -> Result<f64, NnError> {
    same_len(predicted.len(), truth.len())?;
    let hits = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / truth.len() as f64)
}

/// The mean of `-ln p(label)` with probabilities clipped to
/// `[ε, 1 - ε]`, `ε = f32::EPSILON` (as scikit-learn's `log_loss` does for
/// `f32` input). `probs` has one row per label: `k >= 2` class
/// probabilities, or `k = 1` column holding `P(class 1)` of a binary task.
///
/// # Errors
/// [`NnError::Empty`], [`NnError::Shape`], or [`NnError::Label`] for a label
/// outside the columns.
pub fn log_loss(probs: MatRef<'_>, truth: &[usize]) -> Result<f64, NnError> {
    same_len(probs.rows(), truth.len())?;
    let n_classes = probs.cols().max(2);
    let eps = f64::from(f32::EPSILON);
    let mut total = 0.0;
    for (row, &label) in truth.iter().enumerate() {
        if label >= n_classes {
            return Err(NnError::Label {
                row,
                label,
                n_classes,
            });
        }
        let r = probs.row(row);
        let p = if r.len() == 1 {
            let p1 = f64::from(r[0]);
            if label == 1 { p1 } else { 1.0 - p1 }
        } else {
            f64::from(r[label])
        };
        total -= p.clamp(eps, 1.0 - eps).ln();
    }
    Ok(total / truth.len() as f64)
}

/// `sqrt(mean((pred - truth)^2))` over all entries.
///
/// # Errors
/// [`NnError::Empty`], [`NnError::Shape`].
pub fn rmse(predicted: &[f32], truth: &[f32]) -> Result<f64, NnError> {
    same_len(predicted.len(), truth.len())?;
    let sse: f64 = predicted
        .iter()
        .zip(truth)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    Ok((sse / truth.len() as f64).sqrt())
}

/// R² of `predicted` against `truth` (both `rows x n_outputs`), see
/// [`Metric::R2`].
///
/// # Errors
/// [`NnError::Empty`], [`NnError::Shape`].
pub fn r2(predicted: MatRef<'_>, truth: MatRef<'_>) -> Result<f64, NnError> {
    same_len(predicted.data().len(), truth.data().len())?;
    if predicted.cols() != truth.cols() {
        return Err(NnError::Shape {
            what: "R² output count",
            expected: truth.cols(),
            found: predicted.cols(),
        });
    }
    let ss_tot = total_sum_of_squares(truth.data(), truth.cols());
    let mut sse = vec![0.0f64; truth.cols()];
    add_squared_errors(predicted.data(), truth.data(), &mut sse);
    Ok(r2_from_sums(&sse, &ss_tot))
}

fn same_len(found: usize, expected: usize) -> Result<(), NnError> {
    if expected == 0 {
        return Err(NnError::Empty {
            what: "metric input",
        });
    }
    if found != expected {
        return Err(NnError::Shape {
            what: "predictions (one per target)",
            expected,
            found,
        });
    }
    Ok(())
}

/// `Σ_i (y_ij - mean_j)^2` per output `j` of row-major `values`.
pub(crate) fn total_sum_of_squares(values: &[f32], k: usize) -> Vec<f64> {
    let rows = (values.len() / k.max(1)).max(1) as f64;
    let mut mean = vec![0.0f64; k];
    for row in values.chunks_exact(k) {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    mean.iter_mut().for_each(|m| *m /= rows);
    let mut ss = vec![0.0f64; k];
    for row in values.chunks_exact(k) {
        for ((s, m), &v) in ss.iter_mut().zip(&mean).zip(row) {
            *s += (f64::from(v) - m).powi(2);
        }
    }
    ss
}

/// Adds `(p - y)^2` per output to `sse` (`k = sse.len()` outputs per row).
fn add_squared_errors(predicted: &[f32], truth: &[f32], sse: &mut [f64]) {
    let k = sse.len();
    for (p, y) in predicted.chunks_exact(k).zip(truth.chunks_exact(k)) {
        for ((s, &pj), &yj) in sse.iter_mut().zip(p).zip(y) {
            *s += (f64::from(pj) - f64::from(yj)).powi(2);
        }
    }
}

fn r2_from_sums(sse: &[f64], ss_tot: &[f64]) -> f64 {
    let per_output = sse.iter().zip(ss_tot).map(|(&res, &tot)| {
        if tot > 0.0 {
            1.0 - res / tot
        } else if res == 0.0 {
            1.0
        } else {
            0.0
        }
    });
    per_output.sum::<f64>() / sse.len() as f64
}

/// Running loss and metric over the batches of one pass (an epoch, or a
/// chunked evaluation). Allocated once per training run and reset per pass.
#[derive(Clone, Debug)]
pub(crate) struct Accumulator {
    head: Head,
    metric: Metric,
    loss_sum: f64,
    rows: usize,
    hits: usize,
    sse: Vec<f64>,
    ss_tot: Vec<f64>,
}

impl Accumulator {
    /// An accumulator for targets whose per-output total sum of squares is
    /// `ss_tot` (only used by R²; pass the set's full targets once).
    pub(crate) fn new(head: Head, metric: Metric, k: usize, all_targets: &Targets<'_>) -> Self {
        let ss_tot = match (metric, all_targets) {
            (Metric::R2, Targets::Values { values, n_outputs }) => {
                total_sum_of_squares(values, *n_outputs)
            }
            _ => Vec::new(),
        };
        let sse = if matches!(metric, Metric::R2 | Metric::Rmse) {
            vec![0.0; k]
        } else {
            Vec::new()
        };
        Self {
            head,
            metric,
            loss_sum: 0.0,
            rows: 0,
            hits: 0,
            sse,
            ss_tot,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.loss_sum = 0.0;
        self.rows = 0;
        self.hits = 0;
        self.sse.iter_mut().for_each(|s| *s = 0.0);
    }

    /// Adds a batch: its summed loss and its logits (`rows x k`).
    pub(crate) fn add(&mut self, loss_sum: f64, logits: &[f32], k: usize, targets: &Targets<'_>) {
        self.loss_sum += loss_sum;
        self.rows += targets.rows();
        match (self.metric, targets) {
            (Metric::Accuracy, Targets::Classes { labels, .. }) => {
                self.hits += logits
                    .chunks_exact(k)
                    .zip(*labels)
                    .filter(|(z, y)| self.head.class_of(z) == **y)
                    .count();
            }
            (Metric::Rmse | Metric::R2, Targets::Values { values, .. }) => {
                add_squared_errors(logits, values, &mut self.sse);
            }
            _ => {}
        }
    }

    /// The mean loss so far.
    pub(crate) fn loss(&self) -> f64 {
        self.loss_sum / self.rows.max(1) as f64
    }

    /// The metric so far. Log loss is the mean cross-entropy computed from
    /// the logits (exact, without the clipping of [`log_loss`]).
    pub(crate) fn metric(&self) -> f64 {
        let n = self.rows.max(1) as f64;
        match self.metric {
            Metric::Accuracy => self.hits as f64 / n,
            Metric::LogLoss => self.loss(),
            Metric::Rmse => {
                (self.sse.iter().sum::<f64>() / (n * self.sse.len().max(1) as f64)).sqrt()
            }
            Metric::R2 => r2_from_sums(&self.sse, &self.ss_tot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn accuracy_counts_hits() {
        assert_relative_eq!(accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2]).unwrap(), 0.75);
        assert!(matches!(accuracy(&[], &[]), Err(NnError::Empty { .. })));
        assert!(matches!(
            accuracy(&[1], &[1, 2]),
            Err(NnError::Shape { .. })
        ));
    }

    #[test]
    fn log_loss_by_hand() {
        // -(ln 0.7 + ln 0.4) / 2
        let p = [0.7f32, 0.2, 0.1, 0.3, 0.4, 0.3];
        let got = log_loss(MatRef::new(&p, 2, 3).unwrap(), &[0, 1]).unwrap();
        // The probabilities are f32 (0.7f32 is 0.7 to 6e-8 relative), so
        // each ln p is off by up to 6e-8 of a loss of 0.64.
        assert_relative_eq!(got, -(0.7f64.ln() + 0.4f64.ln()) / 2.0, max_relative = 1e-6);
        // Binary with one column: P(1) = 0.8 for a 1, P(1) = 0.8 for a 0.
        let q = [0.8f32, 0.8];
        let got = log_loss(MatRef::new(&q, 2, 1).unwrap(), &[1, 0]).unwrap();
        // As above: f32 probabilities, 1 - 0.8f32 exact in f64.
        assert_relative_eq!(got, -(0.8f64.ln() + 0.2f64.ln()) / 2.0, max_relative = 1e-6);
        // A zero probability is clipped to ε = f32::EPSILON, not infinite.
        let z = [0.0f32, 1.0];
        assert_eq!(
            log_loss(MatRef::new(&z, 1, 2).unwrap(), &[0]).unwrap(),
            -f64::from(f32::EPSILON).ln()
        );
    }

    #[test]
    fn rmse_and_r2_by_hand() {
        let y = [1.0f32, 2.0, 3.0, 4.0];
        let p = [1.5f32, 2.0, 2.5, 4.0];
        assert_relative_eq!(rmse(&p, &y).unwrap(), (0.5f64 / 4.0).sqrt());
        // SS_res = 0.5, SS_tot = 5.
        let r = r2(
            MatRef::new(&p, 4, 1).unwrap(),
            MatRef::new(&y, 4, 1).unwrap(),
        )
        .unwrap();
        // f64 sums of exactly representable values: a few ulps.
        assert_relative_eq!(r, 0.9, max_relative = 1e-12);
        // Constant targets: exact = 1, inexact = 0 (never NaN).
        let c = [2.0f32; 3];
        let m = MatRef::new(&c, 3, 1).unwrap();
        assert_eq!(r2(m, m).unwrap(), 1.0);
        let off = [2.0f32, 2.0, 3.0];
        assert_eq!(r2(MatRef::new(&off, 3, 1).unwrap(), m).unwrap(), 0.0);
    }

    #[test]
    fn metrics_fit_their_heads() {
        Metric::Accuracy.check_head(Head::Softmax).unwrap();
        Metric::R2.check_head(Head::Identity).unwrap();
        assert!(matches!(
            Metric::Rmse.check_head(Head::Sigmoid),
            Err(NnError::Incompatible { .. })
        ));
        assert!(matches!(
            Metric::LogLoss.check_head(Head::Identity),
            Err(NnError::Incompatible { .. })
        ));
    }
}
