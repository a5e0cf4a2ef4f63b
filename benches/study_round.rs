//! The study layer's own cost, with a trivial objective and random sampling:
//! 16 trials (synchronous rounds of `workers` trials: ask the batch, evaluate
//! on the pool, record) on a fresh study, without a journal and with one
//! (each asked batch and each finished trial written and `fsync`ed). Building
//! the study (thread pool, journal file) is not timed.
//!
//! `cargo bench --bench study_round -- --warm-up-time 1 --measurement-time 3`

use autotune::space::{Scale, SearchSpace};
use autotune::study::{ObjectiveResult, Study, Trial};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("learning_rate", 1e-5..=1.0, Scale::Log)
        .int("batch_size", 8..=512, Scale::Log)
        .categorical("init", ["xavier", "he", "lecun"])
        .float("l2", 1e-7..=1e-1, Scale::Log)
        .build()
        .expect("a valid space")
}

fn objective(trial: &mut Trial) -> ObjectiveResult {
    let lr = trial.float("learning_rate")?;
    for step in 1..=10 {
        trial.report(step, lr / step as f64);
        if trial.should_prune() {
            break;
        }
    }
    Ok(lr)
}

const TRIALS: usize = 16;

fn round(c: &mut Criterion) {
    let mut group = c.benchmark_group("study_16_trials");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = 0usize;
    for workers in [1, 2] {
        group.bench_function(BenchmarkId::new("no_journal", workers), |b| {
            b.iter_batched(
                || {
                    Study::builder(space())
                        .workers(workers)
                        .build()
                        .expect("a study")
                },
                |mut study| study.optimize(objective, TRIALS).expect("trials"),
                BatchSize::PerIteration,
            );
        });
        group.bench_function(BenchmarkId::new("journal_fsync", workers), |b| {
            b.iter_batched(
                || {
                    files += 1;
                    Study::builder(space())
                        .workers(workers)
                        .journal(dir.path().join(format!("bench-{files}.jsonl")))
                        .build()
                        .expect("a study")
                },
                |mut study| study.optimize(objective, TRIALS).expect("trials"),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, round);
criterion_main!(benches);
