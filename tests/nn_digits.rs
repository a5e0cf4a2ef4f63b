//! A 64-128-10 ReLU network trained with Adam on the digits data
//! (standardised, stratified 80/20 split) reaches at least 95% validation
//! accuracy within 30 epochs.

use std::io::Read;

use autotune::nn::{
    Activation, BatchSize, Control, MatRef, Optimizer, Outcome, Targets, TrainConfig, TrainData,
    accuracy, train,
};
use autotune::rng::rng_from_seed;
use rand::Rng;

// TODO(lead): use autotune::data once merged (Dataset::builtin(Builtin::Digits),
// its stratified split and standard scaler) instead of the helpers below.

/// The 1797 digits: 64 pixel values (0..16) and the label of each row.
fn read_digits() -> (Vec<f32>, Vec<usize>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let file = std::fs::File::open(path).expect("data/digits.csv.gz ships with the crate");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("digits.csv.gz is valid gzip");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.is_empty()) {
        let values: Vec<f32> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        assert_eq!(values.len(), 65);
        x.extend_from_slice(&values[..64]);
        y.push(values[64] as usize);
    }
    (x, y)
}

/// Row indices of a stratified split: in each class, a seeded shuffle puts
/// `round(0.8 n_c)` rows in training and the rest in validation.
fn stratified_split(y: &[usize], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = rng_from_seed(seed);
    let (mut train_idx, mut valid_idx) = (Vec::new(), Vec::new());
    for class in 0..10 {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        for i in (1..rows.len()).rev() {
            rows.swap(i, rng.random_range(0..=i));
        }
        let cut = (0.8 * rows.len() as f64).round() as usize;
        train_idx.extend_from_slice(&rows[..cut]);
        valid_idx.extend_from_slice(&rows[cut..]);
    }
    (train_idx, valid_idx)
}

/// Standardises columns with the training rows' mean and standard
/// deviation (constant columns are centred only).
fn standardise(train: &mut [f32], valid: &mut [f32], d: usize) {
    let n = (train.len() / d) as f64;
    for j in 0..d {
        let mean = train
            .iter()
            .skip(j)
            .step_by(d)
            .map(|&v| f64::from(v))
            .sum::<f64>()
            / n;
        let var = train
            .iter()
            .skip(j)
            .step_by(d)
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for v in train.iter_mut().chain(valid.iter_mut()).skip(j).step_by(d) {
            *v = ((f64::from(*v) - mean) / sd) as f32;
        }
    }
}

#[test]
fn relu_64_128_10_with_adam_reaches_95_percent_on_digits() {
    let (x, y) = read_digits();
    assert_eq!(y.len(), 1797);
    let (ti, vi) = stratified_split(&y, 42);
    let gather = |idx: &[usize]| -> (Vec<f32>, Vec<usize>) {
        (
            idx.iter()
                .flat_map(|&i| x[i * 64..(i + 1) * 64].iter().copied())
                .collect(),
            idx.iter().map(|&i| y[i]).collect(),
        )
    };
    let (mut xt, yt) = gather(&ti);
    let (mut xv, yv) = gather(&vi);
    standardise(&mut xt, &mut xv, 64);
    let (nt, nv) = (yt.len(), yv.len());
    assert_eq!((nt, nv), (1438, 359));

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
        .map(|s| s.valid_metric.unwrap())
        .fold(0.0, f64::max);
    assert!(
        best >= 0.95,
        "best validation accuracy in 30 epochs: {best}"
    );
    // The returned model (the epoch of lowest validation loss) also clears it.
    let predicted = report
        .model
        .predict_classes(MatRef::new(&xv, nv, 64).unwrap())
        .unwrap();
    let acc = accuracy(&predicted, &yv).unwrap();
    assert!(acc >= 0.95, "returned model's validation accuracy: {acc}");
}
