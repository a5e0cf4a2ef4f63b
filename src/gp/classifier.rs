//! Binary GP classification with the Laplace approximation: the probability
//! that a configuration succeeds.
//!
//! Labels `t_i ∈ {0, 1}` (1 = success), a latent `f ~ GP(m, σ²κ(r²))` on the
//! same ARD kernels as [`Gp`](super::Gp) with a constant prior mean `m` (0 in
//! [`Classifier::fit`]; [`Classifier::fit_with_mean`] takes another, e.g. the
//! logit of the observed success rate, so that far from the data `P(success)`
//! tends to that rate rather than to ½), and the logistic likelihood
//! `p(t = 1 | f) = σ(f) = 1/(1 + e^{−f})`. Following Rasmussen & Williams
//! (2006), *Gaussian Processes for Machine Learning* (with a mean, the same
//! algorithms run on `g = f − m`, whose prior has mean zero, with the
//! likelihood `σ(g + m)`):
//!
//! * **Mode** (Algorithm 3.1): Newton's method on
//!   `Ψ(f) = log p(t|f) − ½ fᵀK⁻¹f` with `W = diag(π(1 − π))`,
//!   `B = I + W^½ K W^½ = L Lᵀ`, `b = W f + (t − π)`,
//!   `a = b − W^½ L⁻ᵀ L⁻¹ W^½ K b`, `f ← K a`, until `Ψ` changes by less
//!   than `1e-10` (scikit-learn's criterion).
//! * **Approximate log marginal likelihood** (eq. 3.32):
//!   `−½ aᵀf̂ + log p(t|f̂) − Σ log L_ii`.
//! * **Prediction** (Algorithm 3.2): latent mean `f̄* = k*ᵀ(t − π̂)`,
//!   variance `V = k(x*, x*) − vᵀv` with `v = L⁻¹ W^½ k*`, and the
//!   predictive probability `∫ σ(f) N(f | f̄*, V) df`, integrated numerically
//!   (trapezoidal rule in the standardised variable, step 0.2 over ±8.4: the
//!   integrand is analytic, so the error decays like `e^{−2π²/(hs)}`, below
//!   `1e-8` for latent standard deviations `s ≤ 5`).
//!
//! scikit-learn's `GaussianProcessClassifier` implements the same mode and
//! likelihood; the tests compare against it (its predictive probability uses
//! an approximation of the integral, so the tests compare the latent moments
//! and integrate them exactly).

use super::cholesky::factor_with_jitter;
use super::kernel::Kernel;
use super::linalg;
use crate::error::GpError;
use nalgebra::DMatrix;

/// Newton iterations at most when finding the mode (scikit-learn's
/// `max_iter_predict` is 100; convergence takes 5–15).
const MAX_NEWTON: usize = 100;
/// Quadrature grid of the predictive probability: `t_j = −8.4 + 0.2 j`.
const QUAD_STEP: f64 = 0.2;
const QUAD_POINTS: usize = 85;

/// A fitted GP classifier of `P(success | x)`.
#[derive(Debug, Clone)]
pub struct Classifier {
    kernel: Kernel,
    length_scales: Vec<f64>,
    signal_variance: f64,
    /// The constant prior mean `m` of the latent function.
    prior_mean: f64,
    /// Training inputs, row-major `n × d`.
    x: Vec<f64>,
    d: usize,
    /// The posterior mode `f̂`.
    mode: Vec<f64>,
    /// `t − π̂`, the gradient of the log likelihood at the mode.
    residual: Vec<f64>,
    /// `W^½` at the mode.
    w_sqrt: Vec<f64>,
    /// Cholesky factor of `B` (column-major `n × n`).
    l: Vec<f64>,
    log_marginal_likelihood: f64,
}

/// The logistic function, without overflow.
fn sigmoid(f: f64) -> f64 {
    if f >= 0.0 {
        1.0 / (1.0 + (-f).exp())
    } else {
        let e = f.exp();
        e / (1.0 + e)
    }
}

/// `log σ(f) = −log(1 + e^{−f})`, stable for both signs.
fn log_sigmoid(f: f64) -> f64 {
    if f >= 0.0 {
        -(-f).exp().ln_1p()
    } else {
        f - f.exp().ln_1p()
    }
}

impl Classifier {
    /// Finds the Laplace approximation for inputs `x` (`n × d`, unit cube)
    /// with labels `success`, for the given kernel hyperparameters.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] for labels or length scales of the
    /// wrong length, [`GpError::NonFinite`] for a NaN or infinite input,
    /// [`GpError::InvalidHyperparameter`] for a length scale or signal
    /// variance that is not finite and positive,
    /// [`GpError::NotPositiveDefinite`] if `B` cannot be factored.
    pub fn fit(
        x: &DMatrix<f64>,
        success: &[bool],
        kernel: Kernel,
        length_scales: &[f64],
        signal_variance: f64,
    ) -> Result<Self, GpError> {
        Self::fit_with_mean(x, success, kernel, length_scales, signal_variance, 0.0)
    }

    /// As [`Classifier::fit`], with the latent prior `GP(prior_mean, σ²κ)`:
    /// far from the training points the latent mean tends to `prior_mean`
    /// (and `P(success)` to about `σ(prior_mean)`, less for a large prior
    /// variance).
    ///
    /// # Errors
    /// As [`Classifier::fit`], and [`GpError::InvalidHyperparameter`] for a
    /// prior mean that is not finite.
    pub fn fit_with_mean(
        x: &DMatrix<f64>,
        success: &[bool],
        kernel: Kernel,
        length_scales: &[f64],
        signal_variance: f64,
        prior_mean: f64,
    ) -> Result<Self, GpError> {
        if !prior_mean.is_finite() {
            return Err(GpError::InvalidHyperparameter {
                name: "prior_mean",
                reason: format!("must be finite, got {prior_mean}"),
            });
        }
        let (n, d) = x.shape();
        if success.len() != n {
            return Err(GpError::DimensionMismatch {
                what: "number of labels",
                expected: n,
                found: success.len(),
            });
        }
        if length_scales.len() != d {
            return Err(GpError::DimensionMismatch {
                what: "number of length scales",
                expected: d,
                found: length_scales.len(),
            });
        }
        if !x.iter().all(|v| v.is_finite()) {
            return Err(GpError::NonFinite { what: "inputs" });
        }
        if !length_scales.iter().all(|l| l.is_finite() && *l > 0.0) {
            return Err(GpError::InvalidHyperparameter {
                name: "length_scales",
                reason: "must be finite and > 0".to_owned(),
            });
        }
        if !(signal_variance.is_finite() && signal_variance > 0.0) {
            return Err(GpError::InvalidHyperparameter {
                name: "signal_variance",
                reason: format!("must be finite and > 0, got {signal_variance}"),
            });
        }
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| x[(i, j)])
            .collect();
        let mut c = Self {
            kernel,
            length_scales: length_scales.to_vec(),
            signal_variance,
            prior_mean,
            x: rows,
            d,
            mode: vec![0.0; n],
            residual: vec![0.0; n],
            w_sqrt: vec![0.0; n],
            l: vec![0.0; n * n],
            log_marginal_likelihood: 0.0,
        };
        let mut k = vec![0.0; n * n];
        for j in 0..n {
            for i in j..n {
                let v = c.k(c.row(i), c.row(j));
                k[j * n + i] = v;
                k[i * n + j] = v;
            }
        }
        let t: Vec<f64> = success.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect();
        let mut f = vec![0.0; n];
        let mut psi_old = f64::NEG_INFINITY;
        let mut a = vec![0.0; n];
        for _ in 0..MAX_NEWTON {
            c.newton_step(&k, &t, &mut f, &mut a)?;
            // Ψ = −½ aᵀg + log p(t|g + m), `f` holding g.
            let psi = -0.5 * linalg::dot(&a, &f) + log_likelihood(&t, &f, prior_mean);
            let converged = psi - psi_old < 1e-10;
            psi_old = psi;
            if converged {
                break;
            }
        }
        // W, B and L at the final mode.
        c.factor_at(&k, &t, &f)?;
        let log_det_half: f64 = (0..n).map(|i| c.l[i * n + i].ln()).sum();
        c.log_marginal_likelihood = psi_old - log_det_half;
        c.mode = f.iter().map(|g| g + prior_mean).collect();
        Ok(c)
    }

    /// `W^½`, `t − π` and the factor of `B` at centred latent values `f`
    /// (`g = f − m`).
    fn factor_at(&mut self, k: &[f64], t: &[f64], f: &[f64]) -> Result<(), GpError> {
        let n = f.len();
        for i in 0..n {
            let p = sigmoid(f[i] + self.prior_mean);
            self.w_sqrt[i] = (p * (1.0 - p)).sqrt();
            self.residual[i] = t[i] - p;
        }
        let w = &self.w_sqrt;
        factor_with_jitter(&mut self.l, n, |b| {
            for j in 0..n {
                for i in 0..n {
                    b[j * n + i] = w[i] * k[j * n + i] * w[j] + if i == j { 1.0 } else { 0.0 };
                }
            }
        })?;
        Ok(())
    }

    /// One step of Algorithm 3.1 (lines 4–9) on the centred latent values:
    /// updates `f` (holding `g = f − m`) and `a`.
    fn newton_step(
        &mut self,
        k: &[f64],
        t: &[f64],
        f: &mut [f64],
        a: &mut [f64],
    ) -> Result<(), GpError> {
        let n = f.len();
        self.factor_at(k, t, f)?;
        // b = W f + (t − π)
        let b: Vec<f64> = (0..n)
            .map(|i| self.w_sqrt[i] * self.w_sqrt[i] * f[i] + self.residual[i])
            .collect();
        // c = L \ (W½ K b)
        let kb = mat_vec(k, n, &b);
        let mut c: Vec<f64> = (0..n).map(|i| self.w_sqrt[i] * kb[i]).collect();
        linalg::solve_lower(&self.l, n, &mut c);
        linalg::solve_upper_transposed(&self.l, n, &mut c);
        for i in 0..n {
            a[i] = b[i] - self.w_sqrt[i] * c[i];
        }
        f.copy_from_slice(&mat_vec(k, n, a));
        Ok(())
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    fn r2(&self, a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .zip(&self.length_scales)
            .map(|((x, y), l)| ((x - y) / l).powi(2))
            .sum()
    }

    fn k(&self, a: &[f64], b: &[f64]) -> f64 {
        self.signal_variance * self.kernel.value(self.r2(a, b))
    }

    /// The number of training points.
    #[must_use]
    pub fn n_points(&self) -> usize {
        self.mode.len()
    }

    /// The posterior mode `f̂` of the latent function at the training points
    /// (the prior mean included).
    #[must_use]
    pub fn mode(&self) -> &[f64] {
        &self.mode
    }

    /// The constant prior mean of the latent function.
    #[must_use]
    pub fn prior_mean(&self) -> f64 {
        self.prior_mean
    }

    /// The Laplace approximation of the log marginal likelihood (eq. 3.32).
    #[must_use]
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.log_marginal_likelihood
    }

    fn check_input(&self, x: &[f64]) -> Result<(), GpError> {
        if x.len() != self.d {
            return Err(GpError::DimensionMismatch {
                what: "input dimension",
                expected: self.d,
                found: x.len(),
            });
        }
        if !x.iter().all(|v| v.is_finite()) {
            return Err(GpError::NonFinite { what: "input" });
        }
        Ok(())
    }

    /// The latent mean and variance at `x` (Algorithm 3.2, plus the prior
    /// mean).
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] or [`GpError::NonFinite`] for a bad `x`.
    pub fn latent(&self, x: &[f64]) -> Result<(f64, f64), GpError> {
        self.check_input(x)?;
        let n = self.n_points();
        let ks: Vec<f64> = (0..n).map(|i| self.k(x, self.row(i))).collect();
        let mean = self.prior_mean + linalg::dot(&ks, &self.residual);
        let mut v: Vec<f64> = (0..n).map(|i| self.w_sqrt[i] * ks[i]).collect();
        linalg::solve_lower(&self.l, n, &mut v);
        let var = (self.signal_variance - linalg::dot(&v, &v)).max(0.0);
        Ok((mean, var))
    }

    /// [`Classifier::latent`] with the gradients of the mean and variance
    /// with respect to `x`: `∂f̄*/∂x = Σ_i (t − π̂)_i ∂k_i/∂x` and
    /// `∂V/∂x = −2 Σ_i W^½_i (L⁻ᵀ v)_i ∂k_i/∂x`, where
    /// `∂k_i/∂x_j = 2 σ² κ'(r²) (x_j − x_ij)/ℓ_j²`.
    ///
    /// # Errors
    /// As [`Classifier::latent`].
    pub fn latent_with_gradient(
        &self,
        x: &[f64],
    ) -> Result<(f64, f64, Vec<f64>, Vec<f64>), GpError> {
        self.check_input(x)?;
        let n = self.n_points();
        let mut ks = vec![0.0; n];
        let mut dk = vec![0.0; n];
        for i in 0..n {
            let (kv, kd) = self.kernel.value_and_derivative(self.r2(x, self.row(i)));
            ks[i] = self.signal_variance * kv;
            dk[i] = self.signal_variance * kd;
        }
        let mean = self.prior_mean + linalg::dot(&ks, &self.residual);
        let mut v: Vec<f64> = (0..n).map(|i| self.w_sqrt[i] * ks[i]).collect();
        linalg::solve_lower(&self.l, n, &mut v);
        let var = (self.signal_variance - linalg::dot(&v, &v)).max(0.0);
        linalg::solve_upper_transposed(&self.l, n, &mut v);
        let mut d_mean = vec![0.0; self.d];
        let mut d_var = vec![0.0; self.d];
        for i in 0..n {
            let row = self.row(i);
            let wm = self.residual[i] * dk[i];
            let wv = -2.0 * self.w_sqrt[i] * v[i] * dk[i];
            for j in 0..self.d {
                let dr2 = 2.0 * (x[j] - row[j]) / (self.length_scales[j] * self.length_scales[j]);
                d_mean[j] += wm * dr2;
                d_var[j] += wv * dr2;
            }
        }
        Ok((mean, var, d_mean, d_var))
    }

    /// The predictive probability of success at `x`.
    ///
    /// # Errors
    /// As [`Classifier::latent`].
    pub fn probability(&self, x: &[f64]) -> Result<f64, GpError> {
        let (m, v) = self.latent(x)?;
        Ok(log_expected_sigmoid(m, v).0.exp())
    }
}

/// `log p(t | g + m) = Σ log σ((2t − 1)(g + m))`.
fn log_likelihood(t: &[f64], g: &[f64], m: f64) -> f64 {
    t.iter()
        .zip(g)
        .map(|(&t, &g)| log_sigmoid(if t > 0.5 { g + m } else { -(g + m) }))
        .sum()
}

/// `K v` for a symmetric column-major `n × n` matrix.
fn mat_vec(k: &[f64], n: usize, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for j in 0..n {
        let col = &k[j * n..(j + 1) * n];
        for i in 0..n {
            out[i] += col[i] * v[j];
        }
    }
    out
}

/// `(log P, ∂log P/∂μ, ∂log P/∂V)` for `P = ∫ σ(f) N(f | μ, V) df`, by the
/// trapezoidal rule on `f = μ + √V t` (see the module docs);
/// `∂P/∂μ = E[σ'(f)]`, `∂P/∂V = E[σ'(f) t]/(2√V)`.
#[must_use]
pub fn log_expected_sigmoid(mean: f64, var: f64) -> (f64, f64, f64) {
    let s = var.max(0.0).sqrt();
    if s < 1e-12 {
        let p = sigmoid(mean);
        return (log_sigmoid(mean), 1.0 - p, 0.0);
    }
    let (mut p, mut dm, mut ds) = (0.0, 0.0, 0.0);
    for j in 0..QUAD_POINTS {
        let t = -8.4 + QUAD_STEP * j as f64;
        let w = (-0.5 * t * t).exp();
        let q = sigmoid(mean + s * t);
        let dq = q * (1.0 - q);
        p += w * q;
        dm += w * dq;
        ds += w * dq * t;
    }
    // The weights sum to √(2π)/h; the ratios below need no normalisation
    // except p itself.
    let norm = QUAD_STEP / (2.0 * std::f64::consts::PI).sqrt();
    let p = p * norm;
    if p <= 0.0 || p.is_nan() {
        // Every node underflowed: far in the failure region.
        return (log_sigmoid(mean + 0.5 * var), 1.0, 0.5);
    }
    let dm = dm * norm;
    let dv = ds * norm / (2.0 * s);
    (p.ln(), dm / p, dv / p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn expected_sigmoid_matches_symmetry_and_the_point_mass() {
        // E[σ(f)] at mean 0 is ½ for every variance (σ(f) − ½ is odd).
        for v in [0.0, 0.5, 4.0, 25.0] {
            // The grid is symmetric: the odd part cancels to rounding.
            assert_relative_eq!(
                log_expected_sigmoid(0.0, v).0.exp(),
                0.5,
                max_relative = 1e-12
            );
        }
        // A tiny variance is the point mass: σ(1.3).
        assert_relative_eq!(
            log_expected_sigmoid(1.3, 1e-30).0.exp(),
            sigmoid(1.3),
            max_relative = 1e-15
        );
    }

    #[test]
    fn expected_sigmoid_gradient_matches_finite_differences() {
        for (m, v) in [(0.7, 2.0), (-3.0, 0.3), (-12.0, 4.0)] {
            let (_, dm, dv) = log_expected_sigmoid(m, v);
            let h = 1e-6;
            let fm =
                (log_expected_sigmoid(m + h, v).0 - log_expected_sigmoid(m - h, v).0) / (2.0 * h);
            let fv =
                (log_expected_sigmoid(m, v + h).0 - log_expected_sigmoid(m, v - h).0) / (2.0 * h);
            // Central differences of a smooth function at h = 1e-6: ~1e-9 relative.
            assert_relative_eq!(dm, fm, max_relative = 1e-6);
            assert_relative_eq!(dv, fv, max_relative = 1e-6);
        }
    }

    #[test]
    fn latent_gradient_matches_finite_differences() {
        let x = DMatrix::from_row_slice(5, 2, &[0.1, 0.2, 0.4, 0.9, 0.8, 0.5, 0.3, 0.3, 0.95, 0.1]);
        let c = Classifier::fit(
            &x,
            &[true, true, false, true, false],
            Kernel::Matern52,
            &[0.3, 0.5],
            2.0,
        )
        .unwrap();
        let p = [0.55, 0.42];
        let (_, _, dm, dv) = c.latent_with_gradient(&p).unwrap();
        for j in 0..2 {
            let h = 1e-6;
            let mut a = p;
            let mut b = p;
            a[j] += h;
            b[j] -= h;
            let (ma, va) = c.latent(&a).unwrap();
            let (mb, vb) = c.latent(&b).unwrap();
            // Central differences at h = 1e-6 of O(1) smooth functions.
            assert_relative_eq!(
                dm[j],
                (ma - mb) / (2.0 * h),
                max_relative = 1e-5,
                epsilon = 1e-8
            );
            assert_relative_eq!(
                dv[j],
                (va - vb) / (2.0 * h),
                max_relative = 1e-5,
                epsilon = 1e-8
            );
        }
    }

    fn five_points() -> (DMatrix<f64>, [bool; 5]) {
        let x = DMatrix::from_row_slice(5, 2, &[0.1, 0.2, 0.4, 0.9, 0.8, 0.5, 0.3, 0.3, 0.95, 0.1]);
        (x, [true, true, false, true, false])
    }

    #[test]
    fn a_prior_mean_is_a_fixed_point_and_the_limit_far_from_data() {
        let (x, t) = five_points();
        // A zero mean is exactly the zero-mean fit (the scikit-learn path).
        let plain = Classifier::fit(&x, &t, Kernel::Matern52, &[0.3, 0.5], 2.0).unwrap();
        let zero =
            Classifier::fit_with_mean(&x, &t, Kernel::Matern52, &[0.3, 0.5], 2.0, 0.0).unwrap();
        assert_eq!(plain.mode(), zero.mode());
        assert_eq!(
            plain.log_marginal_likelihood(),
            zero.log_marginal_likelihood()
        );
        let m = 1.5;
        let c = Classifier::fit_with_mean(&x, &t, Kernel::Matern52, &[0.3, 0.5], 2.0, m).unwrap();
        assert_eq!(c.prior_mean(), m);
        // At the mode f̂ = m + K(t − π̂) (the Newton fixed point), so the
        // predictive latent mean at a training point is its mode. Newton
        // stops once Ψ changes by < 1e-10: the mode is then within ~1e-6.
        for i in 0..5 {
            let (mean, _) = c.latent(&[x[(i, 0)], x[(i, 1)]]).unwrap();
            assert!((mean - c.mode()[i]).abs() < 1e-5, "point {i}");
        }
        // The mean moves the whole posterior: the modes are not those of the
        // zero-mean fit shifted by m (the likelihood is not linear), but the
        // failures are still below the successes.
        assert!(c.mode()[2] < c.mode()[0] && c.mode()[4] < c.mode()[3]);
        // Far from the data (Matérn 5/2 at 30 length scales: k < 1e-10 of σ²)
        // the latent posterior is the prior N(m, σ²).
        let (mean, var) = c.latent(&[10.0, 15.0]).unwrap();
        assert_relative_eq!(mean, m, epsilon = 1e-9);
        assert_relative_eq!(var, 2.0, epsilon = 1e-9);
        let (mean0, _) = plain.latent(&[10.0, 15.0]).unwrap();
        assert_relative_eq!(mean0, 0.0, epsilon = 1e-9);
        // So P(success) there is E[σ(f)], f ~ N(1.5, 2): between ½ and σ(1.5).
        let p = c.probability(&[10.0, 15.0]).unwrap();
        assert!(p > 0.5 && p < sigmoid(m), "{p}");
        assert!(matches!(
            Classifier::fit_with_mean(&x, &t, Kernel::Matern52, &[0.3, 0.5], 2.0, f64::NAN),
            Err(GpError::InvalidHyperparameter {
                name: "prior_mean",
                ..
            })
        ));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let x = DMatrix::from_row_slice(2, 1, &[0.1, 0.9]);
        assert!(matches!(
            Classifier::fit(&x, &[true], Kernel::Matern52, &[0.3], 1.0),
            Err(GpError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            Classifier::fit(&x, &[true, false], Kernel::Matern52, &[0.3], 0.0),
            Err(GpError::InvalidHyperparameter { .. })
        ));
        let c = Classifier::fit(&x, &[true, false], Kernel::Matern52, &[0.3], 1.0).unwrap();
        assert!(matches!(
            c.latent(&[f64::NAN]),
            Err(GpError::NonFinite { .. })
        ));
    }
}
