//! Training throughput of `nn` on one thread, and the share of a measured
//! single-thread `sgemm` peak that training reaches.
//!
//! - `nn_train/64-128-10_batch32`: the network scikit-learn's comparison
//!   (`benches/sklearn_mlp.py`) trains: 1797 digits, Adam, batch 32.
//! - `nn_train/64-256-256-10_batch256`: a wider network at batch 256.
//! - `sgemm/256x256x256`: the peak, `C = A B` with 256x256 `f32` matrices.
//!
//! Each training iteration is a whole run of `EPOCHS` epochs over all 1797
//! rows (no validation set), network initialisation included, so the
//! throughput is what a study sees. Criterion reports samples/s for the
//! training benches and FLOP/s ("elem/s") for `sgemm`. After the runs a
//! summary reads criterion's medians back and prints samples/s, the
//! matrix-multiply GFLOP/s of training (counted below) and its share of the
//! peak.
//!
//! Run: `cargo bench --bench nn_train` (quick: append
//! `-- --warm-up-time 1 --measurement-time 3`).

use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;

use autotune::nn::{BatchSize, Control, MatRef, Optimizer, Targets, TrainConfig, TrainData, train};
use criterion::{Criterion, Throughput};

const EPOCHS: usize = 5;
/// Rows in the digits data.
const N_DIGITS: usize = 1797;

/// The 1797 digits, standardised, and their labels.
fn digits() -> (Vec<f32>, Vec<usize>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("data/digits.csv.gz"))
        .read_to_string(&mut text)
        .expect("valid gzip");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.is_empty()) {
        let v: Vec<f32> = line
            .split(',')
            .map(|s| s.trim().parse().expect("a number"))
            .collect();
        x.extend_from_slice(&v[..64]);
        y.push(v[64] as usize);
    }
    let n = y.len();
    for j in 0..64 {
        let mean = (0..n).map(|i| x[i * 64 + j]).sum::<f32>() / n as f32;
        let var = (0..n).map(|i| (x[i * 64 + j] - mean).powi(2)).sum::<f32>() / n as f32;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        (0..n).for_each(|i| x[i * 64 + j] = (x[i * 64 + j] - mean) / sd);
    }
    (x, y)
}

/// Matrix-multiply FLOPs per training sample: forward `2 Σ n_in n_out`,
/// weight gradients the same again, and input gradients `2 Σ n_in n_out`
/// over every layer but the first (the data needs no gradient).
fn flops_per_sample(sizes: &[usize]) -> f64 {
    let products: Vec<f64> = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
    let all: f64 = products.iter().sum();
    4.0 * all + 2.0 * (all - products[0])
}

struct Case {
    name: &'static str,
    hidden: &'static [usize],
    batch: usize,
}

const CASES: [Case; 2] = [
    Case {
        name: "64-128-10_batch32",
        hidden: &[128],
        batch: 32,
    },
    Case {
        name: "64-256-256-10_batch256",
        hidden: &[256, 256],
        batch: 256,
    },
];

fn bench_training(c: &mut Criterion) {
    let (x, y) = digits();
    let n = y.len();
    let data = TrainData::new(
        MatRef::new(&x, n, 64).expect("1797x64"),
        Targets::classes(&y, 10),
    );
    let mut group = c.benchmark_group("nn_train");
    group.sample_size(20);
    group.throughput(Throughput::Elements((n * EPOCHS) as u64));
    for case in &CASES {
        let config = TrainConfig::default()
            .hidden(case.hidden)
            .optimizer(Optimizer::adam())
            .batch_size(BatchSize::Fixed(case.batch))
            .epochs(EPOCHS)
            .seed(1);
        group.bench_function(case.name, |b| {
            b.iter(|| {
                black_box(train(&config, &data, |_| Control::Continue).expect("valid setup"))
            });
        });
    }
    group.finish();
}

fn bench_sgemm(c: &mut Criterion) {
    const N: usize = 256;
    let a: Vec<f32> = (0..N * N).map(|i| (i % 13) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..N * N).map(|i| (i % 7) as f32 * 0.1).collect();
    let mut out = vec![0.0f32; N * N];
    let mut group = c.benchmark_group("sgemm");
    group.throughput(Throughput::Elements((2 * N * N * N) as u64));
    group.bench_function("256x256x256", |bch| {
        bch.iter(|| {
            // SAFETY: all three matrices are N x N, contiguous, row-major,
            // and `out` is exclusively borrowed.
            unsafe {
                matrixmultiply::sgemm(
                    N,
                    N,
                    N,
                    1.0,
                    a.as_ptr(),
                    N as isize,
                    1,
                    b.as_ptr(),
                    N as isize,
                    1,
                    0.0,
                    out.as_mut_ptr(),
                    N as isize,
                    1,
                );
            }
            black_box(&out);
        });
    });
    group.finish();
}

/// Criterion's median time (ns) of a bench, read from its estimates file.
fn median_ns(group: &str, bench: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")));
    let path = target
        .join("criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn summary() {
    let peak = median_ns("sgemm", "256x256x256").map(|ns| 2.0 * 256f64.powi(3) / ns);
    println!(
        "\nnn_train summary (criterion medians, one thread, {EPOCHS} epochs of {N_DIGITS} digits):"
    );
    println!("| network | batch | samples/s | matmul GFLOP/s | share of sgemm peak |");
    println!("|---|---|---|---|---|");
    for case in &CASES {
        let Some(ns) = median_ns("nn_train", case.name) else {
            continue;
        };
        let samples = (N_DIGITS * EPOCHS) as f64 / (ns * 1e-9);
        let mut sizes = vec![64];
        sizes.extend_from_slice(case.hidden);
        sizes.push(10);
        let gflops = samples * flops_per_sample(&sizes) * 1e-9;
        let share = peak.map_or("-".to_owned(), |p| format!("{:.0}%", 100.0 * gflops / p));
        let net = sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("-");
        println!(
            "| {net} | {} | {samples:.0} | {gflops:.1} | {share} |",
            case.batch
        );
    }
    if let Some(p) = peak {
        println!("sgemm 256x256x256 peak: {p:.1} GFLOP/s");
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_sgemm(&mut c);
    bench_training(&mut c);
    c.final_summary();
    summary();
}
