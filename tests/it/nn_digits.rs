//! A 64-128-10 ReLU network trained with Adam on the digits data
//! (standardised, stratified 80/20 split) reaches at least 95% validation
//! accuracy within 30 epochs.

use autotune::data::{Builtin, Dataset, Scaling, Target};
use autotune::nn::{
    Activation, BatchSize, Control, MatRef, Optimizer, Outcome, Targets, TrainConfig, TrainData,
    accuracy, to_f32, train,
};

/// A data set's features as `f32` and its class labels.
fn xy(ds: &Dataset) -> (Vec<f32>, Vec<usize>) {
    let Target::Classes { labels, .. } = ds.target() else {
        panic!("digits is a classification data set");
    };
    (to_f32(ds.features()), labels.clone())
}

#[test]
fn relu_64_128_10_with_adam_reaches_95_percent_on_digits() {
    // Stratified 80/20 split, standardised with the training rows' statistics.
    let split = Dataset::builtin(Builtin::Digits)
        .unwrap()
        .split(0.8, 42)
        .unwrap()
        .scaled(Scaling::Standardize)
        .unwrap();
    let (xt, yt) = xy(&split.train);
    let (xv, yv) = xy(&split.validation);
    let (nt, nv) = (yt.len(), yv.len());
    assert_eq!((nt, nv), (1438, 359));
    assert_eq!(split.train.n_features(), 64);

    let data = TrainData::new(MatRef::new(&xt, nt, 64).unwrap(), Targets::classes(&yt, 10))
        .with_validation(MatRef::new(&xv, nv, 64).unwrap(), Targets::classes(&yv, 10));
    let config = TrainConfig::default()
        .hidden([128])
        .activation(Activation::Relu)
        .optimizer(Optimizer::adam())
        .learning_rate(1e-3)
        .batch_size(BatchSize::Fixed(32))
        .epochs(30)
        .seed(7);
    let report = train(&config, &data, |_| Control::Continue).unwrap();
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.model.sizes(), &[64, 128, 10]);
    let best = report
        .history
        .iter()
        .map(|s| s.validation_metric.unwrap())
        .fold(0.0, f64::max);
    // Measured 0.967 with seed 7 (a constant guess gets about 0.10): 0.95
    // allows 5 more misses of the 359 rows (12 now) before the test fails.
    assert!(
        best >= 0.95,
        "best validation accuracy in 30 epochs: {best}"
    );
    // The returned model (the epoch of lowest validation loss) also clears it
    // (measured 0.967, the same epoch).
    let predicted = report
        .model
        .predict_classes(MatRef::new(&xv, nv, 64).unwrap())
        .unwrap();
    let acc = accuracy(&predicted, &yv).unwrap();
    assert!(acc >= 0.95, "returned model's validation accuracy: {acc}");
}
