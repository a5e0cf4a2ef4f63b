//! Every invalid configuration or input gives its own typed error (never a
//! panic): one test per `NnError` variant, matching the variant exactly.

use autotune::Error;
use autotune::error::NnError;
use autotune::nn::{
    Activation, BatchSize, Control, Head, Init, MatRef, Metric, Network, Optimizer, Regularizer,
    Schedule, Targets, TrainConfig, TrainData, train,
};

const X: [f32; 12] = [0.0, 1.0, 1.0, 0.0, 0.5, 0.5, -1.0, 0.0, 0.0, -1.0, 0.3, 0.7];
const Y: [usize; 6] = [0, 1, 1, 0, 2, 2];

fn data() -> TrainData<'static> {
    TrainData::new(MatRef::new(&X, 6, 2).unwrap(), Targets::classes(&Y, 3))
}

/// The error of training `config` on the small valid data set.
fn config_error(config: TrainConfig) -> NnError {
    train(&config, &data(), |_| Control::Continue).expect_err("the configuration is invalid")
}

/// The error of training a valid config on `data`.
fn data_error(data: &TrainData<'_>) -> NnError {
    train(&TrainConfig::default().epochs(1), data, |_| {
        Control::Continue
    })
    .expect_err("the data is invalid")
}

/// The name of a `Hyperparameter` error.
fn hyperparameter(err: NnError) -> &'static str {
    match err {
        NnError::Hyperparameter { name, .. } => name,
        other => panic!("expected a hyperparameter error, got {other:?}"),
    }
}

#[test]
fn valid_setup_trains() {
    let report = train(&TrainConfig::default().epochs(2), &data(), |_| {
        Control::Continue
    })
    .unwrap();
    assert_eq!(report.history.len(), 2);
}

#[test]
fn shape() {
    assert!(matches!(
        MatRef::new(&X, 5, 2),
        Err(NnError::Shape {
            expected: 10,
            found: 12,
            ..
        })
    ));
    let short = TrainData::new(MatRef::new(&X, 6, 2).unwrap(), Targets::classes(&Y[..5], 3));
    assert!(matches!(
        data_error(&short),
        NnError::Shape {
            expected: 6,
            found: 5,
            ..
        }
    ));
    let valid =
        data().with_validation(MatRef::new(&X, 4, 3).unwrap(), Targets::classes(&Y[..4], 3));
    assert!(matches!(
        data_error(&valid),
        NnError::Shape {
            expected: 2,
            found: 3,
            ..
        }
    ));
    let net = train(&TrainConfig::default().epochs(1), &data(), |_| {
        Control::Continue
    })
    .unwrap()
    .model;
    assert!(matches!(
        net.predict(MatRef::new(&X, 4, 3).unwrap()),
        Err(NnError::Shape {
            expected: 2,
            found: 3,
            ..
        })
    ));
    let mut grad = vec![0.0; 3];
    assert!(matches!(
        net.loss_and_gradient(
            MatRef::new(&X, 6, 2).unwrap(),
            &Targets::classes(&Y, 3),
            Regularizer::None,
            false,
            &mut grad
        ),
        Err(NnError::Shape { found: 3, .. })
    ));
}

#[test]
fn empty() {
    let none = TrainData::new(MatRef::new(&[], 0, 2).unwrap(), Targets::classes(&[], 3));
    assert!(matches!(
        data_error(&none),
        NnError::Empty {
            what: "training features"
        }
    ));
}

#[test]
fn zero_width() {
    let err = config_error(TrainConfig::default().hidden([16, 0, 4]));
    assert!(matches!(err, NnError::ZeroWidth { layer: 1 }));
}

#[test]
fn zero_batch_size() {
    assert!(matches!(
        config_error(TrainConfig::default().batch_size(BatchSize::Fixed(0))),
        NnError::ZeroBatchSize
    ));
    assert!(matches!(
        config_error(TrainConfig::default().batch_size(BatchSize::Random { min: 0, max: 8 })),
        NnError::ZeroBatchSize
    ));
}

#[test]
fn batch_range() {
    let err =
        config_error(TrainConfig::default().batch_size(BatchSize::Random { min: 10, max: 5 }));
    assert!(matches!(err, NnError::BatchRange { min: 10, max: 5 }));
}

#[test]
fn zero_epochs() {
    assert!(matches!(
        config_error(TrainConfig::default().epochs(0)),
        NnError::ZeroEpochs
    ));
}

#[test]
fn learning_rate() {
    for lr in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        let err = config_error(TrainConfig::default().learning_rate(lr));
        assert!(matches!(err, NnError::LearningRate { .. }), "{lr}: {err:?}");
    }
}

#[test]
fn hyperparameter_names_the_setting() {
    let cases: Vec<(TrainConfig, &str)> = vec![
        (TrainConfig::default().dropout(1.0), "dropout"),
        (TrainConfig::default().dropout(-0.1), "dropout"),
        (TrainConfig::default().patience(0), "patience"),
        (TrainConfig::default().min_delta(-1.0), "min_delta"),
        (
            TrainConfig::default().divergence_factor(1.0),
            "divergence_factor",
        ),
        (
            TrainConfig::default().optimizer(Optimizer::momentum(1.5)),
            "momentum",
        ),
        (
            TrainConfig::default().optimizer(Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: -1.0,
            }),
            "epsilon",
        ),
        (
            TrainConfig::default().optimizer(Optimizer::adamw(f64::NAN)),
            "weight_decay",
        ),
        (
            TrainConfig::default().schedule(Schedule::Exponential { gamma: 2.0 }),
            "schedule gamma",
        ),
        (
            TrainConfig::default().schedule(Schedule::Cosine {
                steps: 0,
                floor: 0.0,
            }),
            "schedule steps",
        ),
        (
            TrainConfig::default().schedule(Schedule::Linear {
                steps: 0,
                floor: 0.1,
            }),
            "schedule steps",
        ),
        (
            TrainConfig::default().schedule(Schedule::Step {
                every: 0,
                gamma: 0.5,
            }),
            "schedule every",
        ),
        (
            TrainConfig::default().schedule(
                Schedule::Step {
                    every: 0,
                    gamma: 0.5,
                }
                .with_warmup(2),
            ),
            "schedule every",
        ),
        (
            TrainConfig::default().regularizer(Regularizer::L1 { lambda: -0.1 }),
            "regularization lambda",
        ),
        (
            TrainConfig::default().regularizer(Regularizer::ElasticNet {
                lambda: 0.1,
                l1_ratio: -0.5,
            }),
            "l1_ratio",
        ),
        (
            TrainConfig::default().activation(Activation::LeakyRelu { slope: -1.0 }),
            "leaky_relu slope",
        ),
    ];
    for (config, name) in cases {
        assert_eq!(hyperparameter(config_error(config)), name);
    }
}

#[test]
fn label() {
    let y = [0, 1, 3, 0, 2, 2];
    let bad = TrainData::new(MatRef::new(&X, 6, 2).unwrap(), Targets::classes(&y, 3));
    assert!(matches!(
        data_error(&bad),
        NnError::Label {
            row: 2,
            label: 3,
            n_classes: 3
        }
    ));
}

#[test]
fn too_few_classes() {
    let y = [0; 6];
    let one = TrainData::new(MatRef::new(&X, 6, 2).unwrap(), Targets::classes(&y, 1));
    assert!(matches!(
        data_error(&one),
        NnError::TooFewClasses { n_classes: 1 }
    ));
}

#[test]
fn non_finite() {
    let mut x = X;
    x[5] = f32::NAN;
    let nan = TrainData::new(MatRef::new(&x, 6, 2).unwrap(), Targets::classes(&Y, 3));
    assert!(matches!(
        data_error(&nan),
        NnError::NonFinite {
            what: "training features",
            index: 5
        }
    ));
    let v = [1.0, 2.0, f32::INFINITY, 0.0, 1.0, 2.0];
    let inf = TrainData::new(MatRef::new(&X, 6, 2).unwrap(), Targets::values(&v));
    assert!(matches!(
        data_error(&inf),
        NnError::NonFinite {
            what: "training targets",
            index: 2
        }
    ));
}

#[test]
fn incompatible() {
    // A sigmoid head on three classes.
    assert!(matches!(
        config_error(TrainConfig::default().head(Head::Sigmoid)),
        NnError::Incompatible { .. }
    ));
    // A regression metric on a classifier.
    assert!(matches!(
        config_error(TrainConfig::default().metric(Metric::R2)),
        NnError::Incompatible { .. }
    ));
    // An identity head on classes.
    assert!(matches!(
        config_error(TrainConfig::default().head(Head::Identity)),
        NnError::Incompatible { .. }
    ));
    // Validation targets of another kind.
    let v = [0.0f32; 6];
    let mixed = data().with_validation(MatRef::new(&X, 6, 2).unwrap(), Targets::values(&v));
    assert!(matches!(data_error(&mixed), NnError::Incompatible { .. }));
}

#[test]
fn unknown_name() {
    assert!(matches!(
        "swish".parse::<Activation>(),
        Err(NnError::UnknownName {
            kind: "activation",
            ..
        })
    ));
    assert!(matches!(
        "orthogonal".parse::<Init>(),
        Err(NnError::UnknownName {
            kind: "initialiser",
            ..
        })
    ));
}

#[test]
fn io() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    assert!(matches!(Network::load(&missing), Err(NnError::Io { path, .. }) if path == missing));
}

#[test]
fn json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"format":1,"sizes":[2,3],"activation":"Relu","head":"Softmax","params":[0.0]}"#,
    )
    .unwrap();
    assert!(matches!(Network::load(&path), Err(NnError::Json(_))));
}

#[test]
fn nn_errors_join_the_crate_error() {
    let err: Error = config_error(TrainConfig::default().epochs(0)).into();
    assert!(matches!(err, Error::Nn(NnError::ZeroEpochs)));
    assert_eq!(err.to_string(), "the number of epochs must be at least 1");
}
