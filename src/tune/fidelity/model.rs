//! The learning-curve model: a GP over `(configuration, fidelity)` and the
//! expected improvement at the full fidelity (see the [module](super) docs).

use crate::acquisition::normal::log_h;
use crate::error::GpError;
use crate::gp::{DMatrix, Gp, GpConfig, Hyperparameters};
use crate::rng::StudyRng;

/// The fidelity coordinate of `t` epochs out of `full`: `ln t / ln full`
/// (1 at the full fidelity; 1 for every `t` when `full` is 1).
pub(super) fn fidelity(t: usize, full: usize) -> f64 {
    if full <= 1 {
        1.0
    } else {
        (t.max(1) as f64).ln() / (full as f64).ln()
    }
}

/// A fitted GP of the running best `y` over `(x, u)`, and the best `y`
/// observed.
pub(super) struct CurveModel {
    gp: Gp,
    best: f64,
}

impl CurveModel {
    /// Fits the GP to `points` of `(x, u, y)` (all `x` of one length), from
    /// `warm` hyperparameters if given.
    pub fn fit(
        points: &[(&[f64], f64, f64)],
        warm: Option<&Hyperparameters>,
        rng: &mut StudyRng,
    ) -> Result<Self, GpError> {
        let d = points.first().map_or(0, |p| p.0.len()) + 1;
        let x = DMatrix::from_fn(points.len(), d, |i, j| {
            let (xi, u, _) = points[i];
            if j + 1 == d { u } else { xi[j] }
        });
        let y: Vec<f64> = points.iter().map(|p| p.2).collect();
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        let config = GpConfig::default().n_restarts(1).threads(1);
        let gp = Gp::fit(&x, &y, &config, warm, rng)?;
        Ok(Self { gp, best })
    }

    /// The fitted hyperparameters (a warm start for the next fit).
    pub fn hyperparameters(&self) -> &Hyperparameters {
        self.gp.hyperparameters()
    }

    /// `log EI` at `(x, u = 1)` against the best `y` observed:
    /// `ln σ + ln h((y* − μ)/σ)`; `ln max(y* − μ, 0)` when `σ` is 0.
    pub fn log_ei_at_full(&self, x: &[f64]) -> Result<f64, GpError> {
        let mut point = Vec::with_capacity(x.len() + 1);
        point.extend_from_slice(x);
        point.push(1.0);
        let p = self.gp.predict(&point)?;
        let sd = p.variance.max(0.0).sqrt();
        if sd <= f64::MIN_POSITIVE {
            return Ok((self.best - p.mean).max(0.0).ln());
        }
        Ok(sd.ln() + log_h((self.best - p.mean) / sd).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn the_fidelity_coordinate_is_log_scaled() {
        assert_eq!(fidelity(1, 20), 0.0);
        assert_eq!(fidelity(20, 20), 1.0);
        assert!((fidelity(4, 16) - 0.5).abs() < 1e-15); // one rounding
        assert_eq!(fidelity(1, 1), 1.0);
    }

    #[test]
    fn improvement_is_expected_where_curves_end_low() {
        // Two configurations' running bests: x = 0.1 falls to 0.2 by the full
        // fidelity, x = 0.9 stays at 1.0. At the full fidelity EI is larger
        // next to the first.
        let (a, b) = ([0.1], [0.9]);
        let mut points: Vec<(&[f64], f64, f64)> = Vec::new();
        for (t, ya, yb) in [(1, 1.0, 1.1), (2, 0.6, 1.05), (4, 0.3, 1.0), (8, 0.2, 1.0)] {
            points.push((&a, fidelity(t, 8), ya));
            points.push((&b, fidelity(t, 8), yb));
        }
        let m = CurveModel::fit(&points, None, &mut rng_from_seed(3)).unwrap();
        let near_a = m.log_ei_at_full(&[0.15]).unwrap();
        let near_b = m.log_ei_at_full(&[0.85]).unwrap();
        assert!(near_a > near_b, "{near_a} vs {near_b}");
    }
}
