//! Train a 64-128-10 ReLU network with Adam on the built-in digits data and
//! print its progress epoch by epoch.
//!
//! Run: `cargo run --release --example train_digits`

use autotune::data::{Builtin, Dataset, Scaling, Target};
use autotune::nn::{
    Activation, BatchSize, Control, MatRef, Optimizer, Targets, TrainConfig, TrainData, accuracy,
    to_f32, train,
};

fn run() -> anyhow::Result<()> {
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
        .epochs(30)
        .seed(7);

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
    if let Err(err) = run() {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
