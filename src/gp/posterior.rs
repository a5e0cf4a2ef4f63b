//! The fitted model: exact GP posterior for given hyperparameters, its log
//! marginal likelihood, and conditioning on one more observation.

use nalgebra::DMatrix;

use super::cholesky;
use super::extend;
use super::hyperparameters::{Hyperparameters, LmlGradient};
use super::kernel::Kernel;
use super::likelihood::Workspace;
use super::linalg;
use super::simd;
use super::standardise::Standardisation;
use crate::error::GpError;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// An exact Gaussian-process posterior (Rasmussen & Williams 2006, Alg. 2.1).
///
/// Built by [`Gp::fit`] (hyperparameters chosen by maximising the marginal
/// likelihood plus priors) or [`Gp::with_hyperparameters`]. Holds the
/// Cholesky factor `L` of `K = σ²κ(R²) + (σ_n² + jitter) I`, its inverse (for
/// batched prediction), and `α = K⁻¹(y − m)`, all in standardised units.
#[derive(Debug, Clone)]
pub struct Gp {
    pub(crate) kernel: Kernel,
    pub(crate) hp: Hyperparameters,
    pub(crate) standardisation: Standardisation,
    /// Training inputs, `n × d`.
    pub(crate) x: DMatrix<f64>,
    /// Training inputs divided by the length scales, dimension-major:
    /// `z[k * n + i] = x_ik / ℓ_k`.
    pub(crate) z: Vec<f64>,
    /// Standardised outputs.
    pub(crate) y: Vec<f64>,
    pub(crate) jitter: f64,
    /// `L`, column-major `n × n`.
    pub(crate) l: Vec<f64>,
    /// `L⁻¹`, column-major `n × n`.
    pub(crate) l_inv: Vec<f64>,
    /// The rows of `L⁻¹` packed (row `i`, entries `0..=i`, from `i(i+1)/2`)
    /// for [`Gp::predict_with_gradient`]'s one-pass products, when
    /// `n >= FUSED_MIN_POINTS` (see `predict.rs`); empty below.
    pub(crate) l_inv_rows: Vec<f64>,
    pub(crate) alpha: Vec<f64>,
    /// `log p(y)` in standardised units.
    pub(crate) lml_standardised: f64,
}

impl Gp {
    /// The exact posterior with the given hyperparameters (standardised units,
    /// see [`Hyperparameters`]); no fitting.
    ///
    /// `x` is `n × d` (rows are points, in the unit cube), `y` has `n` outputs.
    /// `n = 0` gives the prior.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] if `y.len() != n` or the length scales are
    /// not `d`; [`GpError::NonFinite`] for NaN or infinite data;
    /// [`GpError::InvalidHyperparameter`]; [`GpError::NotPositiveDefinite`] if
    /// the kernel matrix cannot be factored even with jitter.
    pub fn with_hyperparameters(
        x: &DMatrix<f64>,
        y: &[f64],
        kernel: Kernel,
        hp: Hyperparameters,
    ) -> Result<Self, GpError> {
        check_data(x, y)?;
        hp.check(x.ncols())?;
        Self::build(x.clone(), y, Standardisation::of(y), kernel, hp)
    }

    /// Builds the posterior for data `x`, original outputs `y` (checked) and a
    /// given standardisation.
    pub(crate) fn build(
        x: DMatrix<f64>,
        y: &[f64],
        standardisation: Standardisation,
        kernel: Kernel,
        hp: Hyperparameters,
    ) -> Result<Self, GpError> {
        let (n, d) = x.shape();
        let y: Vec<f64> = y.iter().map(|&v| standardisation.forward(v)).collect();
        let mut z = vec![0.0; n * d];
        for k in 0..d {
            for i in 0..n {
                z[k * n + i] = x[(i, k)] / hp.length_scales[k];
            }
        }
        let (l, l_inv, jitter) = extend::factor_rows(&z, n, n, kernel, &hp)?;
        let mut gp = Self {
            kernel,
            hp,
            standardisation,
            x,
            z,
            y,
            jitter,
            l_inv_rows: packed_rows(&l_inv, n),
            l,
            l_inv,
            alpha: vec![0.0; n],
            lml_standardised: 0.0,
        };
        gp.update_alpha();
        Ok(gp)
    }

    /// Recomputes `α` and the log marginal likelihood from `L` and `y`.
    pub(super) fn update_alpha(&mut self) {
        let n = self.n_points();
        let mut alpha: Vec<f64> = self.y.iter().map(|v| v - self.hp.mean).collect();
        linalg::solve_lower(&self.l, n, &mut alpha);
        let quad = linalg::dot(&alpha, &alpha);
        linalg::solve_upper_transposed(&self.l, n, &mut alpha);
        self.alpha = alpha;
        self.lml_standardised =
            -0.5 * quad - 0.5 * cholesky::log_det(&self.l, n) - 0.5 * n as f64 * LN_2PI;
    }

    /// The hyperparameters (standardised units).
    #[must_use]
    pub fn hyperparameters(&self) -> &Hyperparameters {
        &self.hp
    }

    /// The kernel.
    #[must_use]
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The training inputs, `n × dim` (one row per point).
    #[must_use]
    pub fn inputs(&self) -> &DMatrix<f64> {
        &self.x
    }

    /// Number of observations.
    #[must_use]
    pub fn n_points(&self) -> usize {
        self.x.nrows()
    }

    /// Input dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// The jitter added to the kernel diagonal (standardised units; 0 unless
    /// the plain factorisation failed).
    #[must_use]
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// `(ȳ, s)`: outputs are standardised as `(y − ȳ)/s` (population standard
    /// deviation; `s = 1` for constant outputs or fewer than two).
    #[must_use]
    pub fn output_standardisation(&self) -> (f64, f64) {
        (self.standardisation.mean, self.standardisation.scale)
    }

    /// `log p(y)` of the original outputs under the model
    /// `y = ȳ + s·(m + f + ε)`: the standardised value minus `n ln s`.
    ///
    /// This is the log marginal likelihood of a GP on the original outputs with
    /// constant mean `ȳ + s·m`, kernel `s²σ²κ` and noise `s²(σ_n² + jitter)`,
    /// so it equals scikit-learn's `log_marginal_likelihood_value_` with
    /// `normalize_y=False` when `ȳ + s·m = 0` (its mean is zero).
    #[must_use]
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.lml_standardised - self.n_points() as f64 * self.standardisation.scale.ln()
    }

    /// The gradient of [`log_marginal_likelihood`](Self::log_marginal_likelihood)
    /// with respect to the log-hyperparameters and the mean (priors excluded).
    /// Costs one more `O(n³)` pass.
    ///
    /// # Errors
    /// [`GpError::NotPositiveDefinite`] (not expected: the same matrix was
    /// factored when the posterior was built).
    pub fn log_marginal_likelihood_gradient(&self) -> Result<LmlGradient, GpError> {
        let d = self.dim();
        let mut ws = Workspace::new(&self.x, &self.y, self.kernel);
        let mut grad = vec![0.0; d + 3];
        let mut hp = self.hp.clone();
        hp.noise_variance += self.jitter;
        ws.evaluate(&hp, &mut grad)?;
        // The jitter is a constant: undo its share of the noise derivative.
        let noise_share = if hp.noise_variance > 0.0 {
            self.hp.noise_variance / hp.noise_variance
        } else {
            0.0
        };
        Ok(LmlGradient {
            log_length_scales: grad[..d].to_vec(),
            log_signal_variance: grad[d],
            log_noise_variance: grad[d + 1] * noise_share,
            mean: grad[d + 2],
        })
    }

    /// The posterior after one more observation `(x, y)` (original units), with
    /// the same hyperparameters and output standardisation, by extending the
    /// Cholesky factor and its inverse in `O(n²)` — a fantasy for a pending
    /// trial. Falls back to a fresh factorisation (with jitter) when the new
    /// point repeats an old one and the noise is zero.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] if `x.len() != dim`; [`GpError::NonFinite`];
    /// [`GpError::NotPositiveDefinite`] from the fallback factorisation.
    pub fn condition_on(&self, x: &[f64], y: f64) -> Result<Self, GpError> {
        let (n, d) = (self.n_points(), self.dim());
        if x.len() != d {
            return Err(GpError::DimensionMismatch {
                what: "input dimension",
                expected: d,
                found: x.len(),
            });
        }
        if !x.iter().all(|v| v.is_finite()) {
            return Err(GpError::NonFinite { what: "inputs" });
        }
        if !y.is_finite() {
            return Err(GpError::NonFinite { what: "outputs" });
        }
        let mut new_x = self.x.clone().insert_row(n, 0.0);
        for (k, &v) in x.iter().enumerate() {
            new_x[(n, k)] = v;
        }
        let (k, _) = self.cross_covariance(x, false);
        let kappa = self.hp.signal_variance + self.hp.noise_variance + self.jitter;
        let Some(l) = cholesky::extend(&self.l, n, &k, kappa) else {
            let mut y_all: Vec<f64> = self.original_outputs();
            y_all.push(y);
            return Self::build(
                new_x,
                &y_all,
                self.standardisation,
                self.kernel,
                self.hp.clone(),
            );
        };
        let m = n + 1;
        // L⁻¹ of [L 0; wᵀ λ] is [L⁻¹ 0; −wᵀL⁻¹/λ 1/λ], with wᵀL⁻¹ = (L⁻ᵀw)ᵀ.
        let lambda = l[n * m + n];
        let mut u: Vec<f64> = (0..n).map(|j| l[j * m + n]).collect();
        linalg::solve_upper_transposed(&self.l, n, &mut u);
        let mut l_inv = vec![0.0; m * m];
        for j in 0..n {
            l_inv[j * m..j * m + n].copy_from_slice(&self.l_inv[j * n..(j + 1) * n]);
            l_inv[j * m + n] = -u[j] / lambda;
        }
        l_inv[n * m + n] = 1.0 / lambda;
        // The rows of L⁻¹ do not change; one more is appended.
        let l_inv_rows = if self.l_inv_rows.is_empty() {
            packed_rows(&l_inv, m)
        } else {
            let mut rows = self.l_inv_rows.clone();
            rows.extend((0..m).map(|j| l_inv[j * m + n]));
            rows
        };
        let mut z = Vec::with_capacity(m * d);
        for (kk, &v) in x.iter().enumerate() {
            z.extend_from_slice(&self.z[kk * n..(kk + 1) * n]);
            z.push(v / self.hp.length_scales[kk]);
        }
        let mut y_std = self.y.clone();
        y_std.push(self.standardisation.forward(y));
        let mut gp = Self {
            kernel: self.kernel,
            hp: self.hp.clone(),
            standardisation: self.standardisation,
            x: new_x,
            z,
            y: y_std,
            jitter: self.jitter,
            l,
            l_inv,
            l_inv_rows,
            alpha: Vec::new(),
            lml_standardised: 0.0,
        };
        gp.update_alpha();
        Ok(gp)
    }

    /// The training outputs in original units.
    fn original_outputs(&self) -> Vec<f64> {
        let s = self.standardisation;
        self.y.iter().map(|v| s.mean + s.scale * v).collect()
    }

    /// `k_i = σ²κ(r²(x, x_i))` for every training point and, if `derivatives`,
    /// `g_i = σ²κ'(r²)`; `x` in original input units.
    pub(crate) fn cross_covariance(&self, x: &[f64], derivatives: bool) -> (Vec<f64>, Vec<f64>) {
        let n = self.n_points();
        let q: Vec<f64> = x
            .iter()
            .zip(&self.hp.length_scales)
            .map(|(x, l)| x / l)
            .collect();
        let mut r2 = vec![0.0; n];
        simd::squared_distances(&self.z, &q, &mut r2);
        let s2 = self.hp.signal_variance;
        if derivatives {
            let mut kv = vec![0.0; n];
            let mut g = vec![0.0; n];
            self.kernel
                .fill_values_and_derivatives(s2, &r2, &mut kv, &mut g);
            (kv, g)
        } else {
            self.kernel.fill_values(s2, &mut r2);
            (r2, Vec::new())
        }
    }
}

/// The rows of the lower-triangular `l_inv` (column-major `n × n`) packed
/// one after the other, or nothing when `n < FUSED_MIN_POINTS`.
pub(crate) fn packed_rows(l_inv: &[f64], n: usize) -> Vec<f64> {
    if n < super::predict::FUSED_MIN_POINTS {
        return Vec::new();
    }
    let mut rows = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        rows.extend((0..=i).map(|j| l_inv[j * n + i]));
    }
    rows
}

/// Checks shapes and finiteness of training data.
pub(crate) fn check_data(x: &DMatrix<f64>, y: &[f64]) -> Result<(), GpError> {
    if x.nrows() != y.len() {
        return Err(GpError::DimensionMismatch {
            what: "number of outputs",
            expected: x.nrows(),
            found: y.len(),
        });
    }
    if !x.iter().all(|v| v.is_finite()) {
        return Err(GpError::NonFinite { what: "inputs" });
    }
    if !y.iter().all(|v| v.is_finite()) {
        return Err(GpError::NonFinite { what: "outputs" });
    }
    Ok(())
}
