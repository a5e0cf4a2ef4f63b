//! Posterior mean and variance at new inputs, their input gradients, and the
//! batched version.
//!
//! In standardised units, with `k = σ²κ(r²(x, X))` and `v = L⁻¹k`
//! (Rasmussen & Williams 2006, Alg. 2.1):
//!
//! ```text
//! μ(x) = m + kᵀα                 ∂μ/∂x  = (∂k/∂x)ᵀ α
//! σ²(x) = σ² − vᵀv               ∂σ²/∂x = −2 (∂k/∂x)ᵀ K⁻¹k
//! ∂k_i/∂x_d = σ²κ'(r²_i) · 2(x_d − x_id)/ℓ_d²
//! ```
//!
//! Returned values are mapped back to original units: mean `ȳ + s·μ`,
//! variance `s²·σ²` (of the latent `f`, noise excluded), clamped at 0.

use nalgebra::DMatrix;
use rayon::prelude::*;

use super::linalg::{self, View, ViewMut};
use super::posterior::Gp;
use super::simd;
use crate::error::GpError;

/// Entries of the cross-covariance block per chunk of [`Gp::predict_many`]
/// (`n × chunk` with `chunk = CHUNK_ENTRIES / n`, clamped to `[64, 1024]`):
/// the block and its solve (512 KiB together) stay in a 1 MiB L2 cache.
const CHUNK_ENTRIES: usize = 32_768;
/// Column-block width of the triangular product in [`Gp::predict_many`].
const COLUMN_BLOCK: usize = 32;
/// From this many training points on, [`Gp::predict_with_gradient`] takes
/// `v = L⁻¹k` and `u = L⁻ᵀv = K⁻¹k` from the packed rows of `L⁻¹` in one
/// pass over memory: row `i` gives `v_i = L⁻¹[i,..]·k` and, still in cache,
/// `u += v_i L⁻¹[i,..]`. The two substitutions with `L` read the factor
/// twice; at n = 1,000 (4 MB per pass, beyond the L2 cache) the single pass
/// is about twice as fast. Below, the factor stays in cache and the
/// substitutions are kept (so studies under 256 trials suggest what they
/// did before).
pub(crate) const FUSED_MIN_POINTS: usize = 256;

/// The posterior at one input, in the original units of the outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Posterior mean.
    pub mean: f64,
    /// Posterior variance of the latent function (observation noise excluded),
    /// finite and >= 0 for finite inputs.
    pub variance: f64,
}

impl Gp {
    /// The posterior mean and latent variance at `x` (`dim` values, in the
    /// unit cube). `O(n²)`, after an `O(dim)` check of the input.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] if `x.len() != self.dim()`;
    /// [`GpError::NonFinite`] if a coordinate of `x` is NaN or infinite (the
    /// kernel of such a point is not a number, and a prediction made of it
    /// would be meaningless, not merely uncertain).
    pub fn predict(&self, x: &[f64]) -> Result<Prediction, GpError> {
        self.check_input(x)?;
        let (k, _) = self.cross_covariance(x, false);
        let mean = self.hp.mean + linalg::dot(&k, &self.alpha);
        let mut v = k;
        linalg::solve_lower(&self.l, self.n_points(), &mut v);
        let variance = self.hp.signal_variance - linalg::dot(&v, &v);
        Ok(self.to_original(mean, variance))
    }

    /// [`predict`](Self::predict) and the gradients of the mean and of the
    /// variance with respect to `x` (original output units). Where the variance
    /// is clamped at 0, its gradient is 0.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_with_gradient(
        &self,
        x: &[f64],
    ) -> Result<(Prediction, Vec<f64>, Vec<f64>), GpError> {
        self.check_input(x)?;
        let (n, d) = (self.n_points(), self.dim());
        let (k, g) = self.cross_covariance(x, true);
        let mean = self.hp.mean + linalg::dot(&k, &self.alpha);
        let (variance, u) = if self.l_inv_rows.is_empty() {
            let mut u = k;
            linalg::solve_lower(&self.l, n, &mut u);
            let variance = self.hp.signal_variance - linalg::dot(&u, &u);
            linalg::solve_upper_transposed(&self.l, n, &mut u); // u = K⁻¹k
            (variance, u)
        } else {
            let mut u = vec![0.0; n];
            let mut vv = 0.0;
            let mut start = 0;
            for i in 0..n {
                let row = &self.l_inv_rows[start..start + i + 1];
                let v = linalg::dot(row, &k[..=i]);
                vv += v * v;
                simd::axpy(v, row, &mut u[..=i]);
                start += i + 1;
            }
            (self.hp.signal_variance - vv, u)
        };
        let s = self.standardisation.scale;
        let mut dmean = vec![0.0; d];
        let mut dvar = vec![0.0; d];
        // a_i = g_i α_i and b_i = g_i u_i, then Σ_i a_i (x_d − x_id) per dimension.
        let a: Vec<f64> = g.iter().zip(&self.alpha).map(|(g, a)| g * a).collect();
        let b: Vec<f64> = g.iter().zip(&u).map(|(g, u)| g * u).collect();
        let (sum_a, sum_b): (f64, f64) = (a.iter().sum(), b.iter().sum());
        for kk in 0..d {
            let l = self.hp.length_scales[kk];
            let zk = x[kk] / l;
            let z = &self.z[kk * n..(kk + 1) * n];
            // Σ_i a_i (z_k − z_ik) = z_k Σ a − Σ a_i z_ik
            let da = zk * sum_a - linalg::dot(&a, z);
            let db = zk * sum_b - linalg::dot(&b, z);
            dmean[kk] = s * 2.0 * da / l;
            dvar[kk] = -s * s * 4.0 * db / l;
        }
        let prediction = self.to_original(mean, variance);
        if prediction.variance == 0.0 {
            dvar.fill(0.0);
        }
        Ok((prediction, dmean, dvar))
    }

    /// [`predict`](Self::predict) at every row of `x` (`m × dim`), by matrix
    /// operations on chunks of test points: the cross-covariance block `K*`
    /// (`n × chunk`), the means `m + K*ᵀα`, and `V = L⁻¹K*` as a blocked
    /// triangular product with the stored inverse factor (one `dgemm` per
    /// column block), variances `σ² − colsum(V∘V)`. Chunks are independent,
    /// so when there are several they run on rayon's threads; each point's
    /// arithmetic is the same whichever thread computes it, so the result does
    /// not depend on the number of threads.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] if `x.ncols() != self.dim()`;
    /// [`GpError::NonFinite`] if any entry of `x` is NaN or infinite (checked
    /// before any prediction is made: one `O(m·dim)` scan).
    pub fn predict_many(&self, x: &DMatrix<f64>) -> Result<Vec<Prediction>, GpError> {
        if x.ncols() != self.dim() {
            return Err(GpError::DimensionMismatch {
                what: "input dimension",
                expected: self.dim(),
                found: x.ncols(),
            });
        }
        if !x.iter().all(|v| v.is_finite()) {
            return Err(GpError::NonFinite { what: "inputs" });
        }
        let (n, d) = (self.n_points(), self.dim());
        let m = x.nrows();
        let chunk = (CHUNK_ENTRIES / n.max(1)).clamp(64, 1024);
        let buffers = || (vec![0.0; n * chunk], vec![0.0; n * chunk], vec![0.0; d]);
        let starts: Vec<usize> = (0..m).step_by(chunk).collect();
        let run = |(kstar, v, zq): &mut (Vec<f64>, Vec<f64>, Vec<f64>), start: usize| {
            self.predict_chunk(x, start, chunk.min(m - start), kstar, v, zq)
        };
        let parts: Vec<Vec<Prediction>> = if starts.len() > 1 {
            starts
                .par_iter()
                .map_init(buffers, |b, &start| run(b, start))
                .collect()
        } else {
            let mut b = buffers();
            starts.iter().map(|&start| run(&mut b, start)).collect()
        };
        Ok(parts.concat())
    }

    /// Predictions at rows `start..start + c` of `x`, using the given buffers
    /// (`kstar` and `v` hold at least `n × c` values, `zq` `dim` values).
    fn predict_chunk(
        &self,
        x: &DMatrix<f64>,
        start: usize,
        c: usize,
        kstar: &mut [f64],
        v: &mut [f64],
        zq: &mut [f64],
    ) -> Vec<Prediction> {
        let n = self.n_points();
        let s2 = self.hp.signal_variance;
        // K*: column j holds r² then kernel values between test point j and X.
        for j in 0..c {
            for (kk, zq) in zq.iter_mut().enumerate() {
                *zq = x[(start + j, kk)] / self.hp.length_scales[kk];
            }
            simd::squared_distances(&self.z, zq, &mut kstar[j * n..(j + 1) * n]);
        }
        self.kernel.fill_values(s2, &mut kstar[..n * c]);
        // V = L⁻¹ K* by column blocks J of L⁻¹ (lower triangular):
        // V[J0.., :] += L⁻¹[J0.., J] K*[J, :]. Each block row of K* is
        // packed by dgemm once, and the zero upper triangle is skipped.
        let mut j0 = 0;
        while j0 < n {
            let jb = COLUMN_BLOCK.min(n - j0);
            linalg::gemm(
                1.0,
                View::block(&self.l_inv, n, j0, j0, n - j0, jb),
                View::block(kstar, n, j0, 0, jb, c),
                if j0 == 0 { 0.0 } else { 1.0 },
                ViewMut::block(v, n, j0, 0, n - j0, c),
            );
            j0 += jb;
        }
        (0..c)
            .map(|j| {
                let kcol = &kstar[j * n..(j + 1) * n];
                let vcol = &v[j * n..(j + 1) * n];
                let mean = self.hp.mean + linalg::dot(kcol, &self.alpha);
                let variance = s2 - linalg::dot(vcol, vcol);
                self.to_original(mean, variance)
            })
            .collect()
    }

    /// One input point has `dim` finite coordinates.
    pub(super) fn check_input(&self, x: &[f64]) -> Result<(), GpError> {
        if x.len() != self.dim() {
            return Err(GpError::DimensionMismatch {
                what: "input dimension",
                expected: self.dim(),
                found: x.len(),
            });
        }
        if !x.iter().all(|v| v.is_finite()) {
            return Err(GpError::NonFinite { what: "inputs" });
        }
        Ok(())
    }

    /// Maps standardised mean and variance to original units (variance >= 0).
    fn to_original(&self, mean: f64, variance: f64) -> Prediction {
        let s = self.standardisation;
        Prediction {
            mean: s.mean + s.scale * mean,
            variance: s.scale * s.scale * variance.max(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::{Hyperparameters, Kernel};
    use crate::rng::{rng_from_seed, unit_f64};

    /// A GP on `n` points of a 6-D function (noise 1e-4, so cond(K) ≲ 1e4·n).
    fn gp(n: usize) -> Gp {
        let mut rng = rng_from_seed(n as u64);
        let x = DMatrix::from_fn(n, 6, |_, _| unit_f64(&mut rng));
        let y: Vec<f64> = (0..n)
            .map(|i| (4.0 * x[(i, 0)]).sin() + x[(i, 1)] * x[(i, 5)])
            .collect();
        let hp = Hyperparameters {
            length_scales: vec![0.4, 0.6, 0.8, 1.0, 0.7, 0.5],
            signal_variance: 1.5,
            noise_variance: 1e-4,
            mean: 0.1,
        };
        Gp::with_hyperparameters(&x, &y, Kernel::default(), hp).unwrap()
    }

    /// The one-pass products with the rows of `L⁻¹` against the two
    /// substitutions with `L`: the same posterior and gradients. Both are
    /// backward stable with errors ~ n ε cond(L) ≈ 300 · 1e-16 · 2e3 < 1e-10
    /// relative to the prior variance 1.5 and the gradient scale (≤ 1e2).
    fn check(gp: &Gp) {
        assert!(!gp.l_inv_rows.is_empty());
        let mut substitution = gp.clone();
        substitution.l_inv_rows.clear();
        let mut rng = rng_from_seed(5);
        for _ in 0..20 {
            let x: Vec<f64> = (0..6).map(|_| unit_f64(&mut rng)).collect();
            let (p, dm, dv) = gp.predict_with_gradient(&x).unwrap();
            let (q, em, ev) = substitution.predict_with_gradient(&x).unwrap();
            assert_eq!(p.mean, q.mean);
            assert!((p.variance - q.variance).abs() < 1e-10, "{p:?} vs {q:?}");
            for (a, b) in dm.iter().zip(&em).chain(dv.iter().zip(&ev)) {
                assert!((a - b).abs() < 1e-8, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn one_pass_products_equal_the_substitutions() {
        let g = gp(FUSED_MIN_POINTS + 44);
        check(&g);
        // A fantasy appends one packed row; it equals the packing afresh.
        let f = g.condition_on(&[0.5; 6], 0.3).unwrap();
        let n = f.n_points();
        assert_eq!(f.l_inv_rows, crate::gp::posterior::packed_rows(&f.l_inv, n));
        check(&f);
        // Below the threshold the rows are not kept.
        assert!(gp(FUSED_MIN_POINTS - 1).l_inv_rows.is_empty());
    }
}
