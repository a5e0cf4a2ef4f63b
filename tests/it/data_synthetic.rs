//! Synthetic generators: seeded, shaped as documented, shaped by their formulas.

use approx::assert_abs_diff_eq;
use autotune::data::{Synthetic, Task};

fn all_generators() -> [Synthetic; 6] {
    [
        Synthetic::moons(0.1),
        Synthetic::circles(0.05),
        Synthetic::spirals(3, 0.05),
        Synthetic::xor(0.1),
        Synthetic::Blobs {
            centers: 4,
            n_features: 3,
            std: 1.0,
        },
        Synthetic::friedman1(1.0),
    ]
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    for g in all_generators() {
        let a = g.generate(200, 42).unwrap();
        assert_eq!(a, g.generate(200, 42).unwrap(), "{}", g.name());
        let b = g.generate(200, 43).unwrap();
        assert_ne!(a.features(), b.features(), "{}", g.name());
        assert_eq!(a.n_samples(), 200);
        assert_eq!(a.task(), g.task());
        assert_eq!(a.name(), g.name());
    }
}

#[test]
fn class_sizes_are_balanced() {
    let n = 301;
    let sizes = |g: Synthetic| g.generate(n, 1).unwrap().target().class_counts().unwrap();
    assert_eq!(sizes(Synthetic::moons(0.1)), [150, 151]);
    assert_eq!(sizes(Synthetic::circles(0.1)), [150, 151]);
    assert_eq!(sizes(Synthetic::spirals(4, 0.1)), [76, 75, 75, 75]);
    assert_eq!(sizes(Synthetic::blobs(3, 1.0)), [101, 100, 100]);
}

#[test]
fn noiseless_xor_labels_follow_the_quadrant() {
    let d = Synthetic::xor(0.0).generate(500, 3).unwrap();
    for (r, &l) in d.rows().zip(d.target().labels().unwrap()) {
        assert!(r.iter().all(|x| (-1.0..=1.0).contains(x)));
        assert_eq!(l, usize::from((r[0] > 0.0) != (r[1] > 0.0)));
    }
}

#[test]
fn noiseless_spirals_follow_their_formula() {
    // On arm j, a point at radius r has angle 2 pi (turns r + j / arms) mod 2 pi.
    let (arms, turns) = (3, 1.5);
    let d = Synthetic::Spirals {
        arms,
        turns,
        noise: 0.0,
    }
    .generate(90, 5)
    .unwrap();
    for (p, &j) in d.rows().zip(d.target().labels().unwrap()) {
        let r = p[0].hypot(p[1]);
        // r is recovered from r cos a and r sin a: a few ulps off, so the
        // bound and the angle 2π · 1.5 · r below carry ~1e-15 errors; 1e-12.
        assert!(r > 0.0 && r <= 1.0 + 1e-12);
        let a = std::f64::consts::TAU * (turns * r + j as f64 / arms as f64);
        assert_abs_diff_eq!(p[0], r * a.cos(), epsilon = 1e-12);
        assert_abs_diff_eq!(p[1], r * a.sin(), epsilon = 1e-12);
    }
}

#[test]
fn blobs_scatter_with_their_standard_deviation() {
    let std = 0.5;
    let d = Synthetic::Blobs {
        centers: 3,
        n_features: 2,
        std,
    }
    .generate(6000, 8)
    .unwrap();
    let labels = d.target().labels().unwrap();
    for c in 0..3 {
        let pts: Vec<&[f64]> = d
            .rows()
            .zip(labels)
            .filter(|(_, l)| **l == c)
            .map(|(r, _)| r)
            .collect();
        let n = pts.len() as f64;
        for j in 0..2 {
            let m = pts.iter().map(|p| p[j]).sum::<f64>() / n;
            let var = pts.iter().map(|p| (p[j] - m).powi(2)).sum::<f64>() / n;
            // 2000 draws: the sample sd's relative standard error is
            // 1/sqrt(2 * 2000) = 1.6%; 8% is five standard errors.
            assert!((var.sqrt() / std - 1.0).abs() < 0.08, "sd {}", var.sqrt());
            // The sample mean is within 0.1 (9 standard errors of 0.011) of
            // its centre, drawn in [-10, 10].
            assert!(m.abs() <= 10.0 + 0.1, "centre {m} outside [-10, 10]");
        }
    }
}

#[test]
fn friedman_noise_has_its_standard_deviation() {
    let clean = Synthetic::friedman1(0.0).generate(20_000, 4).unwrap();
    let noisy = Synthetic::friedman1(2.0).generate(20_000, 4).unwrap();
    // Same seed: the same x (drawn first, row by row) ...
    assert_eq!(noisy.task(), Task::Regression);
    assert_eq!(clean.features(), noisy.features());
    // ... and targets that differ by 2 N(0, 1).
    let res: Vec<f64> = clean
        .target()
        .values()
        .unwrap()
        .iter()
        .zip(noisy.target().values().unwrap())
        .map(|(a, b)| b - a)
        .collect();
    let n = res.len() as f64;
    let mean = res.iter().sum::<f64>() / n;
    let sd = (res.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    // Standard errors: mean 2/sqrt(n) = 0.014, sd 2/sqrt(2n) = 0.01; bounds
    // of about five standard errors.
    assert!(mean.abs() < 0.07, "noise mean {mean}");
    assert!((sd - 2.0).abs() < 0.05, "noise sd {sd}");
}
