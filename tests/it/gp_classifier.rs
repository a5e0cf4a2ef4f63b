//! The GP classifier (Laplace approximation) against scikit-learn's
//! `GaussianProcessClassifier`: the fixed-hyperparameter reference values of
//! `tests/fixtures/gen_gp_classifier_fixture.py` (see that script).

use approx::assert_relative_eq;
use autotune::gp::{Classifier, DMatrix, Kernel};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    signal_variance: f64,
    length_scales: Vec<f64>,
    x: Vec<Vec<f64>>,
    success: Vec<bool>,
    mode: Vec<f64>,
    lml: f64,
    x_test: Vec<Vec<f64>>,
    latent_mean: Vec<f64>,
    latent_variance: Vec<f64>,
    probability: Vec<f64>,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gp_classifier_sklearn.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fitted(f: &Fixture) -> Classifier {
    let x = DMatrix::from_fn(f.x.len(), 2, |i, j| f.x[i][j]);
    Classifier::fit(
        &x,
        &f.success,
        Kernel::Matern52,
        &f.length_scales,
        f.signal_variance,
    )
    .unwrap()
}

#[test]
fn laplace_mode_and_marginal_likelihood_match_scikit_learn() {
    let f = fixture();
    let c = fitted(&f);
    assert_eq!(c.n_points(), f.mode.len());
    for (i, (a, b)) in c.mode().iter().zip(&f.mode).enumerate() {
        // Both stop Newton's method once Ψ changes by < 1e-10; the modes
        // then agree to ~1e-6 (quadratic convergence, last step ~1e-5).
        assert!((a - b).abs() < 1e-5, "mode {i}: {a} vs {b}");
    }
    // The likelihood is stationary at the mode: agreement to second order.
    assert_relative_eq!(c.log_marginal_likelihood(), f.lml, max_relative = 1e-8);
}

#[test]
fn predictive_moments_and_probability_match_scikit_learn() {
    let f = fixture();
    let c = fitted(&f);
    for (i, x) in f.x_test.iter().enumerate() {
        let (m, v) = c.latent(x).unwrap();
        // Latent moments: linear in the mode (agreeing to ~1e-6 above).
        assert!(
            (m - f.latent_mean[i]).abs() < 1e-5,
            "mean {i}: {m} vs {}",
            f.latent_mean[i]
        );
        assert!(
            (v - f.latent_variance[i]).abs() < 1e-5,
            "variance {i}: {v} vs {}",
            f.latent_variance[i]
        );
        // The trapezoidal integral against scipy's quad of the same
        // moments: quadrature error < 1e-8, moments as above.
        let p = c.probability(x).unwrap();
        assert!(
            (p - f.probability[i]).abs() < 1e-5,
            "probability {i}: {p} vs {}",
            f.probability[i]
        );
    }
}
