//! GP hot paths: hyperparameter fitting (with its restarts; default
//! configuration, cold and warm-started, and with one thread) and batched
//! posterior prediction of 2,048 points, at n in {50, 200, 500} points and
//! d in {2, 6, 10}; single-point prediction with gradients at d = 6; one
//! more observation with the same hyperparameters at d = 6, n in {200, 500,
//! 1000}: the `O(n²)` extension of the factor against a fresh `O(n³)` build
//! (measured, `cargo bench --bench gp -- gp_add_one_point --warm-up-time 1
//! --measurement-time 2`, shared machine: 0.08 / 1.1 / 4.1 ms extended
//! against 0.78 / 5.9 / 41 ms fresh).
//!
//! `cargo bench --bench gp` (add `-- --warm-up-time 1 --measurement-time 3`
//! for a quick run). Data: inputs uniform in the unit cube, outputs a smooth
//! function of the first few coordinates plus 5% noise, fixed seed.

use std::hint::black_box;

use autotune::gp::{Gp, GpConfig};
use autotune::rng::{StudyRng, rng_from_seed, standard_normal, unit_f64};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nalgebra::DMatrix;

const SIZES: [usize; 3] = [50, 200, 500];
const DIMS: [usize; 3] = [2, 6, 10];
/// Test points per batched prediction.
const BATCH: usize = 2048;

fn uniform(rows: usize, d: usize, rng: &mut StudyRng) -> DMatrix<f64> {
    DMatrix::from_fn(rows, d, |_, _| unit_f64(rng))
}

fn data(n: usize, d: usize) -> (DMatrix<f64>, Vec<f64>) {
    let mut rng = rng_from_seed(42);
    let x = uniform(n, d, &mut rng);
    let y = (0..n)
        .map(|i| {
            let r = x.row(i);
            let noise = standard_normal(&mut rng);
            (6.0 * r[0]).sin() + (r[1] - 0.4).powi(2) * 3.0 + 0.5 * r[d - 1] + 0.05 * noise
        })
        .collect();
    (x, y)
}

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("gp_fit");
    group.sample_size(10);
    let config = GpConfig::default();
    for n in SIZES {
        for d in DIMS {
            let (x, y) = data(n, d);
            group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &n, |b, _| {
                b.iter(|| {
                    let gp = Gp::fit(&x, &y, &config, None, &mut rng_from_seed(7)).unwrap();
                    black_box(gp)
                });
            });
        }
    }
    group.finish();
}

fn fit_one_thread(c: &mut Criterion) {
    // As `fit`, screening the starts on the calling thread only.
    let mut group = c.benchmark_group("gp_fit_1thread");
    group.sample_size(10);
    let config = GpConfig::default().threads(1);
    for n in SIZES {
        let d = 6;
        let (x, y) = data(n, d);
        group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &n, |b, _| {
            b.iter(|| {
                let gp = Gp::fit(&x, &y, &config, None, &mut rng_from_seed(7)).unwrap();
                black_box(gp)
            });
        });
    }
    group.finish();
}

fn fit_warm(c: &mut Criterion) {
    // The sampler's usual case: refit after one more trial, warm-started from
    // the previous hyperparameters.
    let mut group = c.benchmark_group("gp_fit_warm");
    group.sample_size(10);
    let config = GpConfig::default();
    for n in SIZES {
        for d in DIMS {
            let (x, y) = data(n, d);
            let previous = Gp::fit(
                &x.rows(0, n - 1).into_owned(),
                &y[..n - 1],
                &config,
                None,
                &mut rng_from_seed(7),
            )
            .unwrap();
            let warm = previous.hyperparameters().clone();
            group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &n, |b, _| {
                b.iter(|| {
                    let gp = Gp::fit(&x, &y, &config, Some(&warm), &mut rng_from_seed(7)).unwrap();
                    black_box(gp)
                });
            });
        }
    }
    group.finish();
}

fn predict(c: &mut Criterion) {
    let mut group = c.benchmark_group("gp_predict_2048");
    for n in SIZES {
        for d in DIMS {
            let (x, y) = data(n, d);
            let gp = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(7)).unwrap();
            let probes = uniform(BATCH, d, &mut rng_from_seed(9));
            group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &n, |b, _| {
                b.iter(|| black_box(gp.predict_many(&probes).unwrap()));
            });
        }
    }
    group.finish();
}

fn predict_one(c: &mut Criterion) {
    let mut group = c.benchmark_group("gp_predict_with_gradient");
    for n in SIZES {
        let d = 6;
        let (x, y) = data(n, d);
        let gp = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(7)).unwrap();
        let probe = vec![0.3; d];
        group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &n, |b, _| {
            b.iter(|| black_box(gp.predict_with_gradient(&probe).unwrap()));
        });
    }
    group.finish();
}

fn extend_one(c: &mut Criterion) {
    let mut group = c.benchmark_group("gp_add_one_point");
    group.sample_size(10);
    for n in [200, 500, 1000] {
        let d = 6;
        let (x, y) = data(n + 1, d);
        let config = GpConfig::default().n_restarts(0).max_iters(5);
        let gp = Gp::fit(
            &x.rows(0, n).into_owned(),
            &y[..n],
            &config,
            None,
            &mut rng_from_seed(7),
        )
        .unwrap();
        let new_x = x.rows(n, 1).into_owned();
        group.bench_with_input(BenchmarkId::new("extended", n), &n, |b, _| {
            b.iter(|| black_box(gp.extended(&new_x, &y).unwrap()));
        });
        let hp = gp.hyperparameters().clone();
        group.bench_with_input(BenchmarkId::new("fresh", n), &n, |b, _| {
            b.iter(|| {
                black_box(Gp::with_hyperparameters(&x, &y, gp.kernel(), hp.clone()).unwrap())
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    fit,
    fit_one_thread,
    fit_warm,
    predict,
    predict_one,
    extend_one
);
criterion_main!(benches);
