//! Output standardisation: `y ↦ (y − ȳ)/s`.

/// The affine map between original and standardised outputs.
///
/// `ȳ` is the sample mean and `s` the population standard deviation
/// (denominator `n`, as numpy's `np.std` and scikit-learn's `normalize_y`).
/// With no outputs, `ȳ = 0, s = 1`; with constant outputs (`s` zero, or below
/// `1e-12·|ȳ|`, i.e. rounding noise), `s = 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Standardisation {
    pub(crate) mean: f64,
    pub(crate) scale: f64,
    /// Whether the outputs were constant (or fewer than two).
    pub(crate) degenerate: bool,
}

impl Standardisation {
    /// The standardisation of `y` (finite values).
    pub(crate) fn of(y: &[f64]) -> Self {
        if y.is_empty() {
            return Self {
                mean: 0.0,
                scale: 1.0,
                degenerate: true,
            };
        }
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let sd = var.sqrt();
        if sd > 1e-12 * mean.abs() && sd > 0.0 && sd.is_finite() {
            Self {
                mean,
                scale: sd,
                degenerate: y.len() < 2,
            }
        } else {
            Self {
                mean,
                scale: 1.0,
                degenerate: true,
            }
        }
    }

    /// `(v − ȳ)/s`.
    pub(crate) fn forward(&self, v: f64) -> f64 {
        (v - self.mean) / self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_moments() {
        let s = Standardisation::of(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(s.mean, 3.0);
        // √3.5 = 1.87 after a sum of 4 squares: a few ulps (4.4e-16 each).
        assert!((s.scale - 3.5f64.sqrt()).abs() < 1e-15);
        assert!(!s.degenerate);
        assert_eq!(s.forward(6.0), 3.0 / 3.5f64.sqrt());
    }

    #[test]
    fn degenerate_cases() {
        assert_eq!(
            Standardisation::of(&[]),
            Standardisation {
                mean: 0.0,
                scale: 1.0,
                degenerate: true
            }
        );
        let one = Standardisation::of(&[4.0]);
        assert_eq!((one.mean, one.scale, one.degenerate), (4.0, 1.0, true));
        let constant = Standardisation::of(&[0.1; 7]);
        assert_eq!((constant.scale, constant.degenerate), (1.0, true));
        // 7 · 0.1 / 7 in f64: a few ulps of 0.1 (1.4e-17 each).
        assert!((constant.mean - 0.1).abs() < 1e-16);
    }
}
