//! The acquisition maximiser: quality against a dense grid, exact discrete
//! search, bounds, deduplication and reproducibility.

use autotune::acquisition::{
    Acquisition, Maximizer, MaximizerConfig, NEAR_REPEAT_TOLERANCE, Posterior,
};
use autotune::rng::rng_from_seed;
use autotune::space::{Params, Scale, SearchSpace};
use nalgebra::{DMatrix, DVector};

/// A minimal noise-free GP with a squared-exponential kernel of length scale
/// `ell` and unit signal variance, written out here so the maximiser is tested
/// independently of the crate's GP.
struct TinyGp {
    x: Vec<[f64; 2]>,
    ell: f64,
    alpha: DVector<f64>,
    k_inv: DMatrix<f64>,
}

impl TinyGp {
    fn new(x: Vec<[f64; 2]>, y: &[f64], ell: f64) -> Self {
        let n = x.len();
        let k = DMatrix::from_fn(n, n, |i, j| {
            Self::kernel(&x[i], &x[j], ell) + if i == j { 1e-10 } else { 0.0 }
        });
        let chol = k
            .cholesky()
            .expect("distinct points give a positive-definite matrix");
        let alpha = chol.solve(&DVector::from_column_slice(y));
        let k_inv = chol.inverse();
        Self {
            x,
            ell,
            alpha,
            k_inv,
        }
    }

    fn kernel(a: &[f64; 2], b: &[f64; 2], ell: f64) -> f64 {
        let d2 = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
        (-0.5 * d2 / (ell * ell)).exp()
    }

    /// Mean, variance and their gradients at `p`.
    fn predict(&self, p: [f64; 2]) -> (f64, f64, [f64; 2], [f64; 2]) {
        let ks = DVector::from_iterator(
            self.x.len(),
            self.x.iter().map(|xi| Self::kernel(&p, xi, self.ell)),
        );
        let beta = &self.k_inv * &ks;
        let mean = ks.dot(&self.alpha);
        let var = (1.0 - ks.dot(&beta)).max(0.0);
        let mut dm = [0.0; 2];
        let mut dv = [0.0; 2];
        for (i, xi) in self.x.iter().enumerate() {
            for j in 0..2 {
                let dk = -ks[i] * (p[j] - xi[j]) / (self.ell * self.ell);
                dm[j] += self.alpha[i] * dk;
                dv[j] -= 2.0 * beta[i] * dk;
            }
        }
        (mean, var, dm, dv)
    }
}

fn unit_square() -> SearchSpace {
    SearchSpace::builder()
        .float("a", 0.0..=1.0, Scale::Linear)
        .float("b", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap()
}

fn fitted_gp() -> (TinyGp, f64) {
    // Eight points of a smooth function with several basins.
    let f = |p: [f64; 2]| (6.0 * p[0]).sin() * (4.0 * p[1]).cos() + 0.5 * p[0];
    let x = vec![
        [0.1, 0.2],
        [0.8, 0.9],
        [0.5, 0.5],
        [0.3, 0.7],
        [0.9, 0.1],
        [0.6, 0.3],
        [0.2, 0.95],
        [0.75, 0.6],
    ];
    let y: Vec<f64> = x.iter().map(|&p| f(p)).collect();
    let best = y.iter().copied().fold(f64::INFINITY, f64::min);
    (TinyGp::new(x, &y, 0.15), best)
}

fn ei_at(gp: &TinyGp, best: f64, p: [f64; 2]) -> f64 {
    let (m, v, _, _) = gp.predict(p);
    Acquisition::Ei.value(Posterior::from_variance(m, v), best)
}

#[test]
fn reaches_99_percent_of_the_dense_grid_maximum() {
    let (gp, best) = fitted_gp();
    // LogEI is what the sampler maximises; the comparison is in EI.
    let objective = |x: &[f64]| {
        let (m, v, dm, dv) = gp.predict([x[0], x[1]]);
        let p = Posterior::from_variance(m, v);
        let a = Acquisition::LogEi.evaluate(p, best);
        (a.value, a.chain(p.std, &dm, &dv))
    };
    let space = unit_square();
    let max = Maximizer::new(&space, MaximizerConfig::default())
        .unwrap()
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(3))
        .expect("nothing is forbidden");
    let steps = 400;
    let mut grid_max: f64 = 0.0;
    for i in 0..=steps {
        for j in 0..=steps {
            let p = [
                f64::from(i) / f64::from(steps),
                f64::from(j) / f64::from(steps),
            ];
            grid_max = grid_max.max(ei_at(&gp, best, p));
        }
    }
    let found = ei_at(&gp, best, [max.x[0], max.x[1]]);
    assert!(grid_max > 0.0);
    // The test's standard: within 1% of a 401 × 401 grid (spacing 0.0025),
    // so a search stuck in one of the other basins fails. Measured: 1.00002
    // times the grid's maximum (the local search refines past the grid).
    assert!(
        found >= 0.99 * grid_max,
        "maximiser EI {found} < 99% of the grid maximum {grid_max}"
    );
}

#[test]
fn integers_and_categories_are_searched_exactly() {
    let space = SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .int("n", 1..=500, Scale::Log)
        .categorical("c", ["a", "b", "c", "d"])
        .int("k", 0..=5, Scale::Linear)
        .build()
        .unwrap();
    // Encoded layout: x, n, c (4 one-hot), k.
    let n_code = |v: i64| {
        space
            .encode(
                &Params::new()
                    .with("x", 0.5)
                    .with("n", v)
                    .with("c", "a")
                    .with("k", 0_i64),
            )
            .unwrap()[1]
    };
    let target_n = n_code(137);
    let objective = |x: &[f64]| {
        let bonus = [0.0, 0.3, 0.1, 0.0];
        let c: f64 = x[2..6].iter().zip(bonus).map(|(h, b)| h * b).sum();
        let value = -(x[0] - 0.37).powi(2) - 10.0 * (x[1] - target_n).powi(2) + c
            - (x[6] - (3.5 / 6.0)).powi(2);
        let mut grad = vec![0.0; 7];
        grad[0] = -2.0 * (x[0] - 0.37);
        (value, grad)
    };
    let max = Maximizer::new(&space, MaximizerConfig::default())
        .unwrap()
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(11))
        .unwrap();
    assert_eq!(max.params.int("n").unwrap(), 137);
    assert_eq!(max.params.categorical("c").unwrap(), "b");
    // k = 3 encodes to (3 + 0.5)/6, where the last term peaks.
    assert_eq!(max.params.int("k").unwrap(), 3);
    // L-BFGS stops once |∂/∂w| = |x − 0.37| cos w ≤ grad_tol = 1e-6 (cos w =
    // 0.97 here); on this quadratic it ends far inside (measured 9e-10).
    approx::assert_abs_diff_eq!(max.params.float("x").unwrap(), 0.37, epsilon = 1e-6);
}

#[test]
fn boundary_maxima_are_reached_and_bounds_respected() {
    let space = unit_square();
    let objective = |x: &[f64]| (x[0] - x[1], vec![1.0, -1.0]);
    let max = Maximizer::new(&space, MaximizerConfig::default())
        .unwrap()
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(5))
        .unwrap();
    // The bounded reparametrisation x = (1 + sin w)/2 reaches the corner
    // (1, 0) to within L-BFGS's gradient tolerance: |∂/∂w| = cos(w)/2 =
    // √(x(1 − x)) ≤ 1e-6 leaves 1 − x ≤ 1e-12 per coordinate, so the value
    // is above 1 − 2e-12 (measured: exactly 1); 1e-9 (was 1e-6).
    assert!(max.x[0] <= 1.0 && max.x[1] >= 0.0);
    assert!(max.value > 1.0 - 1e-9, "value {}", max.value);
}

#[test]
fn never_returns_a_forbidden_configuration() {
    let space = SearchSpace::builder()
        .int("n", 1..=3, Scale::Linear)
        .categorical("c", ["a", "b"])
        .build()
        .unwrap();
    // Prefers large n and "b": the best configuration is (3, b).
    let objective = |x: &[f64]| (x[0] + x[2], vec![0.0; 3]);
    let all: Vec<Params> = (1..=3)
        .flat_map(|n| ["a", "b"].map(|c| Params::new().with("n", n as i64).with("c", c)))
        .collect();
    let m = Maximizer::new(&space, MaximizerConfig::default().n_candidates(64)).unwrap();
    let mut rng = rng_from_seed(1);
    let first = m.maximize(&objective, &[], &[], None, &mut rng).unwrap();
    assert_eq!(first.params, Params::new().with("n", 3_i64).with("c", "b"));
    // Forbid every configuration but (1, a): that one must come back.
    let forbidden: Vec<Params> = all[1..].to_vec();
    let only = m
        .maximize(&objective, &[], &forbidden, None, &mut rng)
        .unwrap();
    assert_eq!(only.params, all[0]);
    assert!(m.maximize(&objective, &[], &all, None, &mut rng).is_none());
}

#[test]
fn same_seed_gives_the_same_maximum() {
    let (gp, best) = fitted_gp();
    let objective = |x: &[f64]| {
        let (m, v, dm, dv) = gp.predict([x[0], x[1]]);
        let p = Posterior::from_variance(m, v);
        let a = Acquisition::LogEi.evaluate(p, best);
        (a.value, a.chain(p.std, &dm, &dv))
    };
    let space = unit_square();
    let m = Maximizer::new(&space, MaximizerConfig::default()).unwrap();
    let a = m
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(9))
        .unwrap();
    let b = m
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(9))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn invalid_settings_are_rejected() {
    use autotune::error::ConfigError;
    let space = unit_square();
    for config in [
        MaximizerConfig::default().n_candidates(0),
        MaximizerConfig::default().n_candidates(70_000),
        MaximizerConfig::default().n_local_searches(0),
        MaximizerConfig::default().grad_tol(0.0),
        MaximizerConfig::default().grad_tol(f64::NAN),
    ] {
        assert!(matches!(
            Maximizer::new(&space, config),
            Err(ConfigError::Invalid { .. })
        ));
    }
}

/// A linear objective whose maximum is the corner (1, 0) of the square.
fn corner_objective(x: &[f64]) -> (f64, Vec<f64>) {
    (x[0] - x[1], vec![1.0, -1.0])
}

#[test]
fn near_repeats_of_forbidden_points_are_never_returned() {
    let space = unit_square();
    let m = Maximizer::new(&space, MaximizerConfig::default()).unwrap();
    let corner = m
        .maximize(&corner_objective, &[], &[], None, &mut rng_from_seed(5))
        .unwrap();
    // The corner itself and a point one ulp inside it are evaluated.
    let one_ulp = Params::new()
        .with("a", 1.0 - f64::EPSILON / 2.0)
        .with("b", f64::from_bits(1));
    let forbidden = vec![corner.params.clone(), one_ulp];
    // Length scales 0.5: the tolerance is 5e-7 per coordinate.
    let ell = [0.5, 0.5];
    for seed in 0..5 {
        let next = m
            .maximize(
                &corner_objective,
                &[],
                &forbidden,
                Some(&ell),
                &mut rng_from_seed(seed),
            )
            .unwrap();
        let far = (next.x[0] - 1.0).abs().max(next.x[1].abs());
        assert!(
            far > NEAR_REPEAT_TOLERANCE * 0.5,
            "seed {seed}: {:?} is a near-repeat of the corner",
            next.x
        );
        // Not a random point: the best remaining candidate. 512 Sobol points
        // in the square leave none farther than about 1/√512 ≈ 0.044 per
        // coordinate from the corner, so the best is above 1 − 2·0.044 (a
        // uniform random point averages 0).
        assert!(next.value > 0.9, "seed {seed}: value {}", next.value);
    }
}

#[test]
fn trust_region_search_stays_in_its_box_and_keeps_discrete_values_valid() {
    use autotune::acquisition::TrustRegion;
    let space = SearchSpace::builder()
        .float("a", 0.0..=1.0, Scale::Linear)
        .float("b", 0.0..=1.0, Scale::Linear)
        .int("n", 1..=5, Scale::Linear)
        .categorical("c", ["x", "y", "z"])
        .build()
        .unwrap();
    // Prefers large a, b near 0.52, n = 5 and choice "z".
    let objective = |x: &[f64]| {
        let v = x[0] - (x[1] - 0.52).powi(2) + x[2] + x[5];
        (v, vec![1.0, -2.0 * (x[1] - 0.52), 1.0, 0.0, 0.0, 1.0])
    };
    let centre = space
        .encode(
            &Params::new()
                .with("a", 0.5)
                .with("b", 0.5)
                .with("n", 3_i64)
                .with("c", "x"),
        )
        .unwrap();
    let region = TrustRegion {
        centre: centre.clone(),
        radius: 0.1,
    };
    // Length scales 0.4 and 0.1 on a and b (geometric mean 0.2): the box is
    // a ∈ [0.3, 0.7], b ∈ [0.45, 0.55].
    let ell = [0.4, 0.1, 1.0, 1.0, 1.0, 1.0];
    let m = Maximizer::new(&space, MaximizerConfig::default()).unwrap();
    let max = m
        .maximize_in(
            &objective,
            &[centre],
            &[],
            Some(&ell),
            Some(&region),
            &mut rng_from_seed(3),
        )
        .unwrap();
    space.check(&max.params).unwrap();
    let (a, b) = (
        max.params.float("a").unwrap(),
        max.params.float("b").unwrap(),
    );
    // a is pushed to the box's face (its gradient is 1 everywhere), not to 1.
    assert!(
        (0.3..=0.7).contains(&a) && (0.45..=0.55).contains(&b),
        "{a}, {b}"
    );
    approx::assert_abs_diff_eq!(a, 0.7, epsilon = 1e-9);
    // b's optimum 0.52 is inside: reached to L-BFGS's tolerance (see above).
    approx::assert_abs_diff_eq!(b, 0.52, epsilon = 1e-6);
    // Discrete coordinates are not boxed and are searched exactly.
    assert_eq!(max.params.int("n").unwrap(), 5);
    assert_eq!(max.params.categorical("c").unwrap(), "z");
    // `in_region` sees the same box: the maximum is in it, the cube's
    // corner (a = b = 1) is not, whatever the discrete coordinates.
    assert!(m.in_region(&region, Some(&ell), &max.x));
    let mut corner = max.x.clone();
    corner[0] = 1.0;
    assert!(!m.in_region(&region, Some(&ell), &corner));
}
