//! Paused and resumed trainings: `k` epochs, a snapshot (through JSON), and
//! `m` more equal `k + m` epochs in one go bit for bit, for every optimiser
//! and schedule with dropout, random mini-batches and penalties on; resuming
//! with another configuration or data is an error; the snapshot store
//! spills beyond its cap and reads back what it wrote.

use autotune::Error;
use autotune::error::NnError;
use autotune::nn::{
    BatchSize, Control, MatRef, Optimizer, Outcome, Regularizer, Schedule, Snapshot, SnapshotStore,
    StepUnit, Targets, TrainConfig, TrainData, TrainReport, Training, train,
};
use autotune::rng::{rng_from_seed, standard_normal};

/// 48 training and 12 validation rows of 4 features, 3 classes (noisy
/// blobs), so that a training takes microseconds per epoch.
struct Tiny {
    x: Vec<f32>,
    y: Vec<usize>,
}

impl Tiny {
    fn new() -> Self {
        let mut rng = rng_from_seed(11);
        let y: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let x = y
            .iter()
            .flat_map(|&c| (0..4).map(move |j| (c, j)))
            .map(|(c, j)| ((c * 4 + j) % 5) as f32 - 2.0 + standard_normal(&mut rng) as f32)
            .collect();
        Self { x, y }
    }

    fn data(&self) -> TrainData<'_> {
        TrainData::new(
            MatRef::new(&self.x[..48 * 4], 48, 4).unwrap(),
            Targets::classes(&self.y[..48], 3),
        )
        .with_validation(
            MatRef::new(&self.x[48 * 4..], 12, 4).unwrap(),
            Targets::classes(&self.y[48..], 3),
        )
    }
}

fn optimizers() -> [Optimizer; 7] {
    [
        Optimizer::Gd,
        Optimizer::Sgd,
        Optimizer::momentum(0.9),
        Optimizer::nesterov(0.9),
        Optimizer::adam(),
        Optimizer::adamw(0.01),
        Optimizer::rmsprop(),
    ]
}

fn schedules() -> [Schedule; 8] {
    let cosine = Schedule::Cosine {
        steps: 6,
        floor: 0.05,
    };
    [
        Schedule::Constant,
        Schedule::InverseSqrt,
        Schedule::InverseTime { decay: 0.3 },
        Schedule::Linear {
            steps: 5,
            floor: 0.1,
        },
        Schedule::Step {
            every: 2,
            gamma: 0.5,
        },
        Schedule::Exponential { gamma: 0.8 },
        cosine.clone(),
        cosine.with_warmup(2),
    ]
}

/// Dropout, random batch sizes (so shuffling every epoch) and a penalty on,
/// early stopping watched but (with this patience) not triggered.
fn config(opt: Optimizer, schedule: Schedule, i: usize) -> TrainConfig {
    let regularizer = [
        Regularizer::L1 { lambda: 1e-3 },
        Regularizer::L2 { lambda: 1e-2 },
        Regularizer::ElasticNet {
            lambda: 1e-2,
            l1_ratio: 0.5,
        },
    ][i % 3];
    let unit = [StepUnit::Epoch, StepUnit::Update][i % 2];
    TrainConfig::default()
        .hidden([6, 5])
        .optimizer(opt)
        .learning_rate(0.02)
        .schedule(schedule)
        .schedule_unit(unit)
        .batch_size(BatchSize::Random { min: 5, max: 11 })
        .dropout(0.2)
        .regularizer(regularizer)
        .penalize_biases(i % 2 == 1)
        .patience(100)
        .epochs(7)
        .seed(i as u64)
}

fn go_on(_: &autotune::nn::EpochStats) -> Control {
    Control::Continue
}

/// The training `k` epochs into `config`, paused, written to JSON, read
/// back and resumed.
fn paused_at<'a>(config: &TrainConfig, data: &TrainData<'a>, k: usize) -> Training<'a> {
    let mut first = Training::new(config, data).unwrap();
    first.run_epochs(k, go_on).unwrap();
    let snapshot = first.snapshot().unwrap();
    let back = Snapshot::from_json(&snapshot.to_json().unwrap()).unwrap();
    assert_eq!(back, snapshot, "the JSON round trip is exact");
    assert_eq!(back.epochs_done(), k);
    Training::resume(back, config, data).unwrap()
}

/// The parameters' bit patterns.
fn bits(params: &[f32]) -> Vec<u32> {
    params.iter().map(|p| p.to_bits()).collect()
}

/// Finishes both trainings and asserts they agree bit for bit: the whole
/// state (snapshot: parameters, moments, generators, order, history,
/// early-stopping and divergence state), the live parameters, and the
/// reports (best model, history, outcome). Returns the report.
fn assert_same(mut resumed: Training<'_>, mut whole: Training<'_>, what: &str) -> TrainReport {
    resumed.run_epochs(usize::MAX, go_on).unwrap();
    whole.run_epochs(usize::MAX, go_on).unwrap();
    assert_eq!(
        bits(resumed.network().params()),
        bits(whole.network().params()),
        "{what}: live parameters"
    );
    assert_eq!(
        resumed.snapshot().unwrap(),
        whole.snapshot().unwrap(),
        "{what}: whole state"
    );
    let (r, w) = (resumed.into_report(), whole.into_report());
    assert_eq!(
        bits(r.model.params()),
        bits(w.model.params()),
        "{what}: model"
    );
    assert_eq!(r.history, w.history, "{what}: history");
    assert_eq!(r, w, "{what}: report");
    w
}

#[test]
fn pause_and_resume_equals_one_run_for_every_optimizer_and_schedule() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let mut i = 0;
    for opt in optimizers() {
        for schedule in schedules() {
            let config = config(opt, schedule.clone(), i);
            i += 1;
            let what = format!("{} with {schedule:?}", opt.name());
            let whole = Training::new(&config, &data).unwrap();
            let report = assert_same(paused_at(&config, &data, 3), whole, &what);
            assert_eq!(report.outcome, Outcome::Completed, "{what}");
            // `train` is the same code path.
            let mut again = Training::new(&config, &data).unwrap();
            again.run_epochs(usize::MAX, go_on).unwrap();
            let report = train(&config, &data, go_on).unwrap();
            assert_eq!(report.outcome, Outcome::Completed, "{what}");
            assert_eq!(report.history.len(), 7, "{what}");
            assert_eq!(again.into_report(), report, "{what}");
        }
    }
}

#[test]
fn pause_and_resume_equals_one_run_for_regression() {
    // Two outputs per row, identity head: the value-target paths (batch
    // gathering, the data fingerprint) through a pause.
    let tiny = Tiny::new();
    let values: Vec<f32> = tiny
        .x
        .chunks(4)
        .flat_map(|r| [r[0] - r[1], r[2] * 0.5])
        .collect();
    let data = TrainData::new(
        MatRef::new(&tiny.x[..48 * 4], 48, 4).unwrap(),
        Targets::Values {
            values: &values[..96],
            n_outputs: 2,
        },
    )
    .with_validation(
        MatRef::new(&tiny.x[48 * 4..], 12, 4).unwrap(),
        Targets::Values {
            values: &values[96..],
            n_outputs: 2,
        },
    );
    for (i, opt) in optimizers().into_iter().enumerate() {
        let config = config(opt, Schedule::InverseTime { decay: 0.2 }, i).learning_rate(0.005);
        let whole = Training::new(&config, &data).unwrap();
        let report = assert_same(paused_at(&config, &data, 4), whole, opt.name());
        assert_eq!(report.outcome, Outcome::Completed, "{}", opt.name());
    }
}

#[test]
fn pausing_before_the_first_epoch_and_after_every_epoch_changes_nothing() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let config = config(Optimizer::adamw(0.01), Schedule::InverseSqrt, 5);
    let whole = Training::new(&config, &data).unwrap();
    assert_same(paused_at(&config, &data, 0), whole, "paused at 0");

    let mut t = Training::new(&config, &data).unwrap();
    while t.outcome().is_none() {
        t.step_epoch().unwrap();
        let json = t.snapshot().unwrap().to_json().unwrap();
        t = Training::resume(Snapshot::from_json(&json).unwrap(), &config, &data).unwrap();
    }
    let whole = Training::new(&config, &data).unwrap();
    assert_same(t, whole, "paused after every epoch");
}

#[test]
fn early_stopping_state_survives_a_pause() {
    let tiny = Tiny::new();
    let data = tiny.data();
    // A learning rate too small to improve by min_delta: the run stops
    // `patience` epochs after its first.
    let config = config(Optimizer::Sgd, Schedule::Constant, 0)
        .learning_rate(1e-6)
        .min_delta(1.0)
        .patience(3)
        .epochs(20);
    let report = train(&config, &data, go_on).unwrap();
    assert_eq!(
        report.outcome,
        Outcome::EarlyStopped {
            epoch: 3,
            best_epoch: 0
        }
    );
    // Paused after epoch 1 (one epoch without improvement counted).
    let mut resumed = paused_at(&config, &data, 2);
    assert_eq!(
        resumed.run_epochs(100, go_on).unwrap(),
        Some(report.outcome)
    );
    assert_eq!(resumed.into_report(), report);
}

#[test]
fn a_callback_stop_ends_the_run_for_good() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let config = config(Optimizer::adam(), Schedule::Constant, 1);
    let mut t = Training::new(&config, &data).unwrap();
    let stopped = t.run_epochs(5, |e| {
        if e.epoch == 1 {
            Control::Stop
        } else {
            Control::Continue
        }
    });
    assert_eq!(stopped.unwrap(), Some(Outcome::Stopped { epoch: 1 }));
    let snapshot = t.snapshot().unwrap();
    assert_eq!(snapshot.ended(), Some(Outcome::Stopped { epoch: 1 }));
    let mut resumed = Training::resume(snapshot, &config, &data).unwrap();
    assert_eq!(
        resumed.run_epochs(5, go_on).unwrap(),
        Some(Outcome::Stopped { epoch: 1 })
    );
    assert_eq!(resumed.epochs_done(), 2);
}

#[test]
fn a_resumed_run_may_have_more_epochs_to_go() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let short = config(
        Optimizer::rmsprop(),
        Schedule::Exponential { gamma: 0.9 },
        2,
    )
    .epochs(4);
    let long = short.clone().epochs(9);
    let mut t = Training::new(&short, &data).unwrap();
    assert_eq!(t.run_epochs(10, go_on).unwrap(), Some(Outcome::Completed));
    let resumed = Training::resume(t.snapshot().unwrap(), &long, &data).unwrap();
    assert_eq!(resumed.outcome(), None, "5 of the 9 epochs to go");
    assert_same(
        resumed,
        Training::new(&long, &data).unwrap(),
        "4 + 5 epochs",
    );
}

#[test]
fn resuming_with_another_config_or_data_is_an_error() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let config = config(Optimizer::adam(), Schedule::Constant, 0);
    let mut t = Training::new(&config, &data).unwrap();
    t.run_epochs(2, go_on).unwrap();
    let snapshot = t.snapshot().unwrap();

    for other in [
        config.clone().learning_rate(0.03),
        config.clone().seed(99),
        config.clone().dropout(0.3),
        config.clone().optimizer(Optimizer::rmsprop()),
        config.clone().hidden([6, 4]),
    ] {
        let r = Training::resume(snapshot.clone(), &other, &data);
        assert!(
            matches!(
                r,
                Err(NnError::SnapshotMismatch {
                    what: "training configuration",
                    ..
                })
            ),
            "{other:?}"
        );
    }

    // Other values, fewer rows, no validation set.
    let mut x = tiny.x.clone();
    x[5] += 1.0;
    let changed = TrainData::new(
        MatRef::new(&x[..48 * 4], 48, 4).unwrap(),
        Targets::classes(&tiny.y[..48], 3),
    )
    .with_validation(data.validation.unwrap().0, data.validation.unwrap().1);
    let fewer = TrainData::new(
        MatRef::new(&tiny.x[..40 * 4], 40, 4).unwrap(),
        Targets::classes(&tiny.y[..40], 3),
    );
    let no_validation = TrainData::new(data.x_train, data.y_train);
    for other in [changed, fewer, no_validation] {
        let r = Training::resume(snapshot.clone(), &config, &other);
        assert!(
            matches!(
                r,
                Err(NnError::SnapshotMismatch {
                    what: "training data",
                    ..
                })
            ),
            "{r:?}",
            r = r.err()
        );
    }
    // And the error converts like every other.
    let e: Error = Training::resume(snapshot, &config, &fewer)
        .err()
        .unwrap()
        .into();
    assert!(
        e.to_string()
            .contains("does not belong to this training data"),
        "{e}"
    );
}

/// `snapshot`'s JSON with `edit` applied to it as a JSON value.
fn edited(snapshot: &Snapshot, edit: impl FnOnce(&mut serde_json::Value)) -> Snapshot {
    let mut v: serde_json::Value = serde_json::from_str(&snapshot.to_json().unwrap()).unwrap();
    edit(&mut v);
    Snapshot::from_json(&v.to_string()).unwrap()
}

#[test]
fn inconsistent_snapshots_are_errors_not_panics() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let config = config(Optimizer::adam(), Schedule::Constant, 0);
    let mut t = Training::new(&config, &data).unwrap();
    t.run_epochs(3, go_on).unwrap();
    let snapshot = t.snapshot().unwrap();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 9] = [
        (|v| v["format"] = 2.into(), "format version"),
        (
            |v| {
                v["params"].as_array_mut().unwrap().pop();
            },
            "parameter count",
        ),
        (
            |v| v["second_moment"] = serde_json::json!([]),
            "optimizer second moment length",
        ),
        (
            |v| v["order"][0] = v["order"][1].clone(),
            "shuffle order (not a permutation of the rows)",
        ),
        (
            |v| v["history"][1]["epoch"] = 5.into(),
            "epoch history (not epochs 0, 1, ... in order)",
        ),
        (
            |v| v["since_best"] = 7.into(),
            "early-stopping state (best epoch, epochs since)",
        ),
        (
            |v| v["since_best"] = usize::MAX.into(),
            "early-stopping state (best epoch, epochs since)",
        ),
        (
            |v| v["divergence_threshold"] = serde_json::Value::Null,
            "divergence threshold",
        ),
        (
            |v| v["ended"] = serde_json::json!({"Stopped": {"epoch": 0}}),
            "outcome (not the state's last epoch)",
        ),
    ];
    for (edit, what) in cases {
        let r = Training::resume(edited(&snapshot, edit), &config, &data);
        match r {
            Err(NnError::InvalidSnapshot { what: w }) => assert_eq!(w, what),
            other => panic!(
                "{what}: expected an invalid snapshot, got {:?}",
                other.err()
            ),
        }
    }
    assert!(matches!(
        Snapshot::from_json("{\"format\":1}"),
        Err(NnError::SnapshotJson(_))
    ));
}

/// Snapshots of four Adam trainings after 1, 2, 3 and 4 epochs: sizes that
/// differ by one epoch's stats only.
fn four_snapshots(data: &TrainData<'_>) -> Vec<Snapshot> {
    (0..4)
        .map(|i| {
            let config = config(Optimizer::adam(), Schedule::Constant, i);
            let mut t = Training::new(&config, data).unwrap();
            t.run_epochs(i + 1, go_on).unwrap();
            t.snapshot().unwrap()
        })
        .collect()
}

#[test]
fn the_store_spills_beyond_its_cap_and_reads_back_exactly() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let snapshots = four_snapshots(&data);
    let largest = snapshots.iter().map(Snapshot::size_bytes).max().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Room for two snapshots (and a half) in memory.
    let cap = 2 * largest + largest / 2;
    let mut store = SnapshotStore::new(dir.path().join("snapshots"), cap).unwrap();
    for (key, s) in snapshots.iter().enumerate() {
        store.insert(key as u64, s.clone()).unwrap();
        assert!(store.memory_bytes() <= cap);
    }
    assert_eq!(store.len(), 4);
    assert_eq!(store.keys(), [0, 1, 2, 3]);
    // The oldest went to disk, the newest stayed.
    assert!(store.is_spilled(0) && store.is_spilled(1));
    assert!(!store.is_spilled(2) && !store.is_spilled(3));
    assert!(store.spill_path(0).is_file() && !store.spill_path(3).exists());
    for (key, s) in snapshots.iter().enumerate() {
        assert_eq!(
            store.get(key as u64).unwrap().as_ref(),
            Some(s),
            "key {key}"
        );
    }
    // A store opened on the directory finds the spilled ones.
    let reopened = SnapshotStore::new(store.dir(), cap).unwrap();
    assert_eq!(reopened.keys(), [0, 1]);
    assert_eq!(reopened.get(1).unwrap().as_ref(), Some(&snapshots[1]));

    // Taking a spilled snapshot deletes its file; a loaded snapshot resumes
    // exactly like the one it was written from.
    let taken = store.take(1).unwrap().unwrap();
    assert!(!store.contains(1) && !store.spill_path(1).exists());
    assert_eq!(store.take(1).unwrap(), None);
    let config = config(Optimizer::adam(), Schedule::Constant, 1);
    assert_same(
        Training::resume(taken, &config, &data).unwrap(),
        Training::new(&config, &data).unwrap(),
        "resumed from the store",
    );
    // Replacing a spilled snapshot by one kept in memory removes its file.
    store.insert(0, snapshots[3].clone()).unwrap();
    assert!(!store.spill_path(0).exists());
    assert_eq!(store.get(0).unwrap().as_ref(), Some(&snapshots[3]));
    assert!(store.remove(0).unwrap() && !store.remove(0).unwrap());

    // A cap of 0 keeps everything on disk.
    let mut disk = SnapshotStore::new(dir.path().join("disk"), 0).unwrap();
    disk.insert(7, snapshots[2].clone()).unwrap();
    assert!(disk.is_spilled(7));
    assert_eq!(disk.memory_bytes(), 0);
    assert_eq!(disk.take(7).unwrap().as_ref(), Some(&snapshots[2]));
    assert!(disk.is_empty());
    store.spill_all().unwrap();
    assert_eq!(store.memory_bytes(), 0);
    assert!(store.is_spilled(2) && store.is_spilled(3));
}

#[test]
fn a_corrupt_or_missing_spill_file_is_an_error_naming_it() {
    let tiny = Tiny::new();
    let data = tiny.data();
    let snapshots = four_snapshots(&data);
    let dir = tempfile::tempdir().unwrap();
    let mut store = SnapshotStore::new(dir.path(), 0).unwrap();
    store.insert(1, snapshots[0].clone()).unwrap();
    store.insert(2, snapshots[1].clone()).unwrap();
    let (p1, p2) = (store.spill_path(1), store.spill_path(2));
    // Cut short, as a torn write would leave it (which the atomic rename
    // rules out for files the store wrote itself).
    let json = std::fs::read_to_string(&p1).unwrap();
    std::fs::write(&p1, &json[..json.len() / 2]).unwrap();
    match store.get(1) {
        Err(NnError::SnapshotFile { path, .. }) => assert_eq!(path, p1),
        other => panic!("expected a corrupt-file error, got {other:?}"),
    }
    match store.take(1) {
        Err(e @ NnError::SnapshotFile { .. }) => {
            assert!(e.to_string().contains(&*p1.to_string_lossy()), "{e}");
        }
        other => panic!("expected a corrupt-file error, got {other:?}"),
    }
    assert!(store.contains(1), "a failed take keeps the key");
    std::fs::remove_file(&p2).unwrap();
    match store.get(2) {
        Err(NnError::Io { path, .. }) => assert_eq!(path, p2),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn divergence_detection_state_survives_a_pause() {
    let tiny = Tiny::new();
    let data = tiny.data();
    // A warm-up to a rate too large: the loss explodes past the threshold
    // the first mini-batch fixed, in epoch 7 here (found by trying rates;
    // any epoch after the pause at 4 serves, as libm's bits may move it).
    let config = config(Optimizer::Sgd, Schedule::Constant.with_warmup(8), 0)
        .learning_rate(2.0)
        .divergence_factor(2.0)
        .epochs(30);
    let report = train(&config, &data, go_on).unwrap();
    assert!(
        matches!(report.outcome, Outcome::Diverged { epoch: 5.., .. }),
        "{:?}",
        report.outcome
    );
    let mut resumed = paused_at(&config, &data, 4);
    assert_eq!(resumed.run_epochs(30, go_on).unwrap(), Some(report.outcome));
    // A diverged run's snapshot round-trips and resumes as ended.
    let json = resumed.snapshot().unwrap().to_json().unwrap();
    let snapshot = Snapshot::from_json(&json).unwrap();
    assert_eq!(snapshot.ended(), Some(report.outcome));
    let mut again = Training::resume(snapshot, &config, &data).unwrap();
    assert_eq!(again.run_epochs(5, go_on).unwrap(), Some(report.outcome));
    assert_eq!(again.into_report(), report);
    assert_eq!(resumed.into_report(), report);
}
