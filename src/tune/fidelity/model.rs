//! The learning-curve model over `(configuration, epochs)` and the expected
//! improvement at the full fidelity (see the [module](super) docs).

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

/// A fitted model of the running best `y` after `t` epochs: a learning
/// curve shared by all configurations plus a GP over the configuration,
/// `y(x, t) = β₀ + β₁ u(t) + f(x) + ε`, `u(t) = ln t / ln E`, `f ~ GP`,
/// `ε` Gaussian noise (which absorbs how curves differ in shape). With `y` a
/// log loss, the shared curve is the power law `loss ∝ t^(β₁ / ln E)`
/// (Domhan et al. 2015 count power laws among the learning curves that fit
/// best). The incumbent `y*` is the best full-fidelity mean over the
/// configurations observed, `min_c β₀ + β₁ + m_f(x_c)`.
pub(super) struct CurveModel {
    gp: Gp,
    trend: (f64, f64),
    best: f64,
}

/// One observation: the configuration's index (grouping its points),
/// its encoding, `u` and `y`.
pub(super) type Point<'a> = (usize, &'a [f64], f64, f64);

/// The trend `(β₀, β₁)`: `β₁` the within-configuration least-squares slope
/// of `y` on `u` (each configuration's points centred on their own means,
/// so configurations continued for being good do not bias it), 0 if no
/// configuration has two fidelities; `β₀` the mean of `y − β₁ u`.
pub(super) fn trend(points: &[Point<'_>]) -> (f64, f64) {
    let mut groups: std::collections::BTreeMap<usize, Vec<(f64, f64)>> = Default::default();
    for &(c, _, u, y) in points {
        groups.entry(c).or_default().push((u, y));
    }
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for g in groups.values() {
        let n = g.len() as f64;
        let (mu, my) = (
            g.iter().map(|p| p.0).sum::<f64>() / n,
            g.iter().map(|p| p.1).sum::<f64>() / n,
        );
        for &(u, y) in g {
            sxy += (u - mu) * (y - my);
            sxx += (u - mu) * (u - mu);
        }
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let n = points.len().max(1) as f64;
    let intercept = points.iter().map(|p| p.3 - slope * p.2).sum::<f64>() / n;
    (intercept, slope)
}

impl CurveModel {
    /// Fits the trend, then the GP to the detrended `y` (all `x` of one
    /// length), from `warm` hyperparameters if given; `full_u[c]` is the
    /// fidelity coordinate of configuration `c`'s own full epochs (1 with
    /// fixed epochs), where its incumbent mean is taken.
    pub fn fit(
        points: &[Point<'_>],
        full_u: &[f64],
        warm: Option<&Hyperparameters>,
        rng: &mut StudyRng,
    ) -> Result<Self, GpError> {
        let d = points.first().map_or(0, |p| p.1.len());
        let x = DMatrix::from_fn(points.len(), d, |i, j| points[i].1[j]);
        let trend = trend(points);
        let y: Vec<f64> = points
            .iter()
            .map(|p| p.3 - trend.0 - trend.1 * p.2)
            .collect();
        let config = GpConfig::default().n_restarts(1).threads(1);
        let gp = Gp::fit(&x, &y, &config, warm, rng)?;
        let mut model = Self {
            gp,
            trend,
            best: f64::INFINITY,
        };
        for p in points {
            let u = full_u.get(p.0).copied().unwrap_or(1.0);
            model.best = model.best.min(model.mean_at(p.1, u)?);
        }
        Ok(model)
    }

    /// The fitted hyperparameters (a warm start for the next fit).
    pub fn hyperparameters(&self) -> &Hyperparameters {
        self.gp.hyperparameters()
    }

    fn mean_at(&self, x: &[f64], u: f64) -> Result<f64, GpError> {
        Ok(self.gp.predict(x)?.mean + self.trend.0 + self.trend.1 * u)
    }

    /// `log EI` at `(x, u)` (`u = 1`: the full fidelity `t = E`; a
    /// configuration with its own epochs `E_x` is taken at `u(E_x)`)
    /// against the incumbent: `ln σ + ln h((y* − μ)/σ)`,
    /// `μ = β₀ + β₁ u + m_f(x)`, `σ² = v_f(x)`; `ln max(y* − μ, 0)` when
    /// `σ` is 0.
    pub fn log_ei_at(&self, x: &[f64], u: f64) -> Result<f64, GpError> {
        let p = self.gp.predict(x)?;
        let mean = p.mean + self.trend.0 + self.trend.1 * u;
        let sd = p.variance.max(0.0).sqrt();
        if sd <= f64::MIN_POSITIVE {
            return Ok((self.best - mean).max(0.0).ln());
        }
        Ok(sd.ln() + log_h((self.best - mean) / sd).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn the_trend_is_the_slope_within_configurations() {
        // Two configurations falling by 0.5 per unit of u from different
        // levels, the better one observed at higher u only: pooled least
        // squares would see a steeper fall, the within slope is exact.
        let (a, b) = ([0.0], [1.0]);
        let points: Vec<Point<'_>> = vec![
            (0, &a, 0.0, 2.0),
            (0, &a, 0.5, 1.75),
            (1, &b, 0.5, 1.0),
            (1, &b, 1.0, 0.75),
        ];
        let (b0, b1) = trend(&points);
        assert!((b1 + 0.5).abs() < 1e-12, "{b1}"); // a few roundings
        assert!((b0 - (2.0 + 2.0 + 1.25 + 1.25) / 4.0).abs() < 1e-12, "{b0}");
        // One fidelity per configuration: no slope.
        assert_eq!(trend(&points[1..3]).1, 0.0);
    }

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
        // fidelity, x = 0.9 stays near 1.0. At the full fidelity EI is larger
        // next to the first.
        let (a, b) = ([0.1], [0.9]);
        let mut points: Vec<Point<'_>> = Vec::new();
        for (t, ya, yb) in [(1, 1.0, 1.1), (2, 0.6, 1.05), (4, 0.3, 1.0), (8, 0.2, 1.0)] {
            points.push((0, &a, fidelity(t, 8), ya));
            points.push((1, &b, fidelity(t, 8), yb));
        }
        let m = CurveModel::fit(&points, &[1.0, 1.0], None, &mut rng_from_seed(3)).unwrap();
        let near_a = m.log_ei_at(&[0.15], 1.0).unwrap();
        let near_b = m.log_ei_at(&[0.85], 1.0).unwrap();
        assert!(near_a > near_b, "{near_a} vs {near_b}");
    }
}
