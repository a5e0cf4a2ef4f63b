//! The posterior on more data with the same hyperparameters, by extending the
//! Cholesky factor one row per new point: `O(n²)` per point instead of a
//! fresh `O(n³)` factorisation.
//!
//! With `K = L Lᵀ` and a new point of kernel column `k` (against the old
//! points) and diagonal `κ = σ² + σ_n² + jitter`, the enlarged factor and its
//! inverse are
//!
//! ```text
//! [L 0; wᵀ λ]      with  w = L⁻¹k,  λ = √(κ − wᵀw)        (the Schur complement)
//! [L⁻¹ 0; −wᵀL⁻¹/λ 1/λ]
//! ```
//!
//! Rows are appended strictly one after the other, each by the same
//! arithmetic, so extending by `a` rows and then by `b` gives bit for bit the
//! factor of extending by `a + b` at once: a cache of an extended posterior
//! gives the same result as recomputing it from the start.

use nalgebra::DMatrix;

use super::cholesky;
use super::kernel::Kernel;
use super::likelihood::fill_kernel_matrix;
use super::linalg;
use super::posterior::{Gp, check_data, packed_rows};
use super::simd::axpy;
use super::standardise::Standardisation;
use crate::error::GpError;

/// The Schur complement of a new row must exceed this multiple of `κ`;
/// below it (a noiseless repeat of an old point) the factor is recomputed
/// with escalating jitter, as [`cholesky::extend`] does.
const MIN_RELATIVE_SCHUR: f64 = 1e-12;

impl Gp {
    /// The posterior on this GP's inputs followed by the rows of `new_x`,
    /// with outputs `y` (original units, one per point: the old points' first,
    /// which may differ from this GP's, e.g. after a re-warp of the values),
    /// the same kernel and hyperparameters, and the constant mean set to its
    /// generalised-least-squares value `1ᵀK⁻¹y / 1ᵀK⁻¹1` for the new data (as
    /// [`Gp::fit`] profiles it; 0 for constant outputs).
    ///
    /// The factor grows by one row per point in `O(n²)` (see the module
    /// docs); a row whose Schur complement is not safely positive (a
    /// noiseless repeat) makes the factor of the points so far be recomputed
    /// from scratch with jitter, and the extension continues from there. The
    /// result depends only on this GP's inputs and hyperparameters, `new_x`
    /// and `y`: not on how the rows were split between calls.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] if `new_x` has not `dim` columns or `y`
    /// has not one value per point; [`GpError::NonFinite`] for NaN or
    /// infinite data; [`GpError::NotPositiveDefinite`] if a recomputed factor
    /// fails even with jitter.
    pub fn extended(&self, new_x: &DMatrix<f64>, y: &[f64]) -> Result<Self, GpError> {
        let (n, d) = (self.n_points(), self.dim());
        if new_x.ncols() != d {
            return Err(GpError::DimensionMismatch {
                what: "input dimension",
                expected: d,
                found: new_x.ncols(),
            });
        }
        let m = n + new_x.nrows();
        let x = DMatrix::from_fn(m, d, |i, k| {
            if i < n {
                self.x[(i, k)]
            } else {
                new_x[(i - n, k)]
            }
        });
        check_data(&x, y)?;
        let hp = &self.hp;
        let mut z = vec![0.0; m * d];
        for k in 0..d {
            for i in 0..m {
                z[k * m + i] = x[(i, k)] / hp.length_scales[k];
            }
        }
        let mut l = vec![0.0; m * m];
        let mut l_inv = vec![0.0; m * m];
        for j in 0..n {
            l[j * m..j * m + n].copy_from_slice(&self.l[j * n..(j + 1) * n]);
            l_inv[j * m..j * m + n].copy_from_slice(&self.l_inv[j * n..(j + 1) * n]);
        }
        let mut jitter = self.jitter;
        let mut w = vec![0.0; m];
        for i in n..m {
            let w = &mut w[..i];
            for (p, wp) in w.iter_mut().enumerate() {
                let r2: f64 = (0..d).map(|k| (z[k * m + i] - z[k * m + p]).powi(2)).sum();
                *wp = hp.signal_variance * self.kernel.value(r2);
            }
            let kappa = hp.signal_variance + hp.noise_variance + jitter;
            solve_lower_strided(&l, m, w);
            let schur = kappa - linalg::dot(w, w);
            if schur > MIN_RELATIVE_SCHUR * kappa && schur.is_finite() {
                let lambda = schur.sqrt();
                for (j, &wj) in w.iter().enumerate() {
                    l[j * m + i] = wj;
                    // (wᵀL⁻¹)_j = Σ_{p ≥ j} w_p (L⁻¹)_pj: column j of L⁻¹.
                    l_inv[j * m + i] = -linalg::dot(&l_inv[j * m + j..j * m + i], &w[j..]) / lambda;
                }
                l[i * m + i] = lambda;
                l_inv[i * m + i] = 1.0 / lambda;
            } else {
                let (small, small_inv, used) = factor_rows(&z, m, i + 1, self.kernel, hp)?;
                let r = i + 1;
                for j in 0..r {
                    l[j * m..j * m + r].copy_from_slice(&small[j * r..(j + 1) * r]);
                    l_inv[j * m..j * m + r].copy_from_slice(&small_inv[j * r..(j + 1) * r]);
                }
                jitter = used;
            }
        }
        let standardisation = Standardisation::of(y);
        let y: Vec<f64> = y.iter().map(|&v| standardisation.forward(v)).collect();
        let mut hp = self.hp.clone();
        hp.mean = if standardisation.degenerate {
            0.0
        } else {
            // m* = (L⁻¹1)ᵀ(L⁻¹y) / ‖L⁻¹1‖².
            let mut ones = vec![1.0; m];
            let mut ly = y.clone();
            solve_lower_strided(&l, m, &mut ones);
            solve_lower_strided(&l, m, &mut ly);
            linalg::dot(&ones, &ly) / linalg::dot(&ones, &ones)
        };
        let mut gp = Self {
            kernel: self.kernel,
            hp,
            standardisation,
            x,
            z,
            y,
            jitter,
            l_inv_rows: packed_rows(&l_inv, m),
            l,
            l_inv,
            alpha: Vec::new(),
            lml_standardised: 0.0,
        };
        gp.update_alpha();
        Ok(gp)
    }
}

/// Solves `L₁₁ v = b` in place for the leading `b.len() × b.len()` block of
/// the lower-triangular `l` stored column-major with leading dimension `ld`.
fn solve_lower_strided(l: &[f64], ld: usize, b: &mut [f64]) {
    let n = b.len();
    for j in 0..n {
        let col = &l[j * ld..j * ld + n];
        let yj = b[j] / col[j];
        b[j] = yj;
        let (_, rest) = b.split_at_mut(j + 1);
        axpy(-yj, &col[j + 1..], rest);
    }
}

/// The factor of the first `rows` points (scaled inputs `z`, dimension-major
/// with stride `ld`), with escalating jitter, its inverse, and the jitter
/// used: exactly what [`Gp::build`] computes for those points.
pub(crate) fn factor_rows(
    z: &[f64],
    ld: usize,
    rows: usize,
    kernel: Kernel,
    hp: &super::Hyperparameters,
) -> Result<(Vec<f64>, Vec<f64>, f64), GpError> {
    let n = rows;
    let d = hp.length_scales.len();
    // Kernel values over the pairs i > j, column-major order.
    let mut kv = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for j in 0..n {
        for i in j + 1..n {
            let r2: f64 = (0..d)
                .map(|k| (z[k * ld + i] - z[k * ld + j]).powi(2))
                .sum();
            kv.push(hp.signal_variance * kernel.value(r2));
        }
    }
    let mut l = vec![0.0; n * n];
    let diag = hp.signal_variance + hp.noise_variance;
    let jitter = cholesky::factor_with_jitter(&mut l, n, |a| fill_kernel_matrix(a, n, &kv, diag))?;
    let mut l_inv = vec![0.0; n * n];
    let mut scratch = vec![0.0; n * n / 4 + n];
    linalg::trtri(&l, &mut l_inv, n, &mut scratch);
    Ok((l, l_inv, jitter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::Hyperparameters;
    use crate::rng::{rng_from_seed, unit_f64};

    /// `n` points of a 3-D function in the unit cube, from `seed`.
    fn data(n: usize, seed: u64) -> (DMatrix<f64>, Vec<f64>) {
        let mut rng = rng_from_seed(seed);
        let x = DMatrix::from_fn(n, 3, |_, _| unit_f64(&mut rng));
        let y = (0..n)
            .map(|i| (5.0 * x[(i, 0)]).sin() + x[(i, 1)] * x[(i, 2)])
            .collect();
        (x, y)
    }

    fn hp(noise: f64) -> Hyperparameters {
        Hyperparameters {
            length_scales: vec![0.3, 0.5, 0.8],
            signal_variance: 1.3,
            noise_variance: noise,
            mean: 0.0,
        }
    }

    fn rows(x: &DMatrix<f64>, from: usize, to: usize) -> DMatrix<f64> {
        x.rows(from, to - from).into_owned()
    }

    /// Extends a GP on the first `n0` points to all of `x` and checks it
    /// against the posterior built from scratch with the same hyperparameters
    /// and the extension's (re-profiled) mean: factor, inverse factor, jitter
    /// and predictions.
    ///
    /// Tolerance: both factors are backward stable, `|ΔL| ≲ n ε ‖K‖ cond(L)`;
    /// with noise 1e-4 (cond(K) ≤ 1.3e4·(1 + n), cond(L) its root) and n ≤ 200
    /// that is below 1e-9 for `L`, and `L⁻¹`'s entries (up to 1e2) carry
    /// cond(L) more; predictions are sums of n products of those.
    fn check_against_fresh(x: &DMatrix<f64>, y: &[f64], n0: usize, noise: f64, tol: f64) {
        let m = x.nrows();
        let base =
            Gp::with_hyperparameters(&rows(x, 0, n0), &y[..n0], Kernel::default(), hp(noise))
                .unwrap();
        let ext = base.extended(&rows(x, n0, m), y).unwrap();
        let mut fresh_hp = hp(noise);
        fresh_hp.mean = ext.hp.mean;
        let fresh = Gp::with_hyperparameters(x, y, Kernel::default(), fresh_hp).unwrap();
        assert_eq!(ext.jitter, fresh.jitter, "n0 = {n0}, m = {m}");
        for (a, b) in ext.l.iter().zip(&fresh.l) {
            assert!((a - b).abs() < tol, "L: {a} vs {b} (n0 = {n0}, m = {m})");
        }
        let scale = fresh.l_inv.iter().fold(1.0f64, |s, v| s.max(v.abs()));
        for (a, b) in ext.l_inv.iter().zip(&fresh.l_inv) {
            assert!(
                (a - b).abs() < tol * scale,
                "L⁻¹: {a} vs {b} (n0 = {n0}, m = {m})"
            );
        }
        let (probe, _) = data(20, 99);
        for i in 0..probe.nrows() {
            let p: Vec<f64> = probe.row(i).iter().copied().collect();
            let (a, b) = (ext.predict(&p).unwrap(), fresh.predict(&p).unwrap());
            assert!((a.mean - b.mean).abs() < tol * 1e2, "{a:?} vs {b:?}");
            assert!(
                (a.variance - b.variance).abs() < tol * 1e2,
                "{a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn extension_equals_fresh_factorisation() {
        for (n0, m) in [(1, 2), (2, 12), (10, 40), (37, 38), (64, 200), (150, 200)] {
            let (x, y) = data(m, m as u64);
            check_against_fresh(&x, &y, n0, 1e-4, 1e-9);
        }
    }

    #[test]
    fn noiseless_repeats_are_refactored_with_jitter() {
        // Noise 0 and new points that repeat old ones: the Schur complement
        // vanishes, so the factor is recomputed with jitter (1e-10 of the
        // diagonal, 1.3), exactly as the fresh factorisation finds it.
        let (x, y) = data(12, 5);
        let mut x2 = x.clone().insert_rows(12, 3, 0.0);
        for k in 0..3 {
            x2[(12, k)] = x[(2, k)];
            x2[(13, k)] = 0.5;
            x2[(14, k)] = x[(7, k)];
        }
        let mut y2 = y.clone();
        y2.extend([y[2], 0.1, y[7]]);
        let base = Gp::with_hyperparameters(&x, &y, Kernel::default(), hp(0.0)).unwrap();
        assert_eq!(base.jitter, 0.0);
        let ext = base.extended(&rows(&x2, 12, 15), &y2).unwrap();
        // (The mean diagonal is a sum of 13 entries of 1.3: a few ulps.)
        assert!((ext.jitter - 1.3e-10).abs() < 1e-24, "{}", ext.jitter);
        // The jittered matrix has condition number up to ~1e10, so the two
        // factorisations agree to ~1e-6 only (rounding times cond(L) ≈ 1e5).
        check_against_fresh(&x2, &y2, 12, 0.0, 1e-6);
    }

    #[test]
    fn the_split_of_the_rows_does_not_change_a_bit() {
        let (x, y) = data(60, 3);
        let base =
            Gp::with_hyperparameters(&rows(&x, 0, 20), &y[..20], Kernel::default(), hp(1e-6))
                .unwrap();
        let all = base.extended(&rows(&x, 20, 60), &y).unwrap();
        let mut step = base.clone();
        for m in [21, 33, 34, 60] {
            step = step
                .extended(&rows(&x, step.n_points(), m), &y[..m])
                .unwrap();
        }
        assert_eq!(all.l, step.l);
        assert_eq!(all.l_inv, step.l_inv);
        assert_eq!(all.alpha, step.alpha);
        assert_eq!(all.hp, step.hp);
    }

    #[test]
    fn mean_is_the_generalised_least_squares_value() {
        let (x, y) = data(30, 8);
        let y: Vec<f64> = y.iter().map(|v| 3.0 * v + 10.0).collect();
        let base =
            Gp::with_hyperparameters(&rows(&x, 0, 10), &y[..10], Kernel::default(), hp(1e-3))
                .unwrap();
        let ext = base.extended(&rows(&x, 10, 30), &y).unwrap();
        // 1ᵀK⁻¹y_s / 1ᵀK⁻¹1 by nalgebra's dense Cholesky (standardised y).
        let k = DMatrix::from_fn(30, 30, |i, j| {
            let r2: f64 = (0..3)
                .map(|c| ((x[(i, c)] - x[(j, c)]) / hp(0.0).length_scales[c]).powi(2))
                .sum();
            1.3 * Kernel::default().value(r2) + if i == j { 1e-3 } else { 0.0 }
        });
        let s = Standardisation::of(&y);
        let ys = nalgebra::DVector::from_iterator(30, y.iter().map(|&v| s.forward(v)));
        let chol = k.cholesky().unwrap();
        let ones = nalgebra::DVector::from_element(30, 1.0);
        let expected = ones.dot(&chol.solve(&ys)) / ones.dot(&chol.solve(&ones));
        // cond(K) ≤ 1.3·30/1e-3 ≈ 4e4: a few 1e-12 of rounding.
        assert!(
            (ext.hp.mean - expected).abs() < 1e-10,
            "{} vs {expected}",
            ext.hp.mean
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let (x, y) = data(5, 1);
        let gp = Gp::with_hyperparameters(&x, &y, Kernel::default(), hp(1e-4)).unwrap();
        assert!(matches!(
            gp.extended(&DMatrix::zeros(1, 2), &[0.0; 6]),
            Err(GpError::DimensionMismatch {
                expected: 3,
                found: 2,
                ..
            })
        ));
        assert!(matches!(
            gp.extended(&DMatrix::zeros(1, 3), &[0.0; 5]),
            Err(GpError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            gp.extended(&DMatrix::from_element(1, 3, f64::NAN), &[0.0; 6]),
            Err(GpError::NonFinite { what: "inputs" })
        ));
    }
}
