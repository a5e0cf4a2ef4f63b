//! The trainer through the public API: reproducibility, divergence, early
//! stopping, the callback, schedules and batch sizes in the history, model
//! files, and the three heads learning easy problems.
//!
//! (Over 400 lines: one test per trainer behaviour, each short; split by behaviour if it grows.)

use autotune::nn::{
    BatchSize, Control, Divergence, EpochStats, Head, MatRef, Metric, Network, Optimizer, Outcome,
    Regularizer, Schedule, StepUnit, Targets, TrainConfig, TrainData, train,
};
use autotune::rng::{rng_from_seed, standard_normal};

/// `n` rows of `d` features in `k` Gaussian blobs (centres ~ N(0, 4), unit
/// noise), labels cycling through the classes.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = rng_from_seed(seed);
    let mut normal = || standard_normal(&mut rng) as f32;
    let centres: Vec<f32> = (0..k * d).map(|_| 2.0 * normal()).collect();
    let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = labels
        .iter()
        .flat_map(|&c| (0..d).map(move |j| (c, j)))
        .map(|(c, j)| centres[c * d + j] + normal())
        .collect();
    (x, labels)
}

/// Train and validation sets of blobs: 240 and 60 rows of 8 features, 3 classes.
struct Blobs {
    x: Vec<f32>,
    y: Vec<usize>,
    xv: Vec<f32>,
    yv: Vec<usize>,
}

impl Blobs {
    fn new(seed: u64) -> Self {
        let (x, y) = blobs(300, 8, 3, seed);
        Self {
            x: x[..240 * 8].to_vec(),
            y: y[..240].to_vec(),
            xv: x[240 * 8..].to_vec(),
            yv: y[240..].to_vec(),
        }
    }

    fn data(&self) -> TrainData<'_> {
        TrainData::new(
            MatRef::new(&self.x, 240, 8).unwrap(),
            Targets::classes(&self.y, 3),
        )
        .with_validation(
            MatRef::new(&self.xv, 60, 8).unwrap(),
            Targets::classes(&self.yv, 3),
        )
    }
}

fn go_on(_: &EpochStats) -> Control {
    Control::Continue
}

fn all_finite(history: &[EpochStats]) -> bool {
    history.iter().all(|s| {
        [s.train_loss, s.train_metric, s.learning_rate]
            .into_iter()
            .chain(s.validation_loss)
            .chain(s.validation_metric)
            .all(f64::is_finite)
    })
}

#[test]
fn same_seed_gives_bit_identical_weights_and_history() {
    let b = Blobs::new(1);
    let config = TrainConfig::default()
        .hidden([16, 8])
        .dropout(0.2)
        .batch_size(BatchSize::Random { min: 8, max: 40 })
        .regularizer(Regularizer::L2 { lambda: 1e-3 })
        .epochs(8)
        .seed(99);
    let r1 = train(&config, &b.data(), go_on).unwrap();
    let r2 = train(&config, &b.data(), go_on).unwrap();
    let bits = |n: &Network| n.params().iter().map(|p| p.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&r1.model), bits(&r2.model));
    assert_eq!(r1.history, r2.history);
    assert_eq!(r1.history.len(), 8);
    // A different seed changes the initial weights, shuffles, sizes and masks.
    let r3 = train(&config.clone().seed(100), &b.data(), go_on).unwrap();
    assert_ne!(bits(&r1.model), bits(&r3.model));
    assert_ne!(r1.history, r3.history);
}

#[test]
fn sgd_with_learning_rate_1e3_diverges() {
    let b = Blobs::new(2);
    let config = TrainConfig::default()
        .hidden([32])
        .optimizer(Optimizer::Sgd)
        .learning_rate(1e3)
        .epochs(20);
    let report = train(&config, &b.data(), go_on).unwrap();
    let Outcome::Diverged { epoch, reason } = report.outcome else {
        panic!("expected divergence, got {:?}", report.outcome);
    };
    // At this rate the losses blow up within the first epoch (measured: an
    // exploding loss of 4.7e6 against a threshold of 6.0e4); which check
    // fires first is the next test's subject.
    assert_eq!(epoch, 0, "{reason:?}");
    assert!(report.diverged());
    assert_eq!(
        report.history.len(),
        epoch,
        "the history stops before the diverged epoch"
    );
    assert!(all_finite(&report.history));
    // The model handed back is a finite one (the best before divergence).
    assert!(report.model.params().iter().all(|p| p.is_finite()));
    let p = report
        .model
        .predict(MatRef::new(&b.xv, 60, 8).unwrap())
        .unwrap();
    assert!(p.iter().all(|v| v.is_finite()));
}

#[test]
fn exploding_loss_is_caught_before_it_overflows() {
    // A divergence factor just above 1 flags the first mini-batch whose
    // loss exceeds max(L0, 1) by 1%: with plain SGD at a high rate on
    // unscaled regression targets that happens within the first epoch.
    let x: Vec<f32> = (0..200).map(|i| (i % 17) as f32).collect();
    let y: Vec<f32> = (0..100).map(|i| 50.0 * (i % 7) as f32).collect();
    let data = TrainData::new(MatRef::new(&x, 100, 2).unwrap(), Targets::values(&y));
    let config = TrainConfig::default()
        .hidden([8])
        .optimizer(Optimizer::Sgd)
        .learning_rate(0.5)
        .divergence_factor(1.01)
        .epochs(5);
    let report = train(&config, &data, go_on).unwrap();
    // Caught as a finite loss above the threshold, not as a NaN or an
    // infinity (measured: 1.2e15 against 2.5e4 in epoch 0).
    assert!(
        matches!(
            report.outcome,
            Outcome::Diverged {
                epoch: 0,
                reason: Divergence::ExplodingLoss { loss, threshold },
            } if loss.is_finite() && loss > threshold
        ),
        "{:?}",
        report.outcome
    );
}

#[test]
fn save_and_load_give_identical_predictions() {
    let b = Blobs::new(3);
    let config = TrainConfig::default().hidden([16]).epochs(5).seed(5);
    let report = train(&config, &b.data(), go_on).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    report.model.save(&path).unwrap();
    let loaded = Network::load(&path).unwrap();
    assert_eq!(loaded, report.model);
    let xv = MatRef::new(&b.xv, 60, 8).unwrap();
    assert_eq!(
        loaded.predict(xv).unwrap(),
        report.model.predict(xv).unwrap()
    );
    assert_eq!(
        loaded.predict_classes(xv).unwrap(),
        report.model.predict_classes(xv).unwrap()
    );
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    // Random labels: the validation loss can only get worse once the
    // network starts memorising the training set.
    let (x, _) = blobs(300, 8, 3, 4);
    let noise: Vec<usize> = (0..300).map(|i| (i * 7 + i / 3) % 3).collect();
    let data = TrainData::new(
        MatRef::new(&x[..240 * 8], 240, 8).unwrap(),
        Targets::classes(&noise[..240], 3),
    )
    .with_validation(
        MatRef::new(&x[240 * 8..], 60, 8).unwrap(),
        Targets::classes(&noise[240..], 3),
    );
    let config = TrainConfig::default()
        .hidden([64, 64])
        .learning_rate(1e-2)
        .epochs(200)
        .patience(3);
    let report = train(&config, &data, go_on).unwrap();
    let Outcome::EarlyStopped { epoch, best_epoch } = report.outcome else {
        panic!("expected early stopping, got {:?}", report.outcome);
    };
    assert_eq!(epoch, best_epoch + 3);
    assert_eq!(report.history.len(), epoch + 1);
    assert_eq!(report.best_epoch, Some(best_epoch));
    let best = report.best().unwrap().validation_loss.unwrap();
    assert!(
        report
            .history
            .iter()
            .all(|s| s.validation_loss.unwrap() >= best)
    );
    // restore_best: the returned model is the best epoch's.
    let (xv, yv) = data.validation.unwrap();
    let eval = report.model.evaluate(xv, &yv, Metric::Accuracy).unwrap();
    // The same f64 mean over the same rows and weights; only the order of
    // the sum may differ (measured: equal).
    approx::assert_relative_eq!(eval.loss, best, max_relative = 1e-9);
    assert_eq!(Some(eval.metric), report.best().unwrap().validation_metric);
    // Without restore_best the last epoch's parameters come back.
    let last = train(&config.clone().restore_best(false), &data, go_on).unwrap();
    let eval = last.model.evaluate(xv, &yv, Metric::Accuracy).unwrap();
    // As above: the same computation.
    approx::assert_relative_eq!(
        eval.loss,
        last.last().unwrap().validation_loss.unwrap(),
        max_relative = 1e-9
    );
}

#[test]
fn early_stopping_without_validation_watches_the_training_loss() {
    let b = Blobs::new(5);
    let data = TrainData::new(
        MatRef::new(&b.x, 240, 8).unwrap(),
        Targets::classes(&b.y, 3),
    );
    // A vanishing rate after epoch 0 makes the training loss flat, and a
    // large min_delta makes every later epoch "no improvement".
    let config = TrainConfig::default()
        .hidden([8])
        .schedule(Schedule::Step {
            every: 1,
            gamma: 1e-9,
        })
        .min_delta(1.0)
        .epochs(50)
        .patience(2);
    let report = train(&config, &data, go_on).unwrap();
    assert_eq!(
        report.outcome,
        Outcome::EarlyStopped {
            epoch: 2,
            best_epoch: 0
        }
    );
    assert!(
        report
            .history
            .iter()
            .all(|s| s.validation_loss.is_none() && s.validation_metric.is_none())
    );
}

#[test]
fn callback_sees_every_epoch_and_can_stop() {
    let b = Blobs::new(6);
    let config = TrainConfig::default().hidden([8]).epochs(10);
    let mut seen = Vec::new();
    let report = train(&config, &b.data(), |s| {
        seen.push((s.epoch, s.validation_loss, s.validation_metric));
        if s.epoch == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .unwrap();
    assert_eq!(report.outcome, Outcome::Stopped { epoch: 2 });
    assert_eq!(report.history.len(), 3);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(seen.iter().all(|s| s.1.is_some() && s.2.is_some()));
}

#[test]
fn the_history_records_the_schedule_per_epoch_or_per_update() {
    let b = Blobs::new(7);
    let schedule = Schedule::Step {
        every: 2,
        gamma: 0.5,
    };
    let config = TrainConfig::default()
        .hidden([8])
        .learning_rate(0.01)
        .schedule(schedule.clone())
        .batch_size(BatchSize::Fixed(30))
        .epochs(5);
    let by_epoch = train(&config, &b.data(), go_on).unwrap();
    let rates: Vec<f64> = by_epoch.history.iter().map(|s| s.learning_rate).collect();
    assert_eq!(rates, [0.01, 0.01, 0.005, 0.005, 0.0025]);
    // Counting updates: 240 / 30 = 8 updates per epoch, so epoch e starts at t = 8e.
    let by_update = train(
        &config.clone().schedule_unit(StepUnit::Update),
        &b.data(),
        go_on,
    )
    .unwrap();
    for s in &by_update.history {
        assert_eq!(
            s.learning_rate,
            schedule.lr(0.01, 8 * s.epoch as u64),
            "epoch {}",
            s.epoch
        );
    }
}

#[test]
fn batch_sizes_are_drawn_in_range_and_gd_uses_every_row() {
    let b = Blobs::new(8);
    let config = TrainConfig::default()
        .hidden([8])
        .batch_size(BatchSize::Random { min: 5, max: 50 })
        .epochs(30);
    let report = train(&config, &b.data(), go_on).unwrap();
    let sizes: Vec<usize> = report.history.iter().map(|s| s.batch_size).collect();
    assert!(sizes.iter().all(|s| (5..=50).contains(s)), "{sizes:?}");
    assert!(
        sizes.windows(2).any(|w| w[0] != w[1]),
        "sizes vary: {sizes:?}"
    );
    let gd = train(
        &config.clone().optimizer(Optimizer::Gd).learning_rate(0.5),
        &b.data(),
        go_on,
    )
    .unwrap();
    assert!(gd.history.iter().all(|s| s.batch_size == 240));
    // A fixed size larger than the training set is the training set.
    let big = train(
        &config.batch_size(BatchSize::Fixed(10_000)),
        &b.data(),
        go_on,
    )
    .unwrap();
    assert!(big.history.iter().all(|s| s.batch_size == 240));
}

#[test]
fn every_optimizer_learns_separable_blobs() {
    let b = Blobs::new(9);
    for (opt, lr) in [
        (Optimizer::Gd, 0.5),
        (Optimizer::Sgd, 0.05),
        (Optimizer::momentum(0.9), 0.01),
        (Optimizer::nesterov(0.9), 0.01),
        (Optimizer::adam(), 1e-2),
        (Optimizer::adamw(1e-2), 1e-2),
        (Optimizer::rmsprop(), 1e-3),
    ] {
        let config = TrainConfig::default()
            .hidden([16])
            .optimizer(opt)
            .learning_rate(lr)
            .epochs(30);
        let report = train(&config, &b.data(), go_on).unwrap();
        let acc = report.best().unwrap().validation_metric.unwrap();
        // Chance is 1/3; every optimiser measured 1.0 on these 60 rows, and
        // 0.9 allows 6 misses.
        assert!(acc >= 0.9, "{}: validation accuracy {acc}", opt.name());
    }
}

#[test]
fn regression_learns_a_linear_map() {
    // y = 2 x0 - x1 + 0.5 x2 + small noise, two outputs (y and -y).
    let (x, _) = blobs(300, 3, 1, 10);
    let mut rng = rng_from_seed(11);
    let y: Vec<f32> = x
        .chunks(3)
        .flat_map(|r| {
            let n = standard_normal(&mut rng) as f32;
            let v = 2.0 * r[0] - r[1] + 0.5 * r[2] + 0.05 * n;
            [v, -v]
        })
        .collect();
    let t = |a: usize, b: usize| Targets::Values {
        values: &y[2 * a..2 * b],
        n_outputs: 2,
    };
    let data = TrainData::new(MatRef::new(&x[..720], 240, 3).unwrap(), t(0, 240))
        .with_validation(MatRef::new(&x[720..], 60, 3).unwrap(), t(240, 300));
    let config = TrainConfig::default()
        .hidden([16])
        .learning_rate(1e-2)
        .epochs(60);
    let report = train(&config, &data, go_on).unwrap();
    assert_eq!(report.metric, Metric::R2);
    assert_eq!(report.model.head(), Head::Identity);
    let r2 = report.best().unwrap().validation_metric.unwrap();
    // The mean predicts R² = 0, the noise (variance 0.0025 of 5.25) caps it
    // at 0.9995; measured 0.993.
    assert!(r2 > 0.95, "validation R² {r2}");
    let rmse = report
        .model
        .evaluate(
            data.validation.unwrap().0,
            &data.validation.unwrap().1,
            Metric::Rmse,
        )
        .unwrap();
    // The loss sums f32 squared residuals, the metric f64 ones: 1e-6
    // relative (a few u = 6e-8 per term; measured 1.1e-8).
    approx::assert_relative_eq!(rmse.metric, rmse.loss.sqrt(), max_relative = 1e-6);
}

#[test]
fn the_sigmoid_head_learns_a_binary_task() {
    let (x, y) = blobs(300, 4, 2, 12);
    let data = TrainData::new(
        MatRef::new(&x[..960], 240, 4).unwrap(),
        Targets::classes(&y[..240], 2),
    )
    .with_validation(
        MatRef::new(&x[960..], 60, 4).unwrap(),
        Targets::classes(&y[240..], 2),
    );
    let config = TrainConfig::default()
        .hidden([8])
        .head(Head::Sigmoid)
        .learning_rate(1e-2)
        .epochs(30);
    let report = train(&config, &data, go_on).unwrap();
    assert_eq!(report.model.n_outputs(), 1);
    let acc = report.best().unwrap().validation_metric.unwrap();
    // Chance is 1/2; measured 1.0 on these 60 rows, and 0.9 allows 6 misses.
    assert!(acc >= 0.9, "validation accuracy {acc}");
    let p = report.model.predict(data.validation.unwrap().0).unwrap();
    assert_eq!(p.len(), 60);
    assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let classes = report
        .model
        .predict_classes(data.validation.unwrap().0)
        .unwrap();
    let want: Vec<usize> = p.iter().map(|&v| usize::from(v > 0.5)).collect();
    assert_eq!(classes, want);
}

#[test]
fn log_loss_metric_matches_the_probabilities() {
    let b = Blobs::new(13);
    let config = TrainConfig::default()
        .hidden([8])
        .metric(Metric::LogLoss)
        .epochs(5);
    let report = train(&config, &b.data(), go_on).unwrap();
    let last = report.last().unwrap();
    // For a softmax head the log loss is the validation cross-entropy: the
    // same f64 mean (measured: equal).
    approx::assert_relative_eq!(
        last.validation_metric.unwrap(),
        last.validation_loss.unwrap(),
        max_relative = 1e-12
    );
    let xv = MatRef::new(&b.xv, 60, 8).unwrap();
    let probs = report.model.predict(xv).unwrap();
    let ll = autotune::nn::log_loss(MatRef::new(&probs, 60, 3).unwrap(), &b.yv).unwrap();
    let eval = report
        .model
        .evaluate(xv, &Targets::classes(&b.yv, 3), Metric::LogLoss)
        .unwrap();
    // `log_loss` reads f32 probabilities (u = 6e-8 relative each, so each
    // ln p is off by about u): a few u over a mean loss of 1.8, measured 2e-10.
    approx::assert_relative_eq!(ll, eval.metric, max_relative = 1e-6);
}
