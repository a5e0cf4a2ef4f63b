//! Analytic gradients against central finite differences: the log marginal
//! likelihood with respect to the log-hyperparameters, and the posterior mean
//! and variance with respect to the input.

use approx::assert_relative_eq;
use autotune::gp::{Gp, Hyperparameters, Kernel};
use nalgebra::DMatrix;

const KERNELS: [Kernel; 3] = [Kernel::Matern52, Kernel::Matern32, Kernel::Rbf];

/// 25 points in [0, 1]³ on a scrambled lattice, outputs with an offset.
fn data() -> (DMatrix<f64>, Vec<f64>) {
    let n = 25;
    let x = DMatrix::from_fn(n, 3, |i, j| ((i * (2 * j + 3) + 5 * j) % 17) as f64 / 16.0);
    let y = (0..n)
        .map(|i| 10.0 + (5.0 * x[(i, 0)]).sin() + x[(i, 1)] * x[(i, 2)] - 0.3 * x[(i, 2)])
        .collect();
    (x, y)
}

fn hyperparameters() -> Hyperparameters {
    Hyperparameters {
        length_scales: vec![0.3, 0.6, 1.1],
        signal_variance: 0.9,
        noise_variance: 0.02,
        mean: 0.15,
    }
}

/// Central differences with step h = 1e-5 in log space: truncation error
/// O(h²)·|f'''| ~ 1e-9 and rounding |f|·ε/h ~ 1e-10 for |f| ~ 30, so 1e-6
/// relative (with 1e-7 absolute for near-zero entries) cannot hide a wrong
/// term, which would be O(1).
#[test]
fn log_marginal_likelihood_gradient_matches_finite_differences() {
    let (x, y) = data();
    let h = 1e-5;
    for kernel in KERNELS {
        let base = hyperparameters();
        let gp = Gp::with_hyperparameters(&x, &y, kernel, base.clone()).unwrap();
        let grad = gp.log_marginal_likelihood_gradient().unwrap();
        let lml = |perturb: &dyn Fn(&mut Hyperparameters)| {
            let mut hp = base.clone();
            perturb(&mut hp);
            Gp::with_hyperparameters(&x, &y, kernel, hp)
                .unwrap()
                .log_marginal_likelihood()
        };
        let central = |perturb: &dyn Fn(&mut Hyperparameters, f64)| {
            (lml(&|hp| perturb(hp, h)) - lml(&|hp| perturb(hp, -h))) / (2.0 * h)
        };
        // Tolerances of the four checks below: see the doc comment.
        for k in 0..3 {
            let fd = central(&|hp, t| hp.length_scales[k] *= t.exp());
            assert_relative_eq!(
                grad.log_length_scales[k],
                fd,
                max_relative = 1e-6,
                epsilon = 1e-7
            );
        }
        let fd = central(&|hp, t| hp.signal_variance *= t.exp());
        assert_relative_eq!(
            grad.log_signal_variance,
            fd,
            max_relative = 1e-6,
            epsilon = 1e-7
        );
        let fd = central(&|hp, t| hp.noise_variance *= t.exp());
        assert_relative_eq!(
            grad.log_noise_variance,
            fd,
            max_relative = 1e-6,
            epsilon = 1e-7
        );
        let fd = central(&|hp, t| hp.mean += t);
        assert_relative_eq!(grad.mean, fd, max_relative = 1e-6, epsilon = 1e-7);
    }
}

/// Step 1e-6 in the input: the mean and variance are smooth away from the
/// training points (and C¹ at them), so central differences are accurate to
/// ~1e-9 against O(1) gradients in these units.
#[test]
fn prediction_gradients_match_finite_differences() {
    let (x, y) = data();
    let h = 1e-6;
    let points = [
        vec![0.2, 0.7, 0.4],
        vec![0.93, 0.05, 0.61],
        vec![0.5, 0.5, 0.5],
        // A training point: r = 0 for one kernel column.
        x.row(3).iter().copied().collect::<Vec<f64>>(),
    ];
    for kernel in KERNELS {
        let gp = Gp::with_hyperparameters(&x, &y, kernel, hyperparameters()).unwrap();
        for p in &points {
            let (prediction, dmean, dvar) = gp.predict_with_gradient(p).unwrap();
            assert_eq!(prediction, gp.predict(p).unwrap());
            for k in 0..3 {
                let mut plus = p.clone();
                plus[k] += h;
                let mut minus = p.clone();
                minus[k] -= h;
                let (a, b) = (gp.predict(&plus).unwrap(), gp.predict(&minus).unwrap());
                let fd_mean = (a.mean - b.mean) / (2.0 * h);
                let fd_var = (a.variance - b.variance) / (2.0 * h);
                // O(h²) truncation ~1e-12, rounding |f|·ε/h ~ 1e-9 for |f| ~ 10
                // (the mean carries the offset 10): 1e-6 relative, 1e-7 absolute.
                assert_relative_eq!(dmean[k], fd_mean, max_relative = 1e-6, epsilon = 1e-7);
                assert_relative_eq!(dvar[k], fd_var, max_relative = 1e-6, epsilon = 1e-7);
            }
        }
    }
}
