//! The data real studies produce: no points, one point, repeated inputs,
//! constant outputs, extreme output scales; and typed errors for bad input.

use approx::assert_relative_eq;
use autotune::error::{ConfigError, GpError};
use autotune::gp::{Gp, GpConfig, Hyperparameters, Kernel, Noise, Prediction};
use autotune::rng::rng_from_seed;
use nalgebra::DMatrix;

/// Probe points spread over the unit square, including corners.
fn probes() -> DMatrix<f64> {
    DMatrix::from_fn(9, 2, |i, j| {
        [0.0, 0.5, 1.0][if j == 0 { i % 3 } else { i / 3 }]
    })
}

/// Every prediction (single, with gradient, batched) is finite with variance >= 0.
fn assert_finite_everywhere(gp: &Gp) {
    let probes = probes();
    let batch = gp.predict_many(&probes).unwrap();
    assert_eq!(batch.len(), probes.nrows());
    for (i, row) in probes.row_iter().enumerate() {
        let x: Vec<f64> = row.iter().copied().collect();
        let single = gp.predict(&x).unwrap();
        let (with_gradient, dmean, dvar) = gp.predict_with_gradient(&x).unwrap();
        for p in [single, with_gradient, batch[i]] {
            assert!(
                p.mean.is_finite() && p.variance.is_finite() && p.variance >= 0.0,
                "{p:?} at {x:?}"
            );
        }
        assert!(dmean.iter().chain(&dvar).all(|g| g.is_finite()));
    }
}

fn fit(x: &DMatrix<f64>, y: &[f64], config: &GpConfig) -> Gp {
    Gp::fit(x, y, config, None, &mut rng_from_seed(3)).expect("fit")
}

#[test]
fn no_points_gives_the_prior() {
    let x = DMatrix::<f64>::zeros(0, 2);
    let gp = fit(&x, &[], &GpConfig::default());
    assert_eq!((gp.n_points(), gp.dim()), (0, 2));
    assert_eq!(gp.log_marginal_likelihood(), 0.0);
    let prior = Hyperparameters::prior_mode(2, Noise::default());
    assert_eq!(gp.hyperparameters(), &prior);
    let p = gp.predict(&[0.3, 0.3]).unwrap();
    assert_eq!(
        p,
        Prediction {
            mean: 0.0,
            variance: prior.signal_variance
        }
    );
    assert_finite_everywhere(&gp);
    // Conditioning an empty GP works too.
    let one = gp.condition_on(&[0.3, 0.3], 2.0).unwrap();
    assert!(one.predict(&[0.3, 0.3]).unwrap().variance < p.variance);
}

#[test]
fn one_point() {
    let x = DMatrix::from_row_slice(1, 2, &[0.4, 0.6]);
    let gp = fit(&x, &[7.5], &GpConfig::default());
    assert_finite_everywhere(&gp);
    // The mean at the point is the observation (outputs are centred on it).
    assert_relative_eq!(
        gp.predict(&[0.4, 0.6]).unwrap().mean,
        7.5,
        max_relative = 1e-12
    );
}

#[test]
fn constant_outputs() {
    let x = DMatrix::from_fn(8, 2, |i, j| (i as f64 + j as f64 * 0.37) / 8.0 % 1.0);
    let y = vec![-3.25; 8];
    let gp = fit(&x, &y, &GpConfig::default());
    assert_finite_everywhere(&gp);
    for p in gp.predict_many(&probes()).unwrap() {
        assert_relative_eq!(p.mean, -3.25, max_relative = 1e-12);
    }
}

#[test]
fn repeated_inputs_with_learned_noise() {
    // Five distinct inputs, each observed three times with different outputs.
    let x = DMatrix::from_fn(15, 2, |i, j| {
        ((i % 5) as f64 * 0.2 + 0.1) * (1.0 + j as f64) % 1.0
    });
    let y: Vec<f64> = (0..15)
        .map(|i| (i % 5) as f64 + 0.1 * (i / 5) as f64)
        .collect();
    for kernel in [Kernel::Matern52, Kernel::Matern32, Kernel::Rbf] {
        let gp = fit(&x, &y, &GpConfig::default().kernel(kernel));
        assert_finite_everywhere(&gp);
        assert!(gp.hyperparameters().noise_variance >= 1e-6);
    }
}

#[test]
fn repeated_inputs_without_noise_use_jitter() {
    let x = DMatrix::from_row_slice(4, 2, &[0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.9, 0.1]);
    let y = [1.0, 1.5, 0.5, 2.0];
    let hp = Hyperparameters {
        length_scales: vec![0.3, 0.3],
        signal_variance: 1.0,
        noise_variance: 0.0,
        mean: 0.0,
    };
    let gp = Gp::with_hyperparameters(&x, &y, Kernel::Matern52, hp).unwrap();
    assert!(gp.jitter() > 0.0);
    assert_finite_everywhere(&gp);
    let fitted = fit(&x, &y, &GpConfig::default().noise(Noise::Fixed(0.0)));
    assert_finite_everywhere(&fitted);
    // A fantasy repeating an observed input with zero noise falls back to a
    // jittered refactorisation rather than failing.
    let fantasy = fitted.condition_on(&[0.9, 0.1], 2.0).unwrap();
    assert_eq!(fantasy.n_points(), 5);
    assert_finite_everywhere(&fantasy);
}

#[test]
fn all_inputs_identical() {
    let x = DMatrix::from_element(6, 3, 0.5);
    let y = [1.0, 2.0, 3.0, 1.5, 2.5, 2.0];
    let gp = fit(&x, &y, &GpConfig::default());
    assert_finite_everywhere_3d(&gp);
}

fn assert_finite_everywhere_3d(gp: &Gp) {
    for x in [[0.5, 0.5, 0.5], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]] {
        let p = gp.predict(&x).unwrap();
        assert!(p.mean.is_finite() && p.variance.is_finite() && p.variance >= 0.0);
    }
}

#[test]
fn extreme_output_scales() {
    let x = DMatrix::from_fn(12, 2, |i, j| ((i * (j + 2)) % 12) as f64 / 11.0);
    for (offset, spread) in [(1e9, 1e-3), (0.0, 1e-9), (-1e6, 1e6)] {
        let y: Vec<f64> = (0..12)
            .map(|i| offset + spread * (i as f64 * 0.7).sin())
            .collect();
        let gp = fit(&x, &y, &GpConfig::default());
        assert_finite_everywhere(&gp);
        let p = gp.predict(&[0.5, 0.5]).unwrap();
        assert!(
            (p.mean - offset).abs() <= 3.0 * spread,
            "{p:?} for offset {offset}"
        );
    }
}

#[test]
fn fit_is_reproducible_by_seed() {
    let x = DMatrix::from_fn(20, 3, |i, j| ((i * 7 + j * 3) % 20) as f64 / 19.0);
    let y: Vec<f64> = (0..20)
        .map(|i| (x[(i, 0)] * 4.0).cos() + x[(i, 2)])
        .collect();
    let a = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(11)).unwrap();
    let b = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(11)).unwrap();
    assert_eq!(a.hyperparameters(), b.hyperparameters());
    // A warm start from the optimum stays at least as good.
    let warm = Gp::fit(
        &x,
        &y,
        &GpConfig::default().n_restarts(0),
        Some(a.hyperparameters()),
        &mut rng_from_seed(12),
    )
    .unwrap();
    assert!(warm.log_marginal_likelihood() >= a.log_marginal_likelihood() - 1e-6);
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = DMatrix::from_element(3, 2, 0.5);
    let config = GpConfig::default();
    let mut rng = rng_from_seed(0);
    assert!(matches!(
        Gp::fit(&x, &[1.0, 2.0], &config, None, &mut rng),
        Err(GpError::DimensionMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    assert!(matches!(
        Gp::fit(&x, &[1.0, f64::NAN, 2.0], &config, None, &mut rng),
        Err(GpError::NonFinite { what: "outputs" })
    ));
    let mut bad_x = x.clone();
    bad_x[(1, 1)] = f64::INFINITY;
    assert!(matches!(
        Gp::fit(&bad_x, &[1.0, 2.0, 3.0], &config, None, &mut rng),
        Err(GpError::NonFinite { what: "inputs" })
    ));
    assert!(matches!(
        Gp::fit(
            &x,
            &[1.0, 2.0, 3.0],
            &config.clone().max_iters(0),
            None,
            &mut rng
        ),
        Err(GpError::Config(ConfigError::Invalid {
            name: "max_iters",
            ..
        }))
    ));
    let wrong_dim = Hyperparameters::prior_mode(3, Noise::default());
    assert!(matches!(
        Gp::fit(&x, &[1.0, 2.0, 3.0], &config, Some(&wrong_dim), &mut rng),
        Err(GpError::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    let bad_hp = Hyperparameters {
        signal_variance: -1.0,
        ..Hyperparameters::prior_mode(2, Noise::default())
    };
    assert!(matches!(
        Gp::with_hyperparameters(&x, &[1.0, 2.0, 3.0], Kernel::Rbf, bad_hp),
        Err(GpError::InvalidHyperparameter {
            name: "signal_variance",
            ..
        })
    ));
    let gp = Gp::fit(&x, &[1.0, 2.0, 3.0], &config, None, &mut rng).unwrap();
    assert!(matches!(
        gp.condition_on(&[0.5], 1.0),
        Err(GpError::DimensionMismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        gp.condition_on(&[0.5, 0.5], f64::NAN),
        Err(GpError::NonFinite { .. })
    ));
}

/// Predicting at a NaN or infinite input, or one of the wrong length, is a
/// typed error from all three prediction paths (a NaN input used to give a
/// finite, meaningless prediction; a wrong length used to panic).
#[test]
fn bad_prediction_input_is_a_typed_error() {
    let x = DMatrix::from_fn(6, 2, |i, j| ((i * 5 + j * 3) % 7) as f64 / 7.0);
    let y: Vec<f64> = (0..6).map(|i| (i as f64).sin()).collect();
    let gp = fit(&x, &y, &GpConfig::default());
    let non_finite =
        |r: Result<(), GpError>| matches!(r, Err(GpError::NonFinite { what: "inputs" }));
    let wrong_length = |r: Result<(), GpError>, found: usize| matches!(r, Err(GpError::DimensionMismatch { what: "input dimension", expected: 2, found: f }) if f == found);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for point in [[bad, 0.5], [0.5, bad]] {
            assert!(non_finite(gp.predict(&point).map(drop)), "{point:?}");
            assert!(
                non_finite(gp.predict_with_gradient(&point).map(drop)),
                "{point:?}"
            );
            // One bad row among good ones rejects the whole batch.
            let mut batch = probes();
            batch[(4, 0)] = point[0];
            batch[(4, 1)] = point[1];
            assert!(non_finite(gp.predict_many(&batch).map(drop)), "{point:?}");
        }
    }
    for point in [&[0.5][..], &[0.5, 0.5, 0.5], &[]] {
        assert!(wrong_length(gp.predict(point).map(drop), point.len()));
        assert!(wrong_length(
            gp.predict_with_gradient(point).map(drop),
            point.len()
        ));
    }
    let three_columns = DMatrix::from_element(4, 3, 0.5);
    assert!(wrong_length(gp.predict_many(&three_columns).map(drop), 3));
    // An empty batch of the right width is fine.
    assert_eq!(gp.predict_many(&DMatrix::zeros(0, 2)).unwrap(), vec![]);
}

#[test]
fn fit_does_not_depend_on_threads() {
    // 120 points: above the size at which starts are screened in parallel.
    let x = DMatrix::from_fn(120, 3, |i, j| {
        ((i * (2 * j + 5) + 3 * j) % 120) as f64 / 119.0
    });
    let y: Vec<f64> = (0..120)
        .map(|i| (5.0 * x[(i, 0)]).sin() + x[(i, 1)] - x[(i, 2)].powi(2))
        .collect();
    let fit = |threads| {
        let config = GpConfig::default().n_restarts(3).threads(threads);
        Gp::fit(&x, &y, &config, None, &mut rng_from_seed(21)).unwrap()
    };
    let one = fit(1);
    for threads in [0, 2, 4] {
        assert_eq!(
            fit(threads).hyperparameters(),
            one.hyperparameters(),
            "threads = {threads}"
        );
    }
}

#[test]
fn gp_can_be_shared_across_threads() {
    // The sampler predicts from several threads at once.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Gp>();
    assert_send_sync::<GpConfig>();
    assert_send_sync::<Hyperparameters>();
}
