//! Stationary ARD kernels: Matérn 5/2, Matérn 3/2 and the squared exponential.
//!
//! With length scales `ℓ_k` the scaled squared distance is
//! `r² = Σ_k (x_k − x'_k)² / ℓ_k²` and, with signal variance `σ²`,
//! `k(x, x') = σ² κ(r²)` where (Rasmussen & Williams 2006, eqs. 4.9, 4.17):
//!
//! | kernel | `κ(r²)` | `dκ/d(r²)` |
//! |---|---|---|
//! | Matérn 5/2 | `(1 + √5 r + 5r²/3) e^{−√5 r}` | `−(5/6)(1 + √5 r) e^{−√5 r}` |
//! | Matérn 3/2 | `(1 + √3 r) e^{−√3 r}` | `−(3/2) e^{−√3 r}` |
//! | RBF | `e^{−r²/2}` | `−e^{−r²/2}/2` |
//!
//! All three derivatives are finite at `r = 0`, so the kernels are
//! differentiable in the inputs everywhere (needed for acquisition gradients).
//! The conventions are scikit-learn's (`Matern(nu=2.5)`, `Matern(nu=1.5)`, `RBF`),
//! against which the tests compare.

use serde::{Deserialize, Serialize};

/// Squared distances beyond this give a kernel value that underflows to 0;
/// clamping keeps `r²·e^{−r}` from becoming `∞·0 = NaN` at infinite distance.
const R2_MAX: f64 = 1e12;

const SQRT3: f64 = 1.732_050_807_568_877_2;
const SQRT5: f64 = 2.236_067_977_499_79;

/// A stationary kernel with one length scale per input dimension (ARD).
///
/// By default, [`Kernel::Matern52`]: twice differentiable sample paths, the usual
/// choice for Bayesian optimisation (Snoek, Larochelle & Adams 2012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Kernel {
    /// Matérn ν = 5/2.
    #[default]
    Matern52,
    /// Matérn ν = 3/2.
    Matern32,
    /// Squared exponential (radial basis function).
    Rbf,
}

impl Kernel {
    /// `κ(r²)`: the unit-variance kernel at scaled squared distance `r2 >= 0`.
    #[inline]
    #[must_use]
    pub fn value(self, r2: f64) -> f64 {
        let r2 = r2.min(R2_MAX);
        match self {
            Self::Matern52 => {
                let r = r2.sqrt();
                (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * (-SQRT5 * r).exp()
            }
            Self::Matern32 => {
                let r = r2.sqrt();
                (1.0 + SQRT3 * r) * (-SQRT3 * r).exp()
            }
            Self::Rbf => (-0.5 * r2).exp(),
        }
    }

    /// `(κ(r²), dκ/d(r²))` at scaled squared distance `r2 >= 0`.
    #[inline]
    #[must_use]
    pub fn value_and_derivative(self, r2: f64) -> (f64, f64) {
        let r2 = r2.min(R2_MAX);
        match self {
            Self::Matern52 => {
                let r = r2.sqrt();
                let e = (-SQRT5 * r).exp();
                let a = 1.0 + SQRT5 * r;
                ((a + (5.0 / 3.0) * r2) * e, -(5.0 / 6.0) * a * e)
            }
            Self::Matern32 => {
                let r = r2.sqrt();
                let e = (-SQRT3 * r).exp();
                ((1.0 + SQRT3 * r) * e, -1.5 * e)
            }
            Self::Rbf => {
                let e = (-0.5 * r2).exp();
                (e, -0.5 * e)
            }
        }
    }

    /// Fills `k[i] = s2 κ(r2[i])` for every `i`.
    pub(crate) fn fill_values(self, s2: f64, r2: &[f64], k: &mut [f64]) {
        for (k, &r2) in k.iter_mut().zip(r2) {
            *k = s2 * self.value(r2);
        }
    }

    /// Fills `k[i] = s2 κ(r2[i])` and `g[i] = s2 dκ/d(r²)(r2[i])` for every `i`.
    pub(crate) fn fill_values_and_derivatives(
        self,
        s2: f64,
        r2: &[f64],
        k: &mut [f64],
        g: &mut [f64],
    ) {
        for ((k, g), &r2) in k.iter_mut().zip(g.iter_mut()).zip(r2) {
            let (v, d) = self.value_and_derivative(r2);
            *k = s2 * v;
            *g = s2 * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const KERNELS: [Kernel; 3] = [Kernel::Matern52, Kernel::Matern32, Kernel::Rbf];

    #[test]
    fn unit_at_zero_and_decreasing() {
        for kernel in KERNELS {
            assert_eq!(kernel.value(0.0), 1.0);
            let mut previous = 1.0;
            for i in 1..50 {
                let v = kernel.value(f64::from(i) * 0.1);
                assert!(v < previous && v > 0.0, "{kernel:?} at {i}");
                previous = v;
            }
        }
    }

    #[test]
    fn derivative_matches_central_difference() {
        // Central differences have error O(h²·κ''') ≈ 1e-10 at h = 1e-5, far
        // above rounding (1e-16/1e-5 = 1e-11); 1e-7 relative leaves margin.
        let h = 1e-5;
        for kernel in KERNELS {
            for &r2 in &[0.01, 0.3, 1.0, 2.5, 7.0] {
                let (_, d) = kernel.value_and_derivative(r2);
                let fd = (kernel.value(r2 + h) - kernel.value(r2 - h)) / (2.0 * h);
                assert_relative_eq!(d, fd, max_relative = 1e-7);
            }
        }
    }

    #[test]
    fn finite_at_zero_and_infinity() {
        for kernel in KERNELS {
            let (v, d) = kernel.value_and_derivative(0.0);
            assert!(v.is_finite() && d.is_finite());
            let (v, d) = kernel.value_and_derivative(f64::INFINITY);
            assert_eq!((v, d), (0.0, 0.0), "{kernel:?}");
        }
    }

    #[test]
    fn known_values() {
        // Closed forms at r = 1 (r² = 1).
        let e5 = (-SQRT5).exp();
        assert_relative_eq!(
            Kernel::Matern52.value(1.0),
            (1.0 + SQRT5 + 5.0 / 3.0) * e5,
            max_relative = 1e-15
        );
        assert_relative_eq!(
            Kernel::Matern32.value(1.0),
            (1.0 + SQRT3) * (-SQRT3).exp(),
            max_relative = 1e-15
        );
        assert_relative_eq!(
            Kernel::Rbf.value(1.0),
            (-0.5f64).exp(),
            max_relative = 1e-15
        );
    }
}
