//! Weight penalties added to the loss and its gradient, and inverted dropout.

use serde::{Deserialize, Serialize};

use crate::error::NnError;

/// A penalty `λ R(w)` added to each mini-batch's mean loss (so its weight
/// does not depend on the batch size), and `λ ∇R(w)` added to the gradient.
///
/// It applies to the weights; biases are excluded unless
/// [`TrainConfig::penalize_biases`](super::TrainConfig::penalize_biases) is
/// set. The reported losses are data losses, without the penalty.
///
/// By default, [`Regularizer::None`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Regularizer {
    /// No penalty.
    #[default]
    None,
    /// Lasso: `λ Σ |w|`, gradient `λ sign(w)` (0 at `w = 0`, a subgradient).
    L1 {
        /// The strength λ (finite, `>= 0`).
        lambda: f64,
    },
    /// Ridge / weight decay: `(λ/2) Σ w²`, gradient `λ w`.
    L2 {
        /// The strength λ (finite, `>= 0`).
        lambda: f64,
    },
    /// Elastic net (Zou & Hastie 2005, in glmnet's parametrisation):
    /// `λ (ρ Σ |w| + (1-ρ)/2 Σ w²)`, gradient `λ (ρ sign(w) + (1-ρ) w)`.
    ElasticNet {
        /// The strength λ (finite, `>= 0`).
        lambda: f64,
        /// The L1 share ρ in `[0, 1]`.
        l1_ratio: f64,
    },
}

impl Regularizer {
    /// The L1 and L2 coefficients `(a, b)` of the penalty `a Σ|w| + (b/2) Σ w²`.
    #[must_use]
    pub fn coefficients(self) -> (f64, f64) {
        match self {
            Self::None => (0.0, 0.0),
            Self::L1 { lambda } => (lambda, 0.0),
            Self::L2 { lambda } => (0.0, lambda),
            Self::ElasticNet { lambda, l1_ratio } => (lambda * l1_ratio, lambda * (1.0 - l1_ratio)),
        }
    }

    /// Checks λ and ρ.
    ///
    /// # Errors
    /// [`NnError::Hyperparameter`] for a negative or non-finite λ or a ρ
    /// outside `[0, 1]`.
    pub fn check(&self) -> Result<(), NnError> {
        let lambda = match *self {
            Self::None => return Ok(()),
            Self::L1 { lambda } | Self::L2 { lambda } => lambda,
            Self::ElasticNet { lambda, l1_ratio } => {
                if !(0.0..=1.0).contains(&l1_ratio) {
                    return Err(NnError::Hyperparameter {
                        name: "l1_ratio",
                        value: l1_ratio,
                        expected: "in [0, 1]",
                    });
                }
                lambda
            }
        };
        if lambda.is_finite() && lambda >= 0.0 {
            Ok(())
        } else {
            Err(NnError::Hyperparameter {
                name: "regularization lambda",
                value: lambda,
                expected: "finite and >= 0",
            })
        }
    }

    /// The penalty `λ R(w)`, accumulated in `f64`.
    #[must_use]
    pub fn penalty(self, weights: &[f32]) -> f64 {
        let (a, b) = self.coefficients();
        if a == 0.0 && b == 0.0 {
            return 0.0;
        }
        let (abs, sq) = weights.iter().fold((0.0f64, 0.0f64), |(s1, s2), &w| {
            let w = f64::from(w);
            (s1 + w.abs(), s2 + w * w)
        });
        a * abs + 0.5 * b * sq
    }

    /// Adds `λ ∇R(w)` to `grad`.
    pub fn add_gradient(self, weights: &[f32], grad: &mut [f32]) {
        let (a, b) = self.coefficients();
        let (a, b) = (a as f32, b as f32);
        match (a != 0.0, b != 0.0) {
            (false, false) => {}
            (false, true) => grad.iter_mut().zip(weights).for_each(|(g, &w)| *g += b * w),
            (true, _) => grad
                .iter_mut()
                .zip(weights)
                .for_each(|(g, &w)| *g += a * sign(w) + b * w),
        }
    }
}

/// `sign(w)` with `sign(0) = 0`.
fn sign(w: f32) -> f32 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Checks a dropout rate: finite, in `[0, 1)`.
///
/// # Errors
/// [`NnError::Hyperparameter`] otherwise.
pub fn check_dropout(rate: f64) -> Result<(), NnError> {
    if (0.0..1.0).contains(&rate) {
        Ok(())
    } else {
        Err(NnError::Hyperparameter {
            name: "dropout",
            value: rate,
            expected: "in [0, 1)",
        })
    }
}

/// Draws an inverted-dropout mask (Srivastava et al. 2014, scaled at
/// training time): each entry is `1/(1-p)` with probability `1-p` and `0`
/// otherwise, so a unit's expected output is unchanged and inference needs
/// no rescaling.
pub(crate) fn draw_dropout_mask(mask: &mut [f32], rate: f32, rng: &mut crate::rng::StudyRng) {
    let keep = 1.0 - rate;
    let scale = 1.0 / keep;
    // 24 random bits give a uniform f32 in [0, 1) exactly.
    let threshold = (f64::from(keep) * f64::from(1u32 << 24)) as u32;
    for m in mask.iter_mut() {
        *m = if crate::rng::next_u32(rng) >> 8 < threshold {
            scale
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn elastic_net_interpolates_l1_and_l2() {
        let w = [0.5f32, -2.0, 0.0, 1.5];
        let l1 = Regularizer::L1 { lambda: 0.3 }.penalty(&w);
        let l2 = Regularizer::L2 { lambda: 0.3 }.penalty(&w);
        // f64 sums of four exact f32 weights: a few ulps of values ≤ 2 (here
        // and below).
        assert!((l1 - 0.3 * 4.0).abs() < 1e-12);
        assert!((l2 - 0.15 * 6.5).abs() < 1e-12);
        let en = Regularizer::ElasticNet {
            lambda: 0.3,
            l1_ratio: 0.25,
        }
        .penalty(&w);
        assert!((en - (0.25 * l1 + 0.75 * l2)).abs() < 1e-12);
    }

    #[test]
    fn bad_strengths_are_rejected() {
        assert!(matches!(
            Regularizer::L2 { lambda: -1.0 }.check(),
            Err(NnError::Hyperparameter {
                name: "regularization lambda",
                ..
            })
        ));
        assert!(matches!(
            Regularizer::ElasticNet {
                lambda: 1.0,
                l1_ratio: 1.5
            }
            .check(),
            Err(NnError::Hyperparameter {
                name: "l1_ratio",
                ..
            })
        ));
        assert!(matches!(
            check_dropout(1.0),
            Err(NnError::Hyperparameter {
                name: "dropout",
                ..
            })
        ));
        check_dropout(0.0).unwrap();
    }

    /// Unit `i` is kept when the top 24 bits of the `i`-th `next_u32` (the
    /// high half of `next_u64`) fall below `keep · 2^24`.
    #[test]
    fn dropout_mask_is_the_portable_draw() {
        let mut mask = vec![0.0f32; 64];
        draw_dropout_mask(&mut mask, 0.5, &mut rng_from_seed(13));
        let mut rng = rng_from_seed(13);
        for m in &mask {
            let kept = crate::rng::next_u32(&mut rng) >> 8 < 1 << 23;
            assert_eq!(*m, if kept { 2.0 } else { 0.0 });
        }
    }

    #[test]
    fn dropout_mask_keeps_the_expected_share_and_scale() {
        let mut mask = vec![0.0f32; 100_000];
        draw_dropout_mask(&mut mask, 0.3, &mut rng_from_seed(3));
        let kept = mask.iter().filter(|&&m| m > 0.0).count() as f64 / mask.len() as f64;
        // Binomial standard error sqrt(0.21/1e5) = 0.0014; 0.01 is 7 sigma.
        assert!((kept - 0.7).abs() < 0.01, "kept share {kept}");
        // Kept units carry the inverted-dropout scale 1/(1 - 0.3) in f32; the
        // library and this line may round it an ulp or two apart (1.2e-7 each).
        assert!(
            mask.iter()
                .all(|&m| m == 0.0 || (m - 1.0 / 0.7).abs() < 1e-6)
        );
    }
}
