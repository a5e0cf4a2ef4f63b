//! The classic continuous test functions, on plain coordinates in their
//! original boxes (formulas as in Surjanovic & Bingham's Virtual Library of
//! Simulation Experiments, <https://www.sfu.ca/~ssurjano/>).

use std::f64::consts::PI;

/// Branin–Hoo on `[−5, 10] × [0, 15]`:
/// `f(x) = a (x₂ − b x₁² + c x₁ − r)² + s (1 − t) cos x₁ + s` with `a = 1`,
/// `b = 5.1/(4π²)`, `c = 5/π`, `r = 6`, `s = 10`, `t = 1/(8π)`.
/// Minimum `5/(4π) ≈ 0.397887` at `(−π, 12.275)`, `(π, 2.275)` and
/// `(3π, 2.475)`.
#[must_use]
pub fn branin(x: [f64; 2]) -> f64 {
    let b = 5.1 / (4.0 * PI * PI);
    let c = 5.0 / PI;
    let t = 1.0 / (8.0 * PI);
    let u = x[1] - b * x[0] * x[0] + c * x[0] - 6.0;
    u * u + 10.0 * (1.0 - t) * x[0].cos() + 10.0
}

/// The exact minimum of [`branin`], `5/(4π)`.
pub const BRANIN_MINIMUM: f64 = 5.0 / (4.0 * PI);

const HARTMANN6_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
const HARTMANN6_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const HARTMANN6_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

/// Hartmann 6-D on `[0, 1]⁶`:
/// `f(x) = −Σᵢ αᵢ exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²)`.
/// Minimum ≈ −3.32236801141551 at [`HARTMANN6_ARGMIN`].
#[must_use]
pub fn hartmann6(x: [f64; 6]) -> f64 {
    -HARTMANN6_ALPHA
        .iter()
        .zip(HARTMANN6_A.iter().zip(&HARTMANN6_P))
        .map(|(alpha, (a, p))| {
            let r: f64 = (0..6).map(|j| a[j] * (x[j] - p[j]).powi(2)).sum();
            alpha * (-r).exp()
        })
        .sum::<f64>()
}

/// The minimum of [`hartmann6`], refined by Newton's method in 30-digit
/// arithmetic (mpmath) from the usual 6-digit argmin.
pub const HARTMANN6_MINIMUM: f64 = -3.322_368_011_415_514_8;
/// The minimiser of [`hartmann6`], to 17 digits (same computation).
pub const HARTMANN6_ARGMIN: [f64; 6] = [
    0.201_689_511_006_705_42,
    0.150_010_691_823_457_97,
    0.476_873_974_221_897,
    0.275_332_430_494_056_1,
    0.311_651_616_600_113_24,
    0.657_300_534_065_620_3,
];

/// Ackley in any dimension `d ≥ 1`, on `[−32.768, 32.768]^d`:
/// `f(x) = −20 exp(−0.2 √(Σ xᵢ²/d)) − exp(Σ cos(2π xᵢ)/d) + 20 + e`.
/// Minimum 0 at the origin. Returns NaN for `d = 0`.
#[must_use]
pub fn ackley(x: &[f64]) -> f64 {
    let d = x.len() as f64;
    let sq: f64 = x.iter().map(|v| v * v).sum();
    let cs: f64 = x.iter().map(|v| (2.0 * PI * v).cos()).sum();
    -20.0 * (-0.2 * (sq / d).sqrt()).exp() - (cs / d).exp() + 20.0 + std::f64::consts::E
}

/// Rosenbrock in any dimension `d ≥ 2`, on `[−5, 10]^d`:
/// `f(x) = Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`. Minimum 0 at `(1, …, 1)`.
#[must_use]
pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

/// The sphere in any dimension `d ≥ 1`, on `[−5.12, 5.12]^d`:
/// `f(x) = Σ xᵢ²`. Minimum 0 at the origin.
#[must_use]
pub fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// The axis-parallel hyper-ellipsoid (also "sum squares") in any dimension
/// `d ≥ 1`, on `[−5.12, 5.12]^d`: `f(x) = Σᵢ i xᵢ²` with `i = 1, …, d`
/// (curvatures 2 to `2d`: condition number `d`). Minimum 0 at the origin.
#[must_use]
pub fn ellipsoid(x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| (i + 1) as f64 * v * v)
        .sum()
}
/// Styblinski–Tang in any dimension `d ≥ 1`, on `[−5, 5]^d`:
/// `f(x) = ½ Σ (xᵢ⁴ − 16 xᵢ² + 5 xᵢ)`. Each coordinate has a global
/// minimiser at [`STYBLINSKI_TANG_ARGMIN`] (≈ −2.9035) and a local one at
/// ≈ 2.7468 about 14.14 higher, so a search stuck with one coordinate in the
/// wrong basin has a regret of ~14 (log10 ≈ 1.15).
#[must_use]
pub fn styblinski_tang(x: &[f64]) -> f64 {
    0.5 * x
        .iter()
        .map(|&v| v.powi(4) - 16.0 * v * v + 5.0 * v)
        .sum::<f64>()
}

/// The global minimiser of each coordinate of [`styblinski_tang`]: the
/// smallest root of `4x³ − 32x + 5 = 0`, by Newton's method in 30-digit
/// arithmetic (mpmath), rounded to the nearest `f64`.
pub const STYBLINSKI_TANG_ARGMIN: f64 = -2.903_534_027_771_177;
/// The minimum of [`styblinski_tang`] per coordinate (same computation;
/// ×d for `d` dimensions).
pub const STYBLINSKI_TANG_MINIMUM_PER_DIM: f64 = -39.166_165_703_771_41;

#[cfg(test)]
mod tests {
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    #[test]
    fn branin_at_its_three_minimisers() {
        for x in [[-PI, 12.275], [PI, 2.275], [3.0 * PI, 2.475]] {
            // The argmins are exact: the quadratic term vanishes and cos = −1;
            // what is left is rounding of terms up to ~10 (ulp 1.8e-15).
            assert_abs_diff_eq!(branin(x), BRANIN_MINIMUM, epsilon = 1e-13);
        }
        assert!(branin([0.0, 0.0]) > BRANIN_MINIMUM + 1.0);
    }

    #[test]
    fn hartmann6_at_its_minimiser_is_a_stationary_minimum() {
        // The reference minimum is printed to 17 digits: a few ulps apart.
        assert_relative_eq!(
            hartmann6(HARTMANN6_ARGMIN),
            HARTMANN6_MINIMUM,
            max_relative = 1e-15
        );
        // The usual 6-digit argmin is within 3e-11 of the minimum.
        let rough = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
        assert_abs_diff_eq!(hartmann6(rough), HARTMANN6_MINIMUM, epsilon = 3e-11);
        for j in 0..6 {
            for step in [-1e-4, 1e-4] {
                let mut x = HARTMANN6_ARGMIN;
                x[j] += step;
                assert!(hartmann6(x) > HARTMANN6_MINIMUM);
            }
        }
    }

    #[test]
    fn styblinski_tang_minimum_is_stationary() {
        let x = STYBLINSKI_TANG_ARGMIN;
        // 4x³ − 32x + 5 at the 17-digit root: terms of size ~100, a few ulps.
        assert_abs_diff_eq!(4.0 * x.powi(3) - 32.0 * x + 5.0, 0.0, epsilon = 1e-12);
        for d in [1, 3, 5] {
            // Terms of size ~40 per coordinate: a few ulps each.
            assert_relative_eq!(
                styblinski_tang(&vec![x; d]),
                STYBLINSKI_TANG_MINIMUM_PER_DIM * d as f64,
                max_relative = 1e-14
            );
        }
        // The other basin (x ≈ 2.7468) is a local minimum ~14.1 higher.
        // mpmath: the local root 2.746802770990837, 14.136719048487473 higher.
        let local = styblinski_tang(&[2.746_802_770_990_837]);
        assert_relative_eq!(
            local - STYBLINSKI_TANG_MINIMUM_PER_DIM,
            14.136_719_048_487_473,
            max_relative = 1e-13
        );
    }

    #[test]
    fn ackley_and_rosenbrock_minima() {
        for d in [1, 2, 5, 10] {
            // −20 e⁰ − e¹ + 20 + e: rounding of terms of size 20 (ulp 3.6e-15).
            assert_abs_diff_eq!(ackley(&vec![0.0; d]), 0.0, epsilon = 1e-14);
            assert!(ackley(&vec![0.5; d]) > 1.0);
        }
        for d in [2, 3, 6] {
            assert_eq!(rosenbrock(&vec![1.0; d]), 0.0);
            assert!(rosenbrock(&vec![0.0; d]) > 0.9);
        }
        // Classic reference values: f(0, 0) = 1 and f(−1.2, 1) = 24.2 (to a
        // few ulps: −1.2 is not exact in binary).
        assert_relative_eq!(rosenbrock(&[-1.2, 1.0]), 24.2, max_relative = 1e-14);
    }

    #[test]
    fn sphere_and_ellipsoid_values() {
        for d in [1, 2, 5] {
            assert_eq!(sphere(&vec![0.0; d]), 0.0);
            assert_eq!(ellipsoid(&vec![0.0; d]), 0.0);
        }
        // Hand values: 1 + 4 + 9 = 14; 1·1 + 2·4 + 3·9 = 36 (exact in binary).
        assert_eq!(sphere(&[1.0, -2.0, 3.0]), 14.0);
        assert_eq!(ellipsoid(&[1.0, -2.0, 3.0]), 36.0);
        // The ellipsoid weights coordinate i by i: a unit step on the last of
        // five costs 5, on the first 1.
        let mut x = [0.0; 5];
        x[4] = 1.0;
        assert_eq!(ellipsoid(&x), 5.0);
        assert_eq!(sphere(&x), 1.0);
    }
}
