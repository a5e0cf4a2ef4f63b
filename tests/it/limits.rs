//! Resources bounded and limits checked at the boundary (issue 12, points 2,
//! 3, 6 and 8): workers bounded by the machine and by the trials in flight,
//! integer search that costs the same for any range width, values beyond
//! `f32` rejected where they are read, extreme counts and ranges refused or
//! handled before the first trial.

use autotune::Error;
use autotune::acquisition::{MAX_INTEGER_REFINEMENT, Maximizer, MaximizerConfig};
use autotune::data::{
    CsvOptions, CsvTask, Dataset, IdxArray, IdxType, MAX_VALUE, Scaling, Split, Target,
};
use autotune::error::{ConfigError, CsvErrorKind, DataError, IdxErrorKind, NnError};
use autotune::nn::{MAX_EPOCHS, TrainConfig};
use autotune::rng::rng_from_seed;
use autotune::sampler::{GpSampler, GpSamplerConfig};
use autotune::space::{Domain, Scale, SearchSpace};
use autotune::study::{Mode, Study, Trial, available_cores, max_workers};
use autotune::tune::{AutotuneConfig, MAX_TRIALS, TuneSpace};
use std::cell::Cell;
use std::sync::Mutex;

// ---------------------------------------------------------------- workers

/// The rayon pool size each trial ran in, by trial number.
fn threads_seen(workers: usize, mode: Mode, n_trials: usize) -> (Vec<usize>, Study) {
    let space = SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let mut study = Study::builder(space)
        .workers(workers)
        .mode(mode)
        .build()
        .unwrap();
    let seen = Mutex::new(Vec::new());
    study
        .optimize(
            |t: &mut Trial| {
                seen.lock().unwrap().push(rayon::current_num_threads());
                Ok(t.float("x")?)
            },
            n_trials,
        )
        .unwrap();
    (seen.into_inner().unwrap(), study)
}

/// A study of 3 trials on the most workers allowed starts 3 threads, in
/// both modes (it used to start one per worker: `--workers 100000` started
/// 100,000), and warns that the workers outnumber the cores.
#[test]
fn threads_never_outnumber_the_trials_in_flight() {
    let workers = max_workers();
    assert!(workers > 3, "at least 4 workers per core");
    for mode in [Mode::Synchronous, Mode::Asynchronous] {
        let (seen, study) = threads_seen(workers, mode, 3);
        assert_eq!(seen, vec![3; 3], "{mode:?}");
        assert_eq!(study.workers(), workers);
        let w = study
            .warnings()
            .iter()
            .find(|w| w.cause == "workers")
            .expect("more workers than cores is warned about");
        assert!(
            w.message.contains(&format!("{workers} workers")),
            "{}",
            w.message
        );
    }
    // As many cores as workers: no warning; 1 worker runs on 1 thread.
    let (seen, study) = threads_seen(1, Mode::Synchronous, 2);
    assert_eq!(seen, vec![1; 2]);
    assert!(study.warnings().iter().all(|w| w.cause != "workers"));
}

/// The batch is still `workers` trials (the reproducibility promise): the
/// same seed and worker count give the same study whether or not the
/// trials of the last batch fill every worker.
#[test]
fn capped_threads_keep_the_batches() {
    let run = |n| {
        let space = SearchSpace::builder()
            .float("x", 0.0..=1.0, Scale::Linear)
            .build()
            .unwrap();
        let mut study = Study::builder(space)
            .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(2)).unwrap())
            .workers(4)
            .seed(3)
            .build()
            .unwrap();
        study
            .optimize(|t: &mut Trial| Ok((t.float("x")? - 0.3).powi(2)), n)
            .unwrap();
        let trials = study.history().trials();
        trials
            .iter()
            .map(|t| (t.params.clone(), t.state.clone()))
            .collect::<Vec<_>>()
    };
    let (six, ten) = (run(6), run(10));
    assert_eq!(
        six[..],
        ten[..6],
        "a short last batch changes nothing before it"
    );
}

#[test]
fn too_many_workers_are_refused_with_the_core_count() {
    let space = SearchSpace::builder()
        .float("x", 0.0..=1.0, Scale::Linear)
        .build()
        .unwrap();
    let cores = available_cores();
    for workers in [max_workers() + 1, 100_000] {
        let e = Study::builder(space.clone())
            .workers(workers)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Config(ConfigError::Invalid { name: "workers", reason })
                if reason.contains(&format!("{cores} core"))),
            "{e}"
        );
        let e = AutotuneConfig::default()
            .workers(workers)
            .check()
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config(ConfigError::Invalid {
                    name: "workers",
                    ..
                })
            ),
            "{e}"
        );
    }
    assert!(
        AutotuneConfig::default()
            .workers(max_workers())
            .check()
            .is_ok()
    );
}

// ---------------------------------------------------------------- integers

/// Counts the objective's evaluations in one maximisation over an
/// integer-only space (a bowl around a quarter of the range).
fn evaluations(low: i64, high: i64, scale: Scale) -> usize {
    let space = SearchSpace::builder()
        .int("n", low..=high, scale)
        .build()
        .unwrap();
    let calls = Cell::new(0_usize);
    let objective = |x: &[f64]| {
        calls.set(calls.get() + 1);
        (-(x[0] - 0.25).powi(2), vec![0.0])
    };
    let m = Maximizer::new(&space, MaximizerConfig::default()).unwrap();
    let best = m
        .maximize(&objective, &[], &[], None, &mut rng_from_seed(1))
        .unwrap();
    let n = best.params.int("n").unwrap();
    assert!((low..=high).contains(&n));
    calls.get()
}

/// One maximisation costs at most the same number of evaluations whatever
/// the integer range: the raw candidates, and per local search its start and
/// one integer search (an integer-only space ends after the block that
/// improved is reached again), plus the check of the result. The old search
/// listed every integer (2.35 GB for 10^8 of them) and panicked with
/// "capacity overflow" for `i64::MIN..=i64::MAX` and `1..=i64::MAX` (log).
#[test]
fn integer_search_costs_the_same_for_any_width() {
    let c = MaximizerConfig::default();
    let bound =
        c.n_candidates + c.n_local_searches * (1 + c.max_exhaustive + MAX_INTEGER_REFINEMENT) + 1;
    let small = evaluations(1, 10, Scale::Linear);
    // Ten values: searched exhaustively, ten evaluations per search.
    assert!(
        small <= c.n_candidates + c.n_local_searches * 11 + 1,
        "{small}"
    );
    for (low, high, scale) in [
        (1, 100_000_000, Scale::Linear),
        (1, 1_000_000_000_000_000_000, Scale::Linear),
        (i64::MIN, i64::MAX, Scale::Linear),
        (1, i64::MAX, Scale::Log),
        (8, 1 << 40, Scale::Log),
    ] {
        let n = evaluations(low, high, scale);
        assert!(
            n <= bound,
            "{low}..={high} {scale:?}: {n} evaluations, bound {bound}"
        );
    }
}

/// The objective of the GP studies below: smooth in each parameter's
/// encoded scale, so that the sampler has something to model.
fn bowl(t: &mut Trial) -> autotune::study::ObjectiveResult {
    let mut v = 0.0;
    for (name, value) in t.params().iter() {
        v += match name {
            "big" => ((value.as_f64().unwrap() - 31_415_926.0) / 1e8).powi(2),
            "all" => (value.as_f64().unwrap() / 9.3e18).powi(2),
            "log" => (value.as_f64().unwrap().ln() / 44.0 - 0.5).powi(2),
            "wide" => (value.as_f64().unwrap() / 1e308).powi(2),
            _ => 0.0,
        };
    }
    Ok(v)
}

fn gp_study(space: SearchSpace, n: usize) -> Study {
    let mut study = Study::builder(space)
        .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(5)).unwrap())
        .seed(11)
        .build()
        .unwrap();
    study.optimize(bowl, n).unwrap();
    study
}

/// 20 GP trials on `int(1..=100_000_000)`: every trial completes, on
/// distinct values (the old search took a minute and 2.35 GB for this).
#[test]
fn gp_study_on_a_range_of_a_hundred_million_integers() {
    let space = SearchSpace::builder()
        .int("big", 1..=100_000_000, Scale::Linear)
        .build()
        .unwrap();
    let study = gp_study(space, 20);
    let values: Vec<i64> = study
        .history()
        .trials()
        .iter()
        .map(|t| t.params.int("big").unwrap())
        .collect();
    assert_eq!(study.counts().complete, 20);
    assert!(values.iter().all(|v| (1..=100_000_000).contains(v)));
    let mut distinct = values.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "{values:?}");
}

/// The widest ranges the builder accepts are sampled and suggested without
/// panic, inside their bounds, and spread over them: a linear float range
/// `-1e308..=1e308` used to suggest exactly 1e308 every time.
#[test]
fn extreme_ranges_are_suggested_and_spread() {
    let space = SearchSpace::builder()
        .int("all", i64::MIN..=i64::MAX, Scale::Linear)
        .int("log", 1..=i64::MAX, Scale::Log)
        .float("wide", -1e308..=1e308, Scale::Linear)
        .build()
        .unwrap();
    let study = gp_study(space, 12);
    assert_eq!(study.counts().complete, 12);
    let wide: Vec<f64> = study
        .history()
        .trials()
        .iter()
        .map(|t| t.params.float("wide").unwrap())
        .collect();
    assert!(wide.iter().all(|v| v.is_finite() && v.abs() <= 1e308));
    assert!(wide.iter().any(|&v| v < -1e307), "{wide:?}");
    assert!(wide.iter().any(|&v| v > 1e307), "{wide:?}");
    let all: Vec<i64> = study
        .history()
        .trials()
        .iter()
        .map(|t| t.params.int("all").unwrap())
        .collect();
    assert!(
        all.iter().any(|&v| v < -(1 << 61)) && all.iter().any(|&v| v > 1 << 61),
        "{all:?}"
    );
}

// ---------------------------------------------------------------- values beyond f32

fn csv_error(text: &str, opts: &CsvOptions) -> (usize, usize, CsvErrorKind, String) {
    match Dataset::from_csv_str(text, opts) {
        Err(e @ Error::Data(DataError::Csv { .. })) => {
            let message = e.to_string();
            let Error::Data(DataError::Csv {
                line, column, kind, ..
            }) = e
            else {
                unreachable!("matched above")
            };
            (line, column, kind, message)
        }
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

/// A feature or regression-target cell beyond `f32::MAX` is an error at its
/// line and column, counting from 1 (a cell of 1e308 used to load, run the
/// whole study and fail at the end with "features holds a non-finite value
/// at index 16").
#[test]
fn csv_values_beyond_f32_are_rejected_where_they_stand() {
    let text = "a,b,y\n1,2,0\n3,1e308,1\n4,5,0\n";
    let (line, column, kind, message) = csv_error(text, &CsvOptions::default());
    assert_eq!((line, column), (3, 2));
    assert_eq!(
        kind,
        CsvErrorKind::OutOfRange {
            value: "1e308".into()
        }
    );
    assert!(
        message.starts_with("<string>:3:2: number `1e308` is beyond ±3.4028234663852886e38"),
        "{message}"
    );
    let regression = CsvOptions::default().task(CsvTask::Regression);
    let (line, column, kind, _) = csv_error("a,y\n1,2.5\n2,-4e38\n", &regression);
    assert_eq!((line, column), (3, 2));
    assert_eq!(
        kind,
        CsvErrorKind::OutOfRange {
            value: "-4e38".into()
        }
    );
    // f32::MAX itself is a value the networks can hold.
    let edge = format!("a,y\n{MAX_VALUE},1.5\n-{MAX_VALUE},2.5\n");
    let data = Dataset::from_csv_str(&edge, &regression).unwrap();
    assert_eq!(data.features(), [MAX_VALUE, -MAX_VALUE]);
    // A class label is a name, not a number the networks see.
    let labels = Dataset::from_csv_str(
        "a,y\n1,1e300\n2,-1e300\n",
        &CsvOptions::default().task(CsvTask::Classification),
    );
    assert_eq!(labels.unwrap().target().class_names().unwrap().len(), 2);
}

#[test]
fn datasets_and_idx_files_beyond_f32_are_rejected_with_their_position() {
    let e = Dataset::new(
        "t",
        vec![1.0, 2.0, 3.0, 4e38],
        2,
        Target::Real(vec![0.0, 1.0]),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Data(DataError::OutOfRange { row: 1, column: Some(1), value }) if value == 4e38),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("row 2 (counting from 1), column 2: 4e38 is beyond"),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (img, lab) = (dir.path().join("img-idx3"), dir.path().join("lab-idx1"));
    let mut pixels = vec![0.5; 12];
    pixels[7] = -1e300;
    IdxArray::new(vec![3, 2, 2], pixels, IdxType::F64)
        .unwrap()
        .write_path(&img, false)
        .unwrap();
    IdxArray::new(vec![3], vec![0.0, 1.0, 0.0], IdxType::U8)
        .unwrap()
        .write_path(&lab, false)
        .unwrap();
    let e = Dataset::from_idx_paths(&img, &lab).unwrap_err();
    match &e {
        Error::Data(DataError::Idx {
            path,
            kind:
                IdxErrorKind::OutOfRange {
                    image,
                    position,
                    value,
                },
        }) => {
            assert_eq!(path, &img.display().to_string());
            assert_eq!((*image, *position, value.as_str()), (1, 3, "-1e300"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .contains("image 2 value 4 (counting from 1) is -1e300"),
        "{e}"
    );
}

/// A validation value that the training part's statistics scale beyond
/// `f32` is a data error naming it, not an infinity the network finds later.
#[test]
fn scaling_beyond_f32_is_an_error() {
    let part = |x: Vec<f64>| {
        let n = x.len();
        Dataset::new("t", x, 1, Target::Real(vec![0.0; n])).unwrap()
    };
    // Training rows 0 and 1e-30: sd 5e-31, so a validation value of 1e9
    // standardises to about 2e39.
    let split = Split {
        train: part(vec![0.0, 1e-30]),
        validation: part(vec![0.5, 1e9]),
        test: part(vec![0.0]),
    };
    let e = split.scaled(Scaling::Standardize).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Data(DataError::ScaledOutOfRange {
                row: 1,
                column: Some(0),
                ..
            })
        ),
        "{e}"
    );
}

/// A regression target that the training part's statistics standardise
/// beyond `f32` stops `autotune` before any trial (it used to fail every
/// trial with "targets holds a non-finite value").
#[test]
fn a_target_scaled_beyond_f32_stops_autotune_before_any_trial() {
    let part = |y: Vec<f64>| {
        let x = (0..y.len()).map(|i| i as f64).collect();
        Dataset::new("t", x, 1, Target::Real(y)).unwrap()
    };
    let split = Split {
        train: part(vec![0.0, 1e-30, 0.0, 1e-30, 0.0, 1e-30]),
        validation: part(vec![0.5, 1e9, 0.25]),
        test: part(vec![]),
    };
    let config = AutotuneConfig::default()
        .n_trials(2)
        .space(TuneSpace::default().epochs(Domain::fixed(1)));
    let e = autotune::tune::autotune(&split, &config).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Data(DataError::ScaledOutOfRange {
                row: 1,
                column: None,
                ..
            })
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("row 2 (counting from 1), the target: "),
        "{e}"
    );
}

// ---------------------------------------------------------------- extreme arguments

#[test]
fn epochs_and_trials_have_documented_maxima() {
    assert!(TrainConfig::default().epochs(MAX_EPOCHS).check().is_ok());
    for epochs in [MAX_EPOCHS + 1, usize::MAX] {
        let e = TrainConfig::default().epochs(epochs).check().unwrap_err();
        assert!(
            matches!(e, NnError::TooManyEpochs { epochs: got, max: MAX_EPOCHS } if got == epochs),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!("epochs must be at most 1000000, got {epochs}")
        );
    }
    let too_many = i64::try_from(MAX_EPOCHS).unwrap() + 1;
    for epochs in [
        Domain::fixed(i64::MAX),
        Domain::int(1, too_many, Scale::Log),
    ] {
        let space = TuneSpace::default().epochs(epochs.clone());
        assert!(
            matches!(
                space.check(),
                Err(Error::Config(ConfigError::Invalid { name: "epochs", .. }))
            ),
            "{epochs:?}"
        );
    }
    assert!(
        TuneSpace::default()
            .epochs(Domain::fixed(1_000_000))
            .check()
            .is_ok()
    );
    assert!(
        AutotuneConfig::default()
            .n_trials(MAX_TRIALS)
            .check()
            .is_ok()
    );
    let e = AutotuneConfig::default()
        .n_trials(1_000_000_000_000)
        .check()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(ConfigError::Invalid { name: "n_trials", reason })
            if reason == "at most 1000000 trials, got 1000000000000"),
        "{e}"
    );
}

#[cfg(feature = "cli")]
mod cli {
    use super::MAX_VALUE;
    use crate::helpers::{autotune, s, stderr};

    /// Exit code 2 with `expected` on stderr, no panic, nothing written.
    fn refused(args: &[&str], expected: &str, out: &std::path::Path) {
        let o = autotune(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected `{expected}` in {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            !out.join("journal.jsonl").exists(),
            "{args:?}: a journal was written"
        );
    }

    /// `--epochs 2^64-1` used to panic inside every trial, `--trials 10^12`
    /// to start with an ETA of ten million hours, `--workers 100000` to
    /// start 100,000 threads: each is refused before anything runs.
    #[test]
    fn extreme_counts_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o");
        let o = s(&out);
        for (flag, value, expected) in [
            ("--epochs", "18446744073709551615", "at most 1000000 epochs"),
            ("--trials", "1000000000000", "at most 1000000 trials"),
            ("--workers", "100000", "per core; this machine has"),
        ] {
            let args = ["tune", "--data", "iris", "--out", o, flag, value];
            refused(&args, expected, &out);
            refused(&args, flag, &out);
        }
    }

    /// A CSV cell beyond `f32` stops the command before the first trial,
    /// with the file, line and column (it used to fail after the whole
    /// study with exit 1 and no position).
    #[test]
    fn a_csv_cell_beyond_f32_is_refused_before_any_trial() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("big.csv");
        let mut text = String::from("a,b,y\n");
        for i in 0..40 {
            let a = if i == 16 {
                "1e308".to_owned()
            } else {
                format!("{i}")
            };
            text.push_str(&format!("{a},{},{}\n", i % 7, i % 2));
        }
        std::fs::write(&csv, text).unwrap();
        let out = dir.path().join("o");
        let expected = format!(
            "{}:18:1: number `1e308` is beyond ±{MAX_VALUE:e}",
            csv.display()
        );
        refused(
            &[
                "tune",
                "--data",
                s(&csv),
                "--out",
                s(&out),
                "--trials",
                "2",
                "--epochs",
                "2",
            ],
            &expected,
            &out,
        );
    }
}
