//! The data real studies produce: no points, one point, repeated inputs,
//! constant outputs, extreme output scales; and typed errors for bad input.

use approx::assert_relative_eq;
use autotune::error::{ConfigError, GpError};
use autotune::gp::{Gp, GpConfig, Hyperparameters, Kernel, Noise, Prediction};
use autotune::rng::rng_from_seed;
use nalgebra::{DMatrix, DVector};

/// Probe points spread over the unit square, including corners.
fn probes() -> DMatrix<f64> {
    DMatrix::from_fn(9, 2, |i, j| {
        [0.0, 0.5, 1.0][if j == 0 { i % 3 } else { i / 3 }]
    })
}

/// The posterior at `p` computed apart from the library, with nalgebra's LU
/// solve of `K = σ²κ + (σ_n² + jitter) I` built from `gp`'s data `x, y`,
/// hyperparameters, standardisation and jitter: `(mean, latent variance)` in
/// original units, the variance *not* clamped at 0. Also returns the
/// condition number of `K`, which bounds the rounding of both computations.
fn reference(gp: &Gp, x: &DMatrix<f64>, y: &[f64], p: &[f64]) -> (f64, f64, f64) {
    let hp = gp.hyperparameters();
    let (ybar, s) = gp.output_standardisation();
    let cov = |a: &[f64], b: &[f64]| {
        let r2: f64 = (0..a.len())
            .map(|k| ((a[k] - b[k]) / hp.length_scales[k]).powi(2))
            .sum();
        hp.signal_variance * gp.kernel().value(r2)
    };
    let n = x.nrows();
    let row = |i: usize| x.row(i).iter().copied().collect::<Vec<f64>>();
    let k = DMatrix::from_fn(n, n, |i, j| {
        cov(&row(i), &row(j))
            + if i == j {
                hp.noise_variance + gp.jitter()
            } else {
                0.0
            }
    });
    let k_star = DVector::from_fn(n, |i, _| cov(&row(i), p));
    let resid = DVector::from_fn(n, |i, _| (y[i] - ybar) / s - hp.mean);
    let cond = if n == 0 {
        1.0
    } else {
        let sv = k.clone().singular_values();
        sv.max() / sv.min()
    };
    let lu = k.lu();
    let (alpha, w) = if n == 0 {
        (DVector::zeros(0), DVector::zeros(0))
    } else {
        (lu.solve(&resid).unwrap(), lu.solve(&k_star).unwrap())
    };
    let mean = ybar + s * (hp.mean + k_star.dot(&alpha));
    let variance = s * s * (hp.signal_variance - k_star.dot(&w));
    (mean, variance, cond)
}

/// Every prediction (single, with gradient, batched) of `gp`, fitted to
/// `x, y`, is finite and agrees with [`reference`] at `probes`; the
/// reference variance, unclamped, is non-negative up to rounding (so the
/// library's clamp at 0 only removes rounding, never a real error).
fn assert_matches_reference(gp: &Gp, x: &DMatrix<f64>, y: &[f64], probes: &DMatrix<f64>) {
    let batch = gp.predict_many(probes).unwrap();
    assert_eq!(batch.len(), probes.nrows());
    let (_, s) = gp.output_standardisation();
    let prior = s * s * gp.hyperparameters().signal_variance;
    for (i, row) in probes.row_iter().enumerate() {
        let p: Vec<f64> = row.iter().copied().collect();
        let (mean, variance, cond) = reference(gp, x, y, &p);
        let single = gp.predict(&p).unwrap();
        let (with_gradient, dmean, dvar) = gp.predict_with_gradient(&p).unwrap();
        assert!(dmean.iter().chain(&dvar).all(|g| g.is_finite()));
        // Both sides are backward-stable solves with K: forward errors of
        // about cond(K)·ε relative to the largest terms (the prior variance,
        // the output scale and offset); 16 covers the few dozen roundings
        // (measured: at most 3 of these units, at cond = 1).
        let tol_variance = 16.0 * (1.0 + cond) * f64::EPSILON * prior;
        let tol_mean = 16.0 * (1.0 + cond) * f64::EPSILON * (s + mean.abs());
        assert!(
            variance >= -tol_variance,
            "unclamped variance {variance:e} at {p:?} (cond {cond:.1e})"
        );
        for q in [single, with_gradient, batch[i]] {
            assert!(
                (q.variance - variance.max(0.0)).abs() <= tol_variance
                    && (q.mean - mean).abs() <= tol_mean,
                "{q:?} at {p:?}, reference mean {mean} and variance {variance:e} (cond {cond:.1e})"
            );
        }
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
    assert_matches_reference(&gp, &x, &[], &probes());
    // Conditioning an empty GP works too.
    let one = gp.condition_on(&[0.3, 0.3], 2.0).unwrap();
    assert!(one.predict(&[0.3, 0.3]).unwrap().variance < p.variance);
}

#[test]
fn one_point() {
    let x = DMatrix::from_row_slice(1, 2, &[0.4, 0.6]);
    let gp = fit(&x, &[7.5], &GpConfig::default());
    assert_matches_reference(&gp, &x, &[7.5], &probes());
    // The mean at the point is the observation (outputs are centred on it).
    // ȳ + s·(m + kα) with m = 0 and standardised output 0: exact up to an ulp.
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
    assert_matches_reference(&gp, &x, &y, &probes());
    for p in gp.predict_many(&probes()).unwrap() {
        // Standardised outputs are all 0, so the mean is ȳ up to rounding.
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
        assert_matches_reference(&gp, &x, &y, &probes());
        // The noise must explain the scatter of the repeats, which the latent
        // f cannot (the floor 1e-6 holds by construction, so asserting it
        // proved nothing): the repeats differ by 0.1 and 0.2, a pooled
        // within-input variance of 5 · 0.02 / (15 − 5) = 0.01, or 0.01 / s²
        // standardised. Measured 1.05-1.07 times that; a noise that collapsed
        // to the floor or swallowed the signal (≈ 1) is far outside [0.5, 2].
        let (_, s) = gp.output_standardisation();
        let ratio = gp.hyperparameters().noise_variance / (0.01 / (s * s));
        assert!(
            (0.5..2.0).contains(&ratio),
            "{kernel:?}: noise {ratio} x the pooled variance"
        );
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
    assert_matches_reference(&gp, &x, &y, &probes());
    let fitted = fit(&x, &y, &GpConfig::default().noise(Noise::Fixed(0.0)));
    assert_matches_reference(&fitted, &x, &y, &probes());
    // A fantasy repeating an observed input with zero noise falls back to a
    // jittered refactorisation rather than failing.
    let fantasy = fitted.condition_on(&[0.9, 0.1], 2.0).unwrap();
    assert_eq!(fantasy.n_points(), 5);
    let mut x5 = x.clone().insert_row(4, 0.0);
    (x5[(4, 0)], x5[(4, 1)]) = (0.9, 0.1);
    assert_matches_reference(&fantasy, &x5, &[1.0, 1.5, 0.5, 2.0, 2.0], &probes());
}

#[test]
fn all_inputs_identical() {
    let x = DMatrix::from_element(6, 3, 0.5);
    let y = [1.0, 2.0, 3.0, 1.5, 2.5, 2.0];
    let gp = fit(&x, &y, &GpConfig::default());
    let probes = DMatrix::from_row_slice(3, 3, &[0.5, 0.5, 0.5, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
    assert_matches_reference(&gp, &x, &y, &probes);
}

#[test]
fn extreme_output_scales() {
    let x = DMatrix::from_fn(12, 2, |i, j| ((i * (j + 2)) % 12) as f64 / 11.0);
    for (offset, spread) in [(1e9, 1e-3), (0.0, 1e-9), (-1e6, 1e6)] {
        let y: Vec<f64> = (0..12)
            .map(|i| offset + spread * (i as f64 * 0.7).sin())
            .collect();
        let gp = fit(&x, &y, &GpConfig::default());
        assert_matches_reference(&gp, &x, &y, &probes());
        let p = gp.predict(&[0.5, 0.5]).unwrap();
        // The outputs span offset ± spread: a mean more than 3 spreads away
        // lost the offset or the scale (measured: within 0.96 spread).
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
    // L-BFGS stops when the objective (likelihood + log prior) changes by
    // under 1e-10 per point; 1e-6 allows that step to trade a little
    // likelihood for prior, a worse optimum loses far more (measured: equal).
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
