//! Weak priors on the hyperparameters, the default start and the restart draws.
//!
//! Fitting maximises `log p(y | θ) + log p(θ)` (maximum a posteriori). The
//! priors are densities of the hyperparameters themselves, evaluated without
//! a Jacobian as BoTorch and Optuna do, so the optimum does not depend on the
//! optimiser working in log space. With outputs standardised and inputs in
//! the unit cube (`d` dimensions), constants omitted:
//!
//! * **length scales**, each `ℓ ~ LogNormal(√2 + ½ ln d, √3)` — the
//!   dimension-scaled prior of Hvarfner, Hellsten & Nardi (2024, *Vanilla
//!   Bayesian optimisation performs great in high dimensions*, ICML), BoTorch's
//!   default since 0.12: `log p = −ln ℓ − (ln ℓ − μ_d)²/6`. Its median grows
//!   like `√d` so that, as `d` grows, the expected distance between points
//!   (also `∝ √d`) does not make every point look independent of every other;
//!   `σ = √3` keeps it weak (two standard deviations span a factor of 30).
//! * **signal variance** `σ² ~ Gamma(2, 1)` (shape 2, rate 1) — Optuna's
//!   `GPSampler` prior: `log p = ln σ² − σ²`, mode 1 (the variance of
//!   standardised outputs), vanishing at 0 so that the fit never explains
//!   structured outputs as pure noise, and light-tailed so that the
//!   `σ² → ∞, ℓ → ∞` ridge of the Matérn likelihood is cut off.
//! * **noise variance** `σ_n² ~ LogNormal(−4, 1)` — BoTorch's noise prior of
//!   Hvarfner et al. (2024): `log p = −ln σ_n² − (ln σ_n² + 4)²/2`, median
//!   `e⁻⁴ ≈ 0.018` (a noise standard deviation of 13% of the outputs'), wide
//!   enough in log space for both nearly deterministic and very noisy
//!   objectives. Only applied when the noise is learned.
//! * **mean**: flat (improper); the data pin it down.

use super::config::Noise;
use super::hyperparameters::Hyperparameters;
use crate::rng::{StudyRng, uniform};

/// Standard deviation of the log length scale.
const LOG_LENGTH_SCALE_SD: f64 = 1.732_050_807_568_877_2;
/// Gamma shape and rate of the signal variance.
const SIGNAL_SHAPE: f64 = 2.0;
const SIGNAL_RATE: f64 = 1.0;
/// Location and scale of the log noise variance.
const LOG_NOISE_LOCATION: f64 = -4.0;
const LOG_NOISE_SD: f64 = 1.0;

/// `μ_d = √2 + ½ ln d`, the location of the log length scale.
#[must_use]
pub fn log_length_scale_location(dim: usize) -> f64 {
    std::f64::consts::SQRT_2 + 0.5 * (dim.max(1) as f64).ln()
}

/// The log prior density (constants omitted) and its gradient with respect
/// to `(ln ℓ_1, …, ln ℓ_d, ln σ², ln σ_n²)`, written into `grad` (length `d + 2`).
/// The noise term is included only when `learned_noise`.
pub(crate) fn log_prior(hp: &Hyperparameters, learned_noise: bool, grad: &mut [f64]) -> f64 {
    let d = hp.length_scales.len();
    let mu = log_length_scale_location(d);
    let var = LOG_LENGTH_SCALE_SD * LOG_LENGTH_SCALE_SD;
    let mut lp = 0.0;
    for (g, &l) in grad.iter_mut().zip(&hp.length_scales) {
        let t = l.ln();
        lp += -t - (t - mu) * (t - mu) / (2.0 * var);
        *g = -1.0 - (t - mu) / var;
    }
    let s2 = hp.signal_variance;
    lp += (SIGNAL_SHAPE - 1.0) * s2.ln() - SIGNAL_RATE * s2;
    grad[d] = (SIGNAL_SHAPE - 1.0) - SIGNAL_RATE * s2;
    grad[d + 1] = 0.0;
    if learned_noise {
        let t = hp.noise_variance.ln();
        let z = (t - LOG_NOISE_LOCATION) / LOG_NOISE_SD;
        lp += -t - 0.5 * z * z;
        grad[d + 1] = -1.0 - z / LOG_NOISE_SD;
    }
    lp
}

/// The default start: the mode of each prior (`ℓ = e^{μ_d − 3} ≈ 0.2√d`,
/// `σ² = 1`, `σ_n² = e⁻⁵ ≈ 0.0067` or the floor if larger, or the fixed
/// noise), with mean 0.
#[must_use]
pub fn prior_mode(dim: usize, noise: Noise) -> Hyperparameters {
    let var = LOG_LENGTH_SCALE_SD * LOG_LENGTH_SCALE_SD;
    let l = (log_length_scale_location(dim) - var).exp();
    Hyperparameters {
        length_scales: vec![l; dim],
        signal_variance: (SIGNAL_SHAPE - 1.0) / SIGNAL_RATE,
        noise_variance: match noise {
            Noise::Learned { floor } => {
                let mode = (LOG_NOISE_LOCATION - LOG_NOISE_SD * LOG_NOISE_SD).exp();
                mode.max(2.0 * floor)
            }
            Noise::Fixed(v) => v,
        },
        mean: 0.0,
    }
}

/// A random restart: each length scale log-uniform in `[m/4, 10m]` around the
/// prior mode `m` (from four times shorter to nearly irrelevant), the signal
/// variance log-uniform in `[0.2, 5]`, a learned noise variance log-uniform
/// in `[max(2·floor, 1e-5), 0.3]`, mean 0. A box rather than the priors
/// themselves: the length-scale prior is wide enough that most of its draws
/// would be nearly constant models.
pub(crate) fn random_start(dim: usize, noise: Noise, rng: &mut StudyRng) -> Hyperparameters {
    let mode = prior_mode(dim, noise);
    // exp(U(ln lo, ln hi)) with libm's portable log and exp (see crate::rng).
    let mut log_uniform =
        |lo: f64, hi: f64| libm::exp(uniform(rng, libm::log(lo), libm::log(hi))).clamp(lo, hi);
    let length_scales = mode
        .length_scales
        .iter()
        .map(|&m| log_uniform(m / 4.0, 10.0 * m))
        .collect();
    let signal_variance = log_uniform(0.2, 5.0);
    let noise_variance = match noise {
        Noise::Learned { floor } => {
            let lo = (2.0 * floor).max(1e-5);
            if lo < 0.3 { log_uniform(lo, 0.3) } else { lo }
        }
        Noise::Fixed(v) => v,
    };
    Hyperparameters {
        length_scales,
        signal_variance,
        noise_variance,
        mean: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;
    use approx::assert_relative_eq;

    fn hp() -> Hyperparameters {
        Hyperparameters {
            length_scales: vec![0.3, 1.7, 0.05],
            signal_variance: 0.8,
            noise_variance: 0.02,
            mean: 0.4,
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // Central differences in log space, step 1e-5: truncation error
        // O(h² f''') ~ 1e-10, rounding ~ 1e-16/1e-5; 1e-7 relative is safe.
        let base = hp();
        let mut grad = vec![0.0; 5];
        log_prior(&base, true, &mut grad);
        let h = 1e-5;
        for (i, &analytic) in grad.iter().enumerate() {
            let eval = |delta: f64| {
                let mut p = base.clone();
                match i {
                    0..=2 => p.length_scales[i] *= delta.exp(),
                    3 => p.signal_variance *= delta.exp(),
                    _ => p.noise_variance *= delta.exp(),
                }
                log_prior(&p, true, &mut [0.0; 5])
            };
            let fd = (eval(h) - eval(-h)) / (2.0 * h);
            assert_relative_eq!(analytic, fd, max_relative = 1e-7, epsilon = 1e-9);
        }
    }

    #[test]
    fn mode_maximises_the_prior() {
        // The gradient vanishes at the mode (noise above its floor).
        let noise = Noise::Learned { floor: 1e-6 };
        let mode = prior_mode(4, noise);
        let mut grad = vec![1.0; 6];
        log_prior(&mode, true, &mut grad);
        // Terms of order 1 that cancel exactly at the mode: a few ulps.
        for g in grad {
            assert!(g.abs() < 1e-12, "{g}");
        }
        // The log-normal mode e^{μ_d − σ²} with μ_4 = √2 + ln 2 and σ² = 3
        // (≈ 0.41 = 0.2√4), to two roundings; it was `0.41 ± 1%`.
        let want = (std::f64::consts::SQRT_2 + std::f64::consts::LN_2 - 3.0).exp();
        assert_relative_eq!(mode.length_scales[0], want, max_relative = 1e-15);
    }

    #[test]
    fn fixed_noise_has_no_noise_prior() {
        let mut grad = vec![1.0; 5];
        let with = log_prior(&hp(), true, &mut grad.clone());
        let without = log_prior(&hp(), false, &mut grad);
        assert!(with != without);
        assert_eq!(grad[4], 0.0);
        assert_eq!(prior_mode(2, Noise::Fixed(0.25)).noise_variance, 0.25);
    }

    #[test]
    fn random_starts_are_reproducible_and_in_their_box() {
        let noise = Noise::default();
        let a = random_start(3, noise, &mut rng_from_seed(5));
        let b = random_start(3, noise, &mut rng_from_seed(5));
        assert_eq!(a, b);
        let m = prior_mode(3, noise).length_scales[0];
        let mut rng = rng_from_seed(6);
        // Each draw's position in its box on the log scale, in [0, 1].
        let at = |v: f64, lo: f64, hi: f64| (v / lo).ln() / (hi / lo).ln();
        let (mut lengths, mut signals, mut noises) = (vec![], vec![], vec![]);
        for _ in 0..100 {
            let s = random_start(3, noise, &mut rng);
            lengths.extend(s.length_scales.iter().map(|&l| at(l, m / 4.0, 10.0 * m)));
            signals.push(at(s.signal_variance, 0.2, 5.0));
            noises.push(at(s.noise_variance, 1e-5, 0.3));
            assert_eq!(s.check(3), Ok(()));
        }
        // Inside the box and log-uniform over it: the mean position of n
        // uniform draws has standard error 0.29/√n (0.029 for 100, 0.017 for
        // 300), so ±0.1 is over 3 of them; and both ends are reached
        // (P(no draw in the outer tenth) = 0.9^100 = 3e-5).
        for (what, u) in [
            ("length", &lengths),
            ("signal", &signals),
            ("noise", &noises),
        ] {
            // 1e-12: exp(ln v) may round an end a few ulps out.
            assert!(
                u.iter().all(|&t| (-1e-12..=1.0 + 1e-12).contains(&t)),
                "{what}: {u:?}"
            );
            let mean = u.iter().sum::<f64>() / u.len() as f64;
            assert!((mean - 0.5).abs() < 0.1, "{what}: mean position {mean}");
            let (lo, hi) = u
                .iter()
                .fold((1.0f64, 0.0f64), |(a, b), &t| (a.min(t), b.max(t)));
            assert!(lo < 0.1 && hi > 0.9, "{what}: positions span [{lo}, {hi}]");
        }
    }
}
