//! Hot paths of the GP sampler on Hartmann 6-D with 50 and 100 finished
//! trials (random designs): one whole suggestion (fit + maximisation), and
//! the acquisition maximisation alone.
//!
//! `cargo bench --bench bo_suggest`

use autotune::acquisition::{Acquisition, Maximand, Maximizer, MaximizerConfig, Posterior};
use autotune::benchmarks::Function;
use autotune::gp::{Gp, GpConfig};
use autotune::history::{Direction, History, TrialRecord};
use autotune::rng::rng_from_seed;
use autotune::sampler::{GpSampler, GpSamplerConfig, Sampler};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nalgebra::DMatrix;
use std::hint::black_box;

fn history(n: usize) -> History {
    let f = Function::Hartmann6;
    let space = f.space().unwrap();
    let mut rng = rng_from_seed(42);
    let mut h = History::new(Direction::Minimize);
    for number in 0..n {
        let params = space.sample(&mut rng);
        let value = f.value_at(&params).unwrap();
        h.push(TrialRecord::complete(number, params, value));
    }
    h
}

fn suggest(c: &mut Criterion) {
    let space = Function::Hartmann6.space().unwrap();
    let sampler = GpSampler::new(GpSamplerConfig::default().deterministic_objective()).unwrap();
    let mut group = c.benchmark_group("gp_sampler_suggest_hartmann6");
    group.sample_size(20);
    for n in [50, 100] {
        let h = history(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &h, |b, h| {
            b.iter(|| {
                let mut rng = rng_from_seed(7);
                black_box(sampler.suggest(&space, h, &[], &mut rng).unwrap())
            });
        });
    }
    group.finish();
}

/// LogEI of a fitted GP, as the sampler maximises it.
struct LogEi<'a> {
    gp: &'a Gp,
    best: f64,
}

impl Maximand for LogEi<'_> {
    fn value_and_gradient(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let (p, dm, dv) = self.gp.predict_with_gradient(x).unwrap();
        let post = Posterior::from_variance(p.mean, p.variance);
        let a = Acquisition::LogEi.evaluate(post, self.best);
        (a.value, a.chain(post.std, &dm, &dv))
    }

    fn values(&self, xs: &[Vec<f64>]) -> Vec<f64> {
        let m = DMatrix::from_fn(xs.len(), xs[0].len(), |i, j| xs[i][j]);
        self.gp
            .predict_many(&m)
            .unwrap()
            .into_iter()
            .map(|p| {
                Acquisition::LogEi.value(Posterior::from_variance(p.mean, p.variance), self.best)
            })
            .collect()
    }
}

fn maximise(c: &mut Criterion) {
    let space = Function::Hartmann6.space().unwrap();
    let mut group = c.benchmark_group("acquisition_maximise_hartmann6");
    group.sample_size(20);
    for n in [50, 100] {
        let h = history(n);
        let x = DMatrix::from_fn(n, 6, |i, j| space.encode(&h.trials()[i].params).unwrap()[j]);
        let y: Vec<f64> = h
            .trials()
            .iter()
            .map(|t| t.state.value().unwrap())
            .collect();
        let gp = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(1)).unwrap();
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        let objective = LogEi { gp: &gp, best };
        let maximizer = Maximizer::new(&space, MaximizerConfig::default()).unwrap();
        let scales = gp.hyperparameters().length_scales.clone();
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut rng = rng_from_seed(7);
                black_box(maximizer.maximize(&objective, &[], &[], Some(&scales), &mut rng))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, suggest, maximise);
criterion_main!(benches);
