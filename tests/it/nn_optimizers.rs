//! Optimiser updates against values worked out by hand from the papers.
//!
//! The parameters lie in `[0.25, 1)`, where one `f32` ulp is at most
//! `6e-8`; each update rounds a handful of times, so after three updates
//! the parameters may be a few ulps off the exact values: tolerance
//! **3e-7** absolute. The updates themselves are of order `1e-2`, so a
//! missing bias correction (a factor of up to 10 at t = 1), ε inside the
//! square root (0.0316 instead of 0.011 at t = 1), or decay on the wrong
//! parameters shows up thousands of times above it.

use approx::assert_abs_diff_eq;
use autotune::nn::Optimizer;

const THETA0: [f32; 3] = [0.5, -0.75, 0.25];
const GRADS: [[f32; 3]; 3] = [
    [0.02, -0.01, 0.005],
    [0.01, 0.03, -0.004],
    [-0.015, 0.02, 0.006],
];
const LR: f64 = 0.01;

/// Runs three updates and returns the parameters after each.
fn three_updates(opt: Optimizer, n_decayed: usize) -> [[f32; 3]; 3] {
    let mut state = opt.init_state(3);
    let mut theta = THETA0;
    let mut out = [[0.0; 3]; 3];
    for (t, g) in GRADS.iter().enumerate() {
        opt.update(&mut state, &mut theta, g, LR, n_decayed)
            .unwrap();
        out[t] = theta;
    }
    assert_eq!(state.updates(), 3);
    out
}

fn assert_steps(got: [[f32; 3]; 3], want: [[f64; 3]; 3]) {
    for t in 0..3 {
        for i in 0..3 {
            // A few ulps (≤ 6e-8 each) after three updates (module doc).
            assert_abs_diff_eq!(f64::from(got[t][i]), want[t][i], epsilon = 3e-7);
        }
    }
}

/// Kingma & Ba (2014), Algorithm 1, with β1 = 0.9, β2 = 0.999 and ε = 1e-3
/// (large, so that its place outside the square root matters).
///
/// t = 1: m = 0.1 g = (0.002, -0.001, 0.0005), v = 0.001 g² =
/// (4e-7, 1e-7, 2.5e-8); m̂ = m / 0.1 = g, v̂ = v / 0.001 = g², so
/// θ -= 0.01 g / (|g| + 0.001):
/// 0.5 - 0.01·0.02/0.021 = 0.4904761905,
/// -0.75 + 0.01·0.01/0.011 = -0.7409090909,
/// 0.25 - 0.01·0.005/0.006 = 0.2416666667.
///
/// t = 2: m = 0.9 m + 0.1 g = (0.0028, 0.0021, 0.00005),
/// v = 0.999 v + 0.001 g² = (4.996e-7, 9.999e-7, 4.0975e-8),
/// m̂ = m / 0.19, v̂ = v / 0.001999; e.g. the first parameter moves by
/// 0.01 · 0.0147368 / (0.0158091 + 0.001) = 0.0087672, to 0.4817089653.
///
/// t = 3: m = (0.00102, 0.00389, 0.000645),
/// v = (7.241004e-7, 1.3989001e-6, 7.6934025e-8),
/// m̂ = m / 0.271, v̂ = v / 0.002997001.
#[test]
fn adam_first_three_updates_match_the_paper() {
    let opt = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-3,
    };
    assert_steps(
        three_updates(opt, 0),
        [
            [0.4904761905, -0.7409090909, 0.2416666667],
            [0.4817089653, -0.7456394820, 0.2411905734],
            [0.4794338847, -0.7519895733, 0.2372673254],
        ],
    );
}

/// Loshchilov & Hutter (2019), Algorithm 2 (AdamW), with the scheduled
/// rate η = 0.01 multiplying both terms and λ = 0.5 on the first two
/// parameters only (the third plays a bias):
/// θ_t = θ_{t-1} - η (m̂ / (√v̂ + ε) + λ θ_{t-1}).
///
/// t = 1: the Adam step of the test above plus η λ θ0 = 0.0025 and 0.00375
/// on the first two: 0.4904761905 - 0.0025 = 0.4879761905,
/// -0.7409090909 + 0.00375 = -0.7371590909; the third as for Adam.
/// t = 2, 3: the same moments as Adam; the decay uses θ_{t-1}.
#[test]
fn adamw_first_three_updates_match_the_paper() {
    let opt = Optimizer::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-3,
        weight_decay: 0.5,
    };
    assert_steps(
        three_updates(opt, 2),
        [
            [0.4879761905, -0.7371590909, 0.2416666667],
            [0.4767690844, -0.7382036866, 0.2411905734],
            [0.4721101584, -0.7408627595, 0.2372673254],
        ],
    );
}

/// Hinton's RMSProp with ρ = 0.9, ε = 1e-3: s = 0.1 g² at t = 1, so
/// θ -= 0.01 g / (√0.1 |g| + 0.001); e.g. 0.5 - 0.01·0.02/(0.0063246 +
/// 0.001) = 0.4726946. No bias correction.
#[test]
fn rmsprop_first_update_matches_by_hand() {
    let opt = Optimizer::RmsProp {
        rho: 0.9,
        epsilon: 1e-3,
    };
    let mut state = opt.init_state(3);
    let mut theta = THETA0;
    opt.update(&mut state, &mut theta, &GRADS[0], LR, 0)
        .unwrap();
    let want = |th: f64, g: f64| th - 0.01 * g / ((0.1 * g * g).sqrt() + 1e-3);
    // One update: a few f32 roundings of values < 1 (module doc), 3e-7.
    for i in 0..3 {
        assert_abs_diff_eq!(
            f64::from(theta[i]),
            want(f64::from(THETA0[i]), f64::from(GRADS[0][i])),
            epsilon = 3e-7
        );
    }
    assert_abs_diff_eq!(f64::from(theta[0]), 0.4726946, epsilon = 3e-7);
}

/// Optimiser state lives apart from the parameters: two parameter vectors
/// stepped with two states stay independent, and a fresh state restarts
/// Adam's bias correction.
#[test]
fn state_is_separate_from_parameters() {
    let opt = Optimizer::adam();
    let (mut s1, mut s2) = (opt.init_state(3), opt.init_state(3));
    let (mut a, mut b) = (THETA0, THETA0);
    opt.update(&mut s1, &mut a, &GRADS[0], LR, 0).unwrap();
    opt.update(&mut s1, &mut a, &GRADS[1], LR, 0).unwrap();
    opt.update(&mut s2, &mut b, &GRADS[0], LR, 0).unwrap();
    assert_eq!(s1.updates(), 2);
    assert_eq!(s2.updates(), 1);
    // b had one step: the first Adam step, -η g / (|g| + 1e-8) = -0.01 (1 - 5e-7);
    // 1e-6 covers that 5e-9 and the f32 rounding of 0.49 (3e-8), while a
    // second step (to ≈ 0.48) or a missing bias correction fails it.
    assert_abs_diff_eq!(b[0], 0.49, epsilon = 1e-6);
    assert_ne!(a, b);
}
