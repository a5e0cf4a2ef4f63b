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

/// The flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Training epochs.
    pub epochs: usize,
    /// The seed of the weights and the shuffling.
    pub seed: u64,
}

impl Args {
    /// Parses `args` (the program name first): `--epochs` (default 30),
    /// `--seed` (default 7), `--help`.
    ///
    /// # Errors
    /// clap's error for an unknown flag or a bad value.
    pub fn try_parse_from<I, T>(args: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{Arg, Command, value_parser};
        let m = Command::new("train_digits")
            .about("Train one network on the built-in digits and print its epochs")
            .arg(
                Arg::new("epochs")
                    .long("epochs")
                    .value_parser(value_parser!(usize))
                    .help("Training epochs [default: 30]"),
            )
            .arg(
                Arg::new("seed")
                    .long("seed")
                    .value_parser(value_parser!(u64))
                    .help("The seed of the weights and the shuffling [default: 7]"),
            )
            .try_get_matches_from(args)?;
        Ok(Args {
            epochs: m.get_one("epochs").copied().unwrap_or(30),
            seed: m.get_one("seed").copied().unwrap_or(7),
        })
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.epochs > 0, "--epochs must be at least 1");
    // 1797 8x8 images of handwritten digits: a stratified 80/20 split,
    // standardised with the training rows' mean and deviation.
    let split = Dataset::builtin(Builtin::Digits)?.split(0.8, 42)?;
    let split = split.scaled(Scaling::Standardize)?;
    let ((xt, yt), (xv, yv)) = (xy(&split.train)?, xy(&split.validation)?);
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
        let (vl, va) = (
            s.validation_loss.unwrap_or(0.0),
            s.validation_metric.unwrap_or(0.0),
        );
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
    let args = Args::try_parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    if let Err(err) = run(&args) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
