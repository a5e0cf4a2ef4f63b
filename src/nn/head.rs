//! Output heads: the last layer's transform fused with its loss.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::NnError;

use super::input::Targets;

/// The output layer's transform and the loss it is trained with. Fusing the
/// two gives the simple, stable gradient `dL/dz = p - y` for both
/// cross-entropies.
///
/// Losses are per row; a batch's loss is their mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Head {
    /// Softmax over `k` outputs with cross-entropy against a class index:
    /// `L = logsumexp(z) - z_y`, computed as `m + ln Σ exp(z_j - m)` with
    /// `m = max_j z_j` so no exponential overflows; `dL/dz = softmax(z) -
    /// onehot(y)`. The default for class targets.
    Softmax,
    /// One logistic output with binary cross-entropy against a label in
    /// `{0, 1}`: `L = max(z, 0) - z y + ln(1 + e^-|z|)` (equal to
    /// `-y ln p - (1-y) ln(1-p)` with `p = σ(z)`, without its overflow);
    /// `dL/dz = σ(z) - y`. For two-class targets only.
    Sigmoid,
    /// Identity outputs with the squared error averaged over the `k`
    /// outputs: `L = Σ_j (z_j - y_j)^2 / k`, `dL/dz_j = 2 (z_j - y_j) / k`.
    /// The mean of `L` over rows is the mean squared error. The default
    /// (and only) head for value targets.
    Identity,
}

impl Head {
    /// The default head for `targets`: softmax for classes, identity for values.
    #[must_use]
    pub const fn for_targets(targets: &Targets<'_>) -> Self {
        match targets {
            Targets::Classes { .. } => Self::Softmax,
            Targets::Values { .. } => Self::Identity,
        }
    }

    /// The number of outputs the network needs for `targets` with this head.
    ///
    /// # Errors
    /// [`NnError::Incompatible`] for a softmax or sigmoid head on value
    /// targets, an identity head on class targets, or a sigmoid head on
    /// more than two classes.
    pub fn n_outputs(self, targets: &Targets<'_>) -> Result<usize, NnError> {
        match (self, *targets) {
            (Self::Softmax, Targets::Classes { n_classes, .. }) => Ok(n_classes),
            (Self::Sigmoid, Targets::Classes { n_classes: 2, .. }) => Ok(1),
            (Self::Sigmoid, Targets::Classes { .. }) => Err(NnError::Incompatible {
                what: "a sigmoid head",
                with: "more than two classes (use the softmax head)",
            }),
            (Self::Identity, Targets::Values { n_outputs, .. }) => Ok(n_outputs),
            (Self::Identity, Targets::Classes { .. }) => Err(NnError::Incompatible {
                what: "an identity head",
                with: "class targets (use softmax or sigmoid)",
            }),
            (Self::Softmax | Self::Sigmoid, Targets::Values { .. }) => Err(NnError::Incompatible {
                what: "a classification head",
                with: "value targets (use the identity head)",
            }),
        }
    }

    /// Whether the head classifies (softmax or sigmoid).
    #[must_use]
    pub const fn is_classifier(self) -> bool {
        matches!(self, Self::Softmax | Self::Sigmoid)
    }

    /// The sum over rows of the loss of `logits` (`rows x k`) against
    /// `targets`, accumulated in `f64`.
    ///
    /// The caller guarantees that targets and logits agree in rows and that
    /// `targets` suit the head (see [`Head::n_outputs`]); otherwise the
    /// result is meaningless (NaN for targets of the wrong kind or labels
    /// out of range), but there is no panic.
    #[must_use]
    pub fn loss(self, logits: &[f32], k: usize, targets: &Targets<'_>) -> f64 {
        self.run(logits, k, targets, None)
    }

    /// Like [`Head::loss`], and also writes `scale * dL_i/dz_i` for every row
    /// `i` into `grad` (`rows x k`). With `scale = 1/rows` that is the
    /// gradient of the batch's mean loss.
    pub fn loss_and_gradient(
        self,
        logits: &[f32],
        k: usize,
        targets: &Targets<'_>,
        scale: f32,
        grad: &mut [f32],
    ) -> f64 {
        self.run(logits, k, targets, Some((grad, scale)))
    }

    fn run(
        self,
        logits: &[f32],
        k: usize,
        targets: &Targets<'_>,
        grad: Option<(&mut [f32], f32)>,
    ) -> f64 {
        let mut total = 0.0f64;
        match (self, *targets) {
            (Self::Softmax, Targets::Classes { labels, .. }) => {
                let rows = logits.chunks_exact(k).zip(labels);
                match grad {
                    Some((grad, scale)) => {
                        for ((z, &y), g) in rows.zip(grad.chunks_exact_mut(k)) {
                            let m = row_max(z);
                            let mut s = 0.0f32;
                            for (gj, &zj) in g.iter_mut().zip(z) {
                                *gj = (zj - m).exp();
                                s += *gj;
                            }
                            total += f64::from(m + s.ln() - label_logit(z, y));
                            let f = scale / s;
                            g.iter_mut().for_each(|gj| *gj *= f);
                            if let Some(gy) = g.get_mut(y) {
                                *gy -= scale;
                            }
                        }
                    }
                    None => {
                        for (z, &y) in rows {
                            let m = row_max(z);
                            let s: f32 = z.iter().map(|&zj| (zj - m).exp()).sum();
                            total += f64::from(m + s.ln() - label_logit(z, y));
                        }
                    }
                }
            }
            (Self::Sigmoid, Targets::Classes { labels, .. }) => {
                let mut grad = grad;
                for (i, (&z, &y)) in logits.iter().zip(labels).enumerate() {
                    let y = y as f32;
                    total += f64::from(z.max(0.0) - z * y + (-z.abs()).exp().ln_1p());
                    if let Some((g, scale)) = grad.as_mut() {
                        g[i] = *scale * (sigmoid(z) - y);
                    }
                }
            }
            (Self::Identity, Targets::Values { values, .. }) => {
                let inv_k = 1.0 / k as f32;
                let mut grad = grad;
                for (i, (&z, &y)) in logits.iter().zip(values).enumerate() {
                    let r = z - y;
                    total += f64::from(r * r * inv_k);
                    if let Some((g, scale)) = grad.as_mut() {
                        g[i] = *scale * 2.0 * r * inv_k;
                    }
                }
            }
            // Unreachable after `n_outputs` has been checked; a mismatch
            // gives a NaN loss rather than a panic.
            _ => total = f64::NAN,
        }
        total
    }

    /// Turns logits (`rows x k`) into the head's predictions in place:
    /// class probabilities (softmax), the probability of class 1 (sigmoid),
    /// or values (identity).
    pub fn output_in_place(self, logits: &mut [f32], k: usize) {
        match self {
            Self::Softmax => {
                for z in logits.chunks_exact_mut(k) {
                    let m = row_max(z);
                    let mut s = 0.0f32;
                    for v in z.iter_mut() {
                        *v = (*v - m).exp();
                        s += *v;
                    }
                    z.iter_mut().for_each(|v| *v /= s);
                }
            }
            Self::Sigmoid => logits.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Self::Identity => {}
        }
    }

    /// The predicted class of one row of logits: the arg-max for softmax,
    /// `z > 0` (i.e. `p > 1/2`) for sigmoid, 0 for identity.
    #[must_use]
    pub fn class_of(self, z: &[f32]) -> usize {
        match self {
            Self::Softmax => {
                let mut best = 0;
                for (j, &v) in z.iter().enumerate() {
                    if v > z[best] {
                        best = j;
                    }
                }
                best
            }
            Self::Sigmoid => usize::from(z[0] > 0.0),
            Self::Identity => 0,
        }
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Softmax => "softmax + cross-entropy",
            Self::Sigmoid => "sigmoid + binary cross-entropy",
            Self::Identity => "identity + mean squared error",
        })
    }
}

/// `z[y]`, or NaN for a label outside the row (so a bad label gives a NaN
/// loss rather than a panic).
fn label_logit(z: &[f32], y: usize) -> f32 {
    z.get(y).copied().unwrap_or(f32::NAN)
}

/// The largest value of a row (NaN-ignoring; a NaN still poisons the sum).
fn row_max(z: &[f32]) -> f32 {
    z.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// The logistic function without overflow for either sign.
fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn softmax_loss_is_stable_for_huge_logits() {
        // Naive exp(1000) overflows; log-sum-exp gives 1000 + ln(1 + e^-1000) - 0.
        let z = [1000.0f32, 0.0];
        let loss = Head::Softmax.loss(&z, 2, &Targets::classes(&[1], 2));
        // Computed in f32 (u = 6e-8 relative): ln(1 + e^-1000) vanishes, so
        // 1000 comes back to within an ulp or two.
        assert_relative_eq!(loss, 1000.0, max_relative = 1e-6);
        let mut g = [0.0f32; 2];
        Head::Softmax.loss_and_gradient(&z, 2, &Targets::classes(&[1], 2), 1.0, &mut g);
        assert_eq!(g, [1.0, -1.0]);
    }

    #[test]
    fn sigmoid_loss_matches_the_plain_formula() {
        for &(z, y) in &[(0.3f32, 1usize), (-2.0, 0), (4.0, 0), (-0.7, 1)] {
            let p = 1.0 / (1.0 + f64::from(-z).exp());
            let want = if y == 1 { -p.ln() } else { -(1.0 - p).ln() };
            let got = Head::Sigmoid.loss(&[z], 1, &Targets::classes(&[y], 2));
            // The fused f32 formula rounds a few times (u = 6e-8 relative)
            // against the f64 plain one; the losses here are ≥ 0.02.
            assert_relative_eq!(got, want, max_relative = 1e-6);
        }
        // Far in the tail the plain formula overflows; the fused one does not.
        let got = Head::Sigmoid.loss(&[-200.0], 1, &Targets::classes(&[1], 2));
        // 200 + ln(1 + e^-200) in f32: 200 to within an ulp.
        assert_relative_eq!(got, 200.0, max_relative = 1e-6);
    }

    #[test]
    fn softmax_outputs_are_probabilities() {
        let mut z = [1.0f32, 2.0, 3.0, -1.0, 0.0, 1.0];
        Head::Softmax.output_in_place(&mut z, 3);
        for row in z.chunks(3) {
            // Three f32 quotients and their sum: at most 6 u = 3.6e-7.
            assert_relative_eq!(row.iter().sum::<f32>(), 1.0, max_relative = 1e-6);
            assert!(row[2] > row[1] && row[1] > row[0]);
        }
    }

    #[test]
    fn bad_labels_give_nan_not_a_panic() {
        let z = [0.5f32, -0.5];
        let mut g = [0.0f32; 2];
        let t = Targets::classes(&[5], 2);
        assert!(Head::Softmax.loss(&z, 2, &t).is_nan());
        assert!(
            Head::Softmax
                .loss_and_gradient(&z, 2, &t, 1.0, &mut g)
                .is_nan()
        );
        assert!(Head::Identity.loss(&z, 2, &t).is_nan());
    }

    #[test]
    fn heads_fit_their_targets_only() {
        let v = [1.0f32];
        let values = Targets::values(&v);
        let three = Targets::classes(&[0, 2], 3);
        assert_eq!(Head::Softmax.n_outputs(&three).unwrap(), 3);
        assert_eq!(
            Head::Sigmoid.n_outputs(&Targets::classes(&[1], 2)).unwrap(),
            1
        );
        assert!(matches!(
            Head::Sigmoid.n_outputs(&three),
            Err(NnError::Incompatible { .. })
        ));
        assert!(matches!(
            Head::Identity.n_outputs(&three),
            Err(NnError::Incompatible { .. })
        ));
        assert!(matches!(
            Head::Softmax.n_outputs(&values),
            Err(NnError::Incompatible { .. })
        ));
    }
}
