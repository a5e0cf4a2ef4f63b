//! Initialisers: the empirical moments of a 512x512 layer against each
//! formula.
//!
//! With n = 262,144 draws the sample variance has a relative standard error
//! of `sqrt(2/n) = 0.28%` for a normal and `sqrt(0.8/n) = 0.17%` for a
//! uniform distribution, so the required 3% is more than ten standard
//! errors: a correct initialiser never fails, while a wrong fan (e.g.
//! `fan_out` for `fan_in` on a non-square layer, or a uniform bound of
//! `sqrt(Var)` instead of `sqrt(3 Var)`) misses by far more than 3%. The
//! kurtosis (3 for a normal, 1.8 for a uniform, standard error
//! `sqrt(24/n) ≈ 0.01`) tells the two shapes apart.

use autotune::nn::{Init, Network, NetworkSpec, Targets};
use autotune::rng::rng_from_seed;

/// (mean, variance, kurtosis) of `w`, accumulated in f64.
fn moments(w: &[f32]) -> (f64, f64, f64) {
    let n = w.len() as f64;
    let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let m2 = w
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let m4 = w
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(4))
        .sum::<f64>()
        / n;
    (mean, m2, m4 / (m2 * m2))
}

fn formula(init: Init, fan_in: f64, fan_out: f64) -> f64 {
    match init {
        Init::XavierUniform | Init::XavierNormal => 2.0 / (fan_in + fan_out),
        Init::HeUniform | Init::HeNormal => 2.0 / fan_in,
        Init::LeCunNormal => 1.0 / fan_in,
    }
}

fn is_uniform(init: Init) -> bool {
    matches!(init, Init::XavierUniform | Init::HeUniform)
}

#[test]
fn every_initialiser_has_its_variance_on_a_512x512_layer() {
    for init in Init::ALL {
        let mut w = vec![0.0f32; 512 * 512];
        init.fill(&mut w, 512, 512, &mut rng_from_seed(42));
        let want = formula(init, 512.0, 512.0);
        assert_eq!(init.variance(512, 512), want, "{init}");
        let (mean, var, kurt) = moments(&w);
        // 3% is over ten standard errors of the sample variance (module doc).
        assert!(
            (var / want - 1.0).abs() < 0.03,
            "{init}: variance {var:.4e}, formula {want:.4e}"
        );
        // The mean's standard error is sqrt(Var/n) = Var^0.5 / 512; 5 of them.
        assert!(
            mean.abs() < 5.0 * want.sqrt() / 512.0,
            "{init}: mean {mean:.3e}"
        );
        let want_kurt = if is_uniform(init) { 1.8 } else { 3.0 };
        // 0.1 is ten standard errors (sqrt(24/n) ≈ 0.01) and a tenth of the
        // 1.2 gap between the two shapes.
        assert!((kurt - want_kurt).abs() < 0.1, "{init}: kurtosis {kurt:.3}");
    }
}

#[test]
fn networks_draw_each_layer_with_its_own_fans() {
    // A 512-256-10 network: the first layer has fan_in 512 and fan_out 256,
    // so a swapped fan changes He's variance by 2x and LeCun's by 2x.
    // 131,072 draws: standard error 0.39%, and 3% is still 7 of them.
    let labels: Vec<usize> = (0..10).collect();
    let y = Targets::classes(&labels, 10);
    for init in Init::ALL {
        let spec = NetworkSpec::default().hidden([256]).init(init);
        let net = Network::new(&spec, 512, &y, &mut rng_from_seed(7)).unwrap();
        let (_, var, _) = moments(net.weights(0));
        let want = formula(init, 512.0, 256.0);
        // 3% is 7 standard errors (above); a swapped fan is off by 2x.
        assert!(
            (var / want - 1.0).abs() < 0.03,
            "{init}: first layer variance {var:.4e}, formula {want:.4e}"
        );
        assert!(
            net.bias(0).iter().chain(net.bias(1)).all(|&b| b == 0.0),
            "{init}: biases start at zero"
        );
    }
}
