//! The GP against scikit-learn's `GaussianProcessRegressor`, from the stored
//! values of `tests/fixtures/gen_gp_fixtures.py` (see that script for the
//! conventions: sklearn's zero-mean GP on the original outputs is the same
//! model as autotune's standardised one with `mean = −ȳ/s`).

use std::collections::BTreeMap;

use approx::assert_relative_eq;
use autotune::gp::{Gp, GpConfig, Hyperparameters, Kernel, Noise, Priors};
use autotune::rng::rng_from_seed;
use nalgebra::DMatrix;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    x_train: Vec<Vec<f64>>,
    y_train: Vec<f64>,
    x_test: Vec<Vec<f64>>,
    y_mean: f64,
    y_std: f64,
    kernels: BTreeMap<String, KernelReference>,
}

#[derive(Deserialize)]
struct KernelReference {
    fixed: FixedReference,
    fitted: FittedReference,
}

#[derive(Deserialize)]
struct FixedReference {
    standardised: Hyperparameters,
    mean: Vec<f64>,
    variance: Vec<f64>,
    lml: f64,
}

#[derive(Deserialize)]
struct FittedReference {
    lml_original: f64,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gp_sklearn.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn matrix(rows: &[Vec<f64>]) -> DMatrix<f64> {
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn kernel(name: &str) -> Kernel {
    match name {
        "matern52" => Kernel::Matern52,
        "matern32" => Kernel::Matern32,
        "rbf" => Kernel::Rbf,
        other => panic!("unknown kernel {other}"),
    }
}

#[test]
fn fixture_has_all_three_kernels() {
    let names: Vec<String> = fixture().kernels.into_keys().collect();
    assert_eq!(names, ["matern32", "matern52", "rbf"]);
}

/// Posterior mean, latent variance and log marginal likelihood with fixed
/// hyperparameters equal sklearn's to 1e-10 relative. Both sides are direct
/// Cholesky computations on a matrix with condition number ~1e4, so they
/// agree to about cond·ε = 2e-12, and a variance a hundredth of the prior
/// loses two more digits to the cancellation in σ² − vᵀv: 1e-10 (measured:
/// lml 7e-16, means 6e-15, variances 2.9e-13). The issue asked for 1e-8;
/// any convention error (a wrong mean, a missing s² or n·ln s) is O(1).
#[test]
fn fixed_hyperparameters_match_sklearn() {
    let f = fixture();
    let x = matrix(&f.x_train);
    let x_test = matrix(&f.x_test);
    for (name, reference) in &f.kernels {
        let r = &reference.fixed;
        let gp = Gp::with_hyperparameters(&x, &f.y_train, kernel(name), r.standardised.clone())
            .expect("posterior");
        assert_eq!(gp.jitter(), 0.0, "{name}: no jitter expected");
        let (ybar, s) = gp.output_standardisation();
        // numpy's mean and std of 30 values against ours: a few ulps (measured 3e-16).
        assert_relative_eq!(ybar, f.y_mean, max_relative = 1e-14);
        assert_relative_eq!(s, f.y_std, max_relative = 1e-14);

        assert_relative_eq!(gp.log_marginal_likelihood(), r.lml, max_relative = 1e-10);
        let batch = gp.predict_many(&x_test).unwrap();
        for (i, row) in f.x_test.iter().enumerate() {
            let p = gp.predict(row).unwrap();
            assert_relative_eq!(p.mean, r.mean[i], max_relative = 1e-10);
            assert_relative_eq!(p.variance, r.variance[i], max_relative = 1e-10);
            assert_relative_eq!(batch[i].mean, r.mean[i], max_relative = 1e-10);
            assert_relative_eq!(batch[i].variance, r.variance[i], max_relative = 1e-10);
            let (pg, _, _) = gp.predict_with_gradient(row).unwrap();
            assert_relative_eq!(pg.mean, r.mean[i], max_relative = 1e-10);
            assert_relative_eq!(pg.variance, r.variance[i], max_relative = 1e-10);
        }
    }
}

/// Maximum likelihood (no priors, noise floor = sklearn's lower bound 1e-5)
/// reaches at least sklearn's optimum found with 10 restarts, minus 1e-3.
/// autotune also learns a constant mean, which sklearn (zero mean after
/// normalisation) does not: its optimum can only be higher.
#[test]
fn fitted_likelihood_reaches_sklearn_optimum() {
    let f = fixture();
    let x = matrix(&f.x_train);
    for (name, reference) in &f.kernels {
        let config = GpConfig::default()
            .kernel(kernel(name))
            .priors(Priors::Flat)
            .noise(Noise::Learned { floor: 1e-5 })
            .n_restarts(5);
        let gp = Gp::fit(&x, &f.y_train, &config, None, &mut rng_from_seed(1)).expect("fit");
        let ours = gp.log_marginal_likelihood();
        let theirs = reference.fitted.lml_original;
        // Both optimisers stop near, not at, an optimum (ours at a gradient of
        // ~1e-4 per point, which leaves the lml short by ~½ g²/curvature, far
        // below 1e-3); measured: ours is higher by 8.6e-4 (Matérn 3/2) to
        // 9.4e-2 (RBF), as it also fits the mean.
        assert!(
            ours >= theirs - 1e-3,
            "{name}: fitted log marginal likelihood {ours} < sklearn's {theirs} - 1e-3"
        );
        // And the fit stopped at a stationary point: the gradient in the
        // optimiser's coordinates (ln ℓ, ln σ², ln(σ_n² − floor), mean), per
        // point, is of the order of the default tolerance 1e-4 (L-BFGS may
        // also stop on a cost change below 1e-10); 1e-3 leaves room for that
        // while a fit stopped early (gradients ~1e-1 after the screening
        // iterations) fails. Measured: 3e-5 to 9.8e-5.
        let g = gp.log_marginal_likelihood_gradient().unwrap();
        let hp = gp.hyperparameters();
        let noise = g.log_noise_variance * (hp.noise_variance - 1e-5) / hp.noise_variance;
        let norm = g
            .log_length_scales
            .iter()
            .chain([&g.log_signal_variance, &noise, &g.mean])
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt();
        assert!(
            norm / 30.0 < 1e-3,
            "{name}: gradient norm per point {}",
            norm / 30.0
        );
    }
}
