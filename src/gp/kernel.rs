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
//! against which the tests compare. Exponentials use the vectorisable
//! [`exp`](super::exp) so that filling kernel matrices runs in SIMD lanes.

use serde::{Deserialize, Serialize};

use super::exp::exp;

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
        match self {
            Self::Matern52 => matern52(r2),
            Self::Matern32 => matern32(r2),
            Self::Rbf => rbf(r2),
        }
    }

    /// `(κ(r²), dκ/d(r²))` at scaled squared distance `r2 >= 0`.
    #[inline]
    #[must_use]
    pub fn value_and_derivative(self, r2: f64) -> (f64, f64) {
        match self {
            Self::Matern52 => matern52_d(r2),
            Self::Matern32 => matern32_d(r2),
            Self::Rbf => rbf_d(r2),
        }
    }

    /// Replaces every `v` in `values` (scaled squared distances) by `s2 κ(v)`.
    pub(crate) fn fill_values(self, s2: f64, values: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { fill_values_avx2(self, s2, values) };
            return;
        }
        fill_values_portable(self, s2, values);
    }

    /// Fills `k[i] = s2 κ(r2[i])` and `g[i] = s2 dκ/d(r²)(r2[i])` for every `i`.
    pub(crate) fn fill_values_and_derivatives(
        self,
        s2: f64,
        r2: &[f64],
        k: &mut [f64],
        g: &mut [f64],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { fill_both_avx2(self, s2, r2, k, g) };
            return;
        }
        fill_both_portable(self, s2, r2, k, g);
    }
}

// The kernel formulas, inlined into the loops below so that they vectorise.
// `r2` is clamped at R2_MAX so that `r²·e^{−r}` never becomes `∞·0 = NaN`.

#[inline(always)]
fn matern52(r2: f64) -> f64 {
    let r2 = r2.min(R2_MAX);
    let r = r2.sqrt();
    (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * exp(-SQRT5 * r)
}

#[inline(always)]
fn matern32(r2: f64) -> f64 {
    let r = r2.min(R2_MAX).sqrt();
    (1.0 + SQRT3 * r) * exp(-SQRT3 * r)
}

#[inline(always)]
fn rbf(r2: f64) -> f64 {
    exp(-0.5 * r2)
}

#[inline(always)]
fn matern52_d(r2: f64) -> (f64, f64) {
    let r2 = r2.min(R2_MAX);
    let r = r2.sqrt();
    let e = exp(-SQRT5 * r);
    let a = 1.0 + SQRT5 * r;
    ((a + (5.0 / 3.0) * r2) * e, -(5.0 / 6.0) * a * e)
}

#[inline(always)]
fn matern32_d(r2: f64) -> (f64, f64) {
    let r = r2.min(R2_MAX).sqrt();
    let e = exp(-SQRT3 * r);
    ((1.0 + SQRT3 * r) * e, -1.5 * e)
}

#[inline(always)]
fn rbf_d(r2: f64) -> (f64, f64) {
    let e = exp(-0.5 * r2);
    (e, -0.5 * e)
}

/// One loop per kernel (the match outside), so each loop vectorises.
#[inline(always)]
fn fill_values_portable(kernel: Kernel, s2: f64, values: &mut [f64]) {
    match kernel {
        Kernel::Matern52 => values.iter_mut().for_each(|v| *v = s2 * matern52(*v)),
        Kernel::Matern32 => values.iter_mut().for_each(|v| *v = s2 * matern32(*v)),
        Kernel::Rbf => values.iter_mut().for_each(|v| *v = s2 * rbf(*v)),
    }
}

#[inline(always)]
fn fill_both_portable(kernel: Kernel, s2: f64, r2: &[f64], k: &mut [f64], g: &mut [f64]) {
    #[inline(always)]
    fn run(f: impl Fn(f64) -> (f64, f64), s2: f64, r2: &[f64], k: &mut [f64], g: &mut [f64]) {
        for ((k, g), &r2) in k.iter_mut().zip(g.iter_mut()).zip(r2) {
            let (v, d) = f(r2);
            *k = s2 * v;
            *g = s2 * d;
        }
    }
    match kernel {
        Kernel::Matern52 => run(matern52_d, s2, r2, k, g),
        Kernel::Matern32 => run(matern32_d, s2, r2, k, g),
        Kernel::Rbf => run(rbf_d, s2, r2, k, g),
    }
}

/// The same loops compiled for AVX2 (four lanes instead of SSE2's two). Only
/// IEEE-exact operations are used and no multiply-add is fused, so results
/// are bitwise identical to the portable version.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_values_avx2(kernel: Kernel, s2: f64, values: &mut [f64]) {
    fill_values_portable(kernel, s2, values);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_both_avx2(kernel: Kernel, s2: f64, r2: &[f64], k: &mut [f64], g: &mut [f64]) {
    fill_both_portable(kernel, s2, r2, k, g);
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
        // dκ/d(r²) at 0, from κ(r) by d/d(r²) = (1/2r) d/dr: Matérn 5/2
        // −(5/6)(1 + √5 r) e^{−√5 r}, Matérn 3/2 −(3/2) e^{−√3 r}, RBF −½ e^{−r²/2}.
        for (kernel, slope) in KERNELS.into_iter().zip([-5.0 / 6.0, -1.5, -0.5]) {
            assert_eq!(kernel.value_and_derivative(0.0), (1.0, slope), "{kernel:?}");
            let (v, d) = kernel.value_and_derivative(f64::INFINITY);
            assert_eq!((v, d), (0.0, 0.0), "{kernel:?}");
        }
    }

    #[test]
    fn known_values() {
        // Closed forms at r = 1 (r² = 1), to a few ulps (the library's exp is
        // within 2 ulps of libm's).
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
