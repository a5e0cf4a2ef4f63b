//! The crate's trainer against PyTorch on the same rows and configurations.
//!
//! For each seed, `../shared/anchors/write_split.py` writes the end-to-end
//! anchor's split of digits; `benches/anchors/torch_train.py` trains fixed
//! configurations with the anchor's own PyTorch loop (64-128-10 ReLU, Adam,
//! 20 epochs, L2 as `l2 · Σw²` on the weights), and this program trains the
//! same configurations with `autotune::nn::train`, on features standardised
//! with the training rows' mean and deviation on both sides. Configurations:
//! a base (lr 3e-3, batch 32, He normal, L2 1e-4) and one change at a time.
//!
//! autotune's L2 penalty is `(λ/2) Σw²` (gradient `λw`, PyTorch's
//! `weight_decay` convention); the anchor adds `l2 · Σw²` (gradient `2·l2·w`).
//! So autotune runs each configuration twice: with λ = l2 (the same number,
//! as the tuners search it) and with λ = 2·l2 (the same penalty).
//!
//! Prints, per configuration, the mean over seeds of the validation loss
//! after the last epoch, the lowest over the epochs, and the test accuracy
//! and log loss of the last epoch's network.
//!
//! Run: `cargo run --release --example trainer_parity -- [--seeds 10] [--python python3]`.

use anyhow::{Context, Result, bail};
use autotune::data::{Dataset, Scaling, Split, Target};
use autotune::nn::{
    BatchSize, Control, Init, MatRef, Metric, Optimizer, Regularizer, Targets, TrainConfig,
    TrainData, accuracy, log_loss, to_f32, train,
};
use std::path::Path;
use std::process::Command;

#[path = "common/anchor.rs"]
mod anchor;
use anchor::{anchor_split, root};

#[derive(Debug, Clone, Copy)]
struct Conf {
    lr: f64,
    batch: usize,
    init: Init,
    l2: f64,
}

impl Conf {
    fn torch_init(&self) -> &'static str {
        match self.init {
            Init::XavierUniform => "xavier_uniform",
            Init::XavierNormal => "xavier_normal",
            Init::HeUniform => "he_uniform",
            Init::HeNormal => "he_normal",
            Init::LeCunNormal => "lecun_normal",
        }
    }

    fn label(&self) -> String {
        format!(
            "lr {:.0e} batch {} {} l2 {:.0e}",
            self.lr,
            self.batch,
            self.torch_init(),
            self.l2
        )
    }
}

fn configs() -> Vec<Conf> {
    let base = Conf {
        lr: 3e-3,
        batch: 32,
        init: Init::HeNormal,
        l2: 1e-4,
    };
    vec![
        base,
        Conf { lr: 1e-3, ..base },
        Conf { lr: 3e-2, ..base },
        Conf { batch: 8, ..base },
        Conf { batch: 256, ..base },
        Conf {
            init: Init::XavierUniform,
            ..base
        },
        Conf {
            init: Init::LeCunNormal,
            ..base
        },
        Conf { l2: 0.0, ..base },
        Conf { l2: 1e-2, ..base },
    ]
}

/// Validation loss after the last epoch, lowest over the epochs, test
/// accuracy, test log loss.
type Scores = [f64; 4];

fn torch(python: &str, dir: &Path, seed: u64, confs: &[Conf]) -> Result<Vec<Scores>> {
    let json: Vec<serde_json::Value> = confs
        .iter()
        .map(|c| {
            serde_json::json!({"lr": c.lr, "batch_size": c.batch, "init": c.torch_init(), "l2": c.l2})
        })
        .collect();
    let out = Command::new(python)
        .arg(root().join("benches/anchors/torch_train.py"))
        .arg(dir)
        .arg(seed.to_string())
        .arg(serde_json::to_string(&json)?)
        .output()?;
    if !out.status.success() {
        bail!("torch_train.py: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            let f = |k: &str| v[k].as_f64().with_context(|| format!("{k} in {l}"));
            Ok([
                f("last_val_loss")?,
                f("min_val_loss")?,
                f("test_accuracy")?,
                f("test_log_loss")?,
            ])
        })
        .collect()
}

fn xy(ds: &Dataset) -> Result<(Vec<f32>, Vec<usize>)> {
    let Target::Classes { labels, .. } = ds.target() else {
        bail!("not classes");
    };
    Ok((to_f32(ds.features()), labels.clone()))
}

fn ours(split: &Split, seed: u64, c: &Conf, lambda: f64) -> Result<Scores> {
    let s = split.clone().scaled(Scaling::Standardize)?;
    let (xt, yt) = xy(&s.train)?;
    let (xv, yv) = xy(&s.validation)?;
    let (xe, ye) = xy(&s.test)?;
    let d = s.train.n_features();
    let data = TrainData::new(MatRef::new(&xt, yt.len(), d)?, Targets::classes(&yt, 10))
        .with_validation(MatRef::new(&xv, yv.len(), d)?, Targets::classes(&yv, 10));
    let cfg = TrainConfig::default()
        .hidden([128])
        .optimizer(Optimizer::adam())
        .learning_rate(c.lr)
        .batch_size(BatchSize::Fixed(c.batch))
        .init(c.init)
        .regularizer(Regularizer::L2 { lambda })
        .epochs(20)
        .restore_best(false)
        .metric(Metric::Accuracy)
        .seed(seed);
    let report = train(&cfg, &data, |_| Control::Continue)?;
    let losses: Vec<f64> = report
        .history
        .iter()
        .map(|e| e.validation_loss.unwrap_or(f64::NAN))
        .collect();
    let xe = MatRef::new(&xe, ye.len(), d)?;
    let probs = report.model.predict(xe)?;
    let predicted = report.model.predict_classes(xe)?;
    Ok([
        *losses.last().unwrap_or(&f64::NAN),
        losses.iter().copied().fold(f64::INFINITY, f64::min),
        accuracy(&predicted, &ye)?,
        log_loss(MatRef::new(&probs, ye.len(), 10)?, &ye)?,
    ])
}

fn main() -> Result<()> {
    let mut seeds = 10u64;
    let mut python = "python3".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seeds" => seeds = args.next().context("--seeds N")?.parse()?,
            "--python" => python = args.next().context("--python P")?,
            other => bail!("unknown flag {other}: --seeds N --python P"),
        }
    }
    let confs = configs();
    let tmp = tempfile::tempdir()?;
    // [config][side] = per-seed scores; sides: torch, autotune λ=l2, autotune λ=2·l2.
    let mut all: Vec<[Vec<Scores>; 3]> = vec![Default::default(); confs.len()];
    for seed in 0..seeds {
        let dir = tmp.path().join(seed.to_string());
        let split = anchor_split(&python, seed, &dir)?;
        let t = torch(&python, &dir, seed, &confs)?;
        for (i, c) in confs.iter().enumerate() {
            all[i][0].push(t[i]);
            let train_seed = seed * 1000 + i as u64;
            all[i][1].push(ours(&split, train_seed, c, c.l2)?);
            all[i][2].push(ours(&split, train_seed, c, 2.0 * c.l2)?);
        }
        eprintln!("seed {seed} done");
    }
    let mean = |v: &[Scores], k: usize| v.iter().map(|s| s[k]).sum::<f64>() / v.len() as f64;
    println!(
        "{:<40} {:<16} {:>9} {:>9} {:>9} {:>9}",
        "configuration", "trainer", "val last", "val min", "test acc", "test ll"
    );
    for (i, c) in confs.iter().enumerate() {
        for (side, name) in ["pytorch", "autotune λ=l2", "autotune λ=2·l2"]
            .iter()
            .enumerate()
        {
            let v = &all[i][side];
            println!(
                "{:<40} {:<16} {:>9.4} {:>9.4} {:>8.2}% {:>9.4}",
                if side == 0 { c.label() } else { String::new() },
                name,
                mean(v, 0),
                mean(v, 1),
                100.0 * mean(v, 2),
                mean(v, 3)
            );
        }
    }
    let overall = |side: usize, k: usize| {
        all.iter().map(|a| mean(&a[side], k)).sum::<f64>() / all.len() as f64
    };
    println!(
        "\nmean over the {} configurations and {seeds} seeds:",
        confs.len()
    );
    for (side, name) in ["pytorch", "autotune λ=l2", "autotune λ=2·l2"]
        .iter()
        .enumerate()
    {
        println!(
            "{:<16} val last {:.4}  val min {:.4}  test acc {:.2}%  test ll {:.4}",
            name,
            overall(side, 0),
            overall(side, 1),
            100.0 * overall(side, 2),
            overall(side, 3)
        );
    }
    Ok(())
}
