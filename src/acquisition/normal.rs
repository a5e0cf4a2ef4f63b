//! Standard-normal special functions with stable tails, for the acquisition
//! functions.
//!
//! Notation: `φ` is the standard normal density, `Φ` its distribution
//! function, `h(z) = z Φ(z) + φ(z) = E[max(0, X + z)]` for `X ~ N(0, 1)` (the
//! expected improvement of a unit-variance posterior at distance `z`), and
//! for `t ≥ 0` the Mills ratio `m(t) = Φ(-t) / φ(t)`.
//!
//! Far in the lower tail (`z ≪ 0`) both `Φ(z)` and `h(z)` underflow to zero
//! in floating point, although their logarithms are perfectly representable.
//! Everything here goes through
//!
//! ```text
//! K(t) = 1/m(t) − t            (t ≥ 0),
//! ```
//!
//! which is positive, behaves like `1/t` for large `t`, and has Laplace's
//! continued fraction `K(t) = 1/(t + 2/(t + 3/(t + 4/(t + …))))`. In terms of
//! `K`, with `t = −z`:
//!
//! ```text
//! log Φ(z) = log φ(t) − log(t + K)          d/dz log Φ(z) = t + K
//! log h(z) = log φ(t) + log K − log(t + K)  d/dz log h(z) = 1/K
//! ```
//!
//! since `Φ(z) = φ(t) m(t) = φ(t)/(t + K)` and
//! `h(z) = φ(t)(1 − t m(t)) = φ(t) K/(t + K)`. Neither form subtracts nearly
//! equal numbers, so `log h` stays accurate where `h` itself is `0.0` (this is
//! the "stable tail" of LogEI in Ament et al. 2023, "Unexpected Improvements
//! to Expected Improvement for Bayesian Optimization", NeurIPS, eq. 9, which
//! BoTorch's `log_ei` and Optuna's `standard_logei` compute with `erfcx`).

use libm::erfc;

/// `ln(2π) / 2`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// `1 / √(2π)`.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// `√(π/2)`.
const SQRT_PI_OVER_2: f64 = 1.253_314_137_315_500_3;

/// Below this `z`, `h` and `Φ` are computed through `K(−z)`.
const TAIL: f64 = -1.0;
/// From this `t` on, `K(t)` comes from its continued fraction, which has
/// converged to machine precision after [`CF_TERMS`] terms there (checked
/// against 50-digit mpmath: relative error < 1e-16 from `t = 4` with 40
/// terms); below it from `erfc`, whose cancellation error `~ ε t²` stays
/// below `1e-14` there.
const CF_FROM: f64 = 6.0;
/// Terms of the continued fraction (backward evaluation).
const CF_TERMS: usize = 40;

/// Standard normal density `φ(z) = exp(−z²/2)/√(2π)`.
#[must_use]
pub fn pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Standard normal distribution function `Φ(z) = erfc(−z/√2)/2`.
///
/// `erfc` is `libm`'s (FreeBSD msun, < 1 ulp); `statrs`' `erfc` errs by up
/// to ~1e-11 relative, which the cancellation in `K` would amplify.
#[must_use]
pub fn cdf(z: f64) -> f64 {
    0.5 * erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// `K(t) = 1/m(t) − t` for `t ≥ 0` (see the module docs).
///
/// For `t < CF_FROM` the Mills ratio comes from the scaled complementary
/// error function, `m(t) = √(π/2) · exp(t²/2) erfc(t/√2)` (no overflow:
/// `t²/2 < 18`); beyond, from the continued fraction.
#[must_use]
pub fn mills_k(t: f64) -> f64 {
    if t < CF_FROM {
        let x = t * std::f64::consts::FRAC_1_SQRT_2;
        let m = SQRT_PI_OVER_2 * (x * x).exp() * erfc(x);
        1.0 / m - t
    } else {
        let mut tail = 0.0;
        for n in (2..=CF_TERMS + 1).rev() {
            tail = n as f64 / (t + tail);
        }
        1.0 / (t + tail)
    }
}

/// `log Φ(z)` and its derivative `φ(z)/Φ(z)`, finite for every finite `z`.
#[must_use]
pub fn log_cdf(z: f64) -> (f64, f64) {
    if z >= TAIL {
        let c = cdf(z);
        // For z > 0, Φ(z) = 1 − Φ(−z): use ln_1p to keep the tiny deficit.
        let value = if z > 0.0 { (-cdf(-z)).ln_1p() } else { c.ln() };
        (value, pdf(z) / c)
    } else {
        let t = -z;
        let k = mills_k(t);
        (-0.5 * t * t - HALF_LN_2PI - (t + k).ln(), t + k)
    }
}

/// `h(z) = z Φ(z) + φ(z)` (may underflow to 0 for `z ≲ −38`).
#[must_use]
pub fn h(z: f64) -> f64 {
    if z >= TAIL {
        z * cdf(z) + pdf(z)
    } else {
        let t = -z;
        let k = mills_k(t);
        pdf(t) * k / (t + k)
    }
}

/// `log h(z)` and its derivative `Φ(z)/h(z)`, finite for every finite `z`.
#[must_use]
pub fn log_h(z: f64) -> (f64, f64) {
    if z >= TAIL {
        let c = cdf(z);
        let hz = z * c + pdf(z);
        (hz.ln(), c / hz)
    } else {
        let t = -z;
        let k = mills_k(t);
        (-0.5 * t * t - HALF_LN_2PI + k.ln() - (t + k).ln(), 1.0 / k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    /// The two ways of computing K agree where they meet: the continued
    /// fraction has converged and erfc has not lost accuracy yet.
    #[test]
    fn continued_fraction_matches_erfc_branch() {
        for &t in &[4.0, 6.0, 8.0, 10.0, 12.0] {
            let x = t * std::f64::consts::FRAC_1_SQRT_2;
            let m = SQRT_PI_OVER_2 * (x * x).exp() * erfc(x);
            let from_erfc = 1.0 / m - t;
            let mut tail = 0.0;
            for n in (2..=CF_TERMS + 1).rev() {
                tail = n as f64 / (t + tail);
            }
            let from_cf = 1.0 / (t + tail);
            // erfc's relative error ~1e-16 becomes ~ε t² ≈ 3e-14 in K at t = 12.
            assert_relative_eq!(from_erfc, from_cf, max_relative = 1e-12);
        }
    }

    /// Both branches agree at the switch point z = −1 (value and slope).
    #[test]
    fn branches_are_continuous_at_the_tail_switch() {
        let z = TAIL;
        let c = cdf(z);
        let hz = z * c + pdf(z);
        // Stepping 1e-15 across moves the values by ~1e-15 relative; each
        // branch carries ~1e-14 of rounding at z = −1: 1e-12.
        let (lv, lg) = log_h(z - 1e-15);
        assert_relative_eq!(lv, hz.ln(), max_relative = 1e-12);
        assert_relative_eq!(lg, c / hz, max_relative = 1e-12);
        let (pv, pg) = log_cdf(z - 1e-15);
        assert_relative_eq!(pv, c.ln(), max_relative = 1e-12);
        assert_relative_eq!(pg, pdf(z) / c, max_relative = 1e-12);
    }

    /// Asymptotics: h(z) ~ φ(z)/z² (1 − 3/z² + 15/z⁴) and
    /// Φ(z) ~ φ(z)/|z| (1 − 1/z² + 3/z⁴) as z → −∞.
    #[test]
    fn tails_follow_asymptotic_series() {
        for &z in &[-40.0_f64, -100.0, -1e4] {
            let t = -z;
            let lp = -0.5 * t * t - HALF_LN_2PI;
            let s = 1.0 / (t * t);
            let want_h =
                lp - 2.0 * t.ln() + (1.0 - 3.0 * s + 15.0 * s * s - 105.0 * s * s * s).ln();
            let want_c = lp - t.ln() + (1.0 - s + 3.0 * s * s - 15.0 * s * s * s).ln();
            // The first omitted terms are 945/z⁸ and 105/z⁸: < 2e-10 at z = −40,
            // so the logs agree to 1e-9 absolute; a wrong formula would be off
            // by O(1/z²) ≥ 6e-4.
            assert_abs_diff_eq!(log_h(z).0, want_h, epsilon = 1e-9);
            assert_abs_diff_eq!(log_cdf(z).0, want_c, epsilon = 1e-9);
        }
    }
}
