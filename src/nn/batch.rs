//! The rows of one mini-batch, gathered from the training set into buffers
//! allocated once per run.

use super::input::Targets;

/// The rows of one mini-batch, gathered into buffers allocated once.
pub(super) struct Batch {
    pub(super) x: Vec<f32>,
    labels: Vec<usize>,
    values: Vec<f32>,
}

impl Batch {
    pub(super) fn new(max_rows: usize, d: usize, y: &Targets<'_>) -> Self {
        let (labels, values) = match *y {
            Targets::Classes { .. } => (max_rows, 0),
            Targets::Values { n_outputs, .. } => (0, max_rows * n_outputs),
        };
        Self {
            x: vec![0.0; max_rows * d],
            labels: vec![0; labels],
            values: vec![0.0; values],
        }
    }

    /// Copies rows `idx` of `x` (`d` columns) and `y` into the buffers.
    pub(super) fn gather(&mut self, x: &[f32], d: usize, y: &Targets<'_>, idx: &[usize]) {
        for (dst, &i) in self.x.chunks_exact_mut(d).zip(idx) {
            dst.copy_from_slice(&x[i * d..(i + 1) * d]);
        }
        match *y {
            Targets::Classes { labels, .. } => {
                for (dst, &i) in self.labels.iter_mut().zip(idx) {
                    *dst = labels[i];
                }
            }
            Targets::Values { values, n_outputs } => {
                for (dst, &i) in self.values.chunks_exact_mut(n_outputs).zip(idx) {
                    dst.copy_from_slice(&values[i * n_outputs..(i + 1) * n_outputs]);
                }
            }
        }
    }

    /// The targets of the first `rows` gathered rows.
    pub(super) fn targets(&self, y: &Targets<'_>, rows: usize) -> Targets<'_> {
        match *y {
            Targets::Classes { n_classes, .. } => Targets::Classes {
                labels: &self.labels[..rows],
                n_classes,
            },
            Targets::Values { n_outputs, .. } => Targets::Values {
                values: &self.values[..rows * n_outputs],
                n_outputs,
            },
        }
    }
}
