//! Train a 64-128-10 ReLU network with Adam on the built-in digits data and
//! print its progress epoch by epoch.
//!
//! Run: `cargo run --release --example train_digits` (flags: `--epochs`,
//! `--seed`; see `--help`).

use autotune::data::{Builtin, Dataset, Scaling, Target};
use autotune::nn::{
    Activation, BatchSize, Control, MatRef, Optimizer, Targets, TrainConfig, TrainData, accuracy,
    to_f32, train,
};
use clap::Parser;

/// Train one network on the built-in digits and print its epochs.
#[derive(Debug, Parser)]
#[command(name = "train_digits")]
pub struct Args {
    /// Training epochs.
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// The seed of the weights and the shuffling.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.epochs > 0, "--epochs must be at least 1");
    // 1797 8x8 images of handwritten digits: a stratified 80/20 split,
    // standardised with the training rows' mean and deviation.
    let split = Dataset::builtin(Builtin::Digits)?.split(0.8, 42)?;
    let split = split.scaled(Scaling::Standardize)?;
    let ((xt, yt), (xv, yv)) = (xy(&split.train)?, xy(&split.valid)?);
    let (x_train, x_valid) = (
        MatRef::new(&xt, yt.len(), 64)?,
        MatRef::new(&xv, yv.len(), 64)?,
    );
    let data = TrainData::new(x_train, Targets::classes(&yt, 10))
        .with_validation(x_valid, Targets::classes(&yv, 10));

    // One hidden layer of 128 ReLU units, Adam at 1e-3, mini-batches of 32.
    let config = TrainConfig::default()
        .hidden([128])
        .activation(Activation::Relu)
        .optimizer(Optimizer::adam())
        .learning_rate(1e-3)
        .batch_size(BatchSize::Fixed(32))
        .epochs(args.epochs)
        .seed(args.seed);

    // Train, printing every epoch from the per-epoch callback.
    println!("{} training and {} validation digits", yt.len(), yv.len());
    println!("epoch  train loss  train acc  validation loss  validation acc");
    let report = train(&config, &data, |s| {
        let (e, tl, ta) = (s.epoch + 1, s.train_loss, s.train_metric);
        let (vl, va) = (s.valid_loss.unwrap_or(0.0), s.valid_metric.unwrap_or(0.0));
        println!("{e:>5}  {tl:>10.4}  {ta:>9.4}  {vl:>15.4}  {va:>14.4}");
        Control::Continue
    })?;

    // The model returned is the one of the epoch with the lowest validation loss.
    let predicted = report.model.predict_classes(x_valid)?;
    let acc = 100.0 * accuracy(&predicted, &yv)?;
    let best = report.best_epoch.map_or(0, |e| e + 1);
    println!("{:?}; best epoch {best}", report.outcome);
    println!("validation accuracy: {acc:.2}%");
    Ok(())
}

/// A data set's features as `f32` (the networks' type) and its class labels.
fn xy(ds: &Dataset) -> anyhow::Result<(Vec<f32>, Vec<usize>)> {
    let Target::Classes { labels, .. } = ds.target() else {
        anyhow::bail!("{} is not a classification data set", ds.name());
    };
    Ok((to_f32(ds.features()), labels.clone()))
}

fn main() {
    let args = Args::parse();
    if let Err(err) = run(&args) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
