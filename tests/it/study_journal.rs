//! The journal: round trip, exact resume, torn and malformed lines, headers.

use crate::helpers::strip;
use autotune::Error;
use autotune::error::StudyError;
use autotune::history::TrialRecord;
use autotune::pruner::MedianPruner;
use autotune::sampler::{GpSampler, GpSamplerConfig};
use autotune::space::{Scale, SearchSpace};
use autotune::study::{ObjectiveResult, Study, StudyBuilder, Trial, read_journal};
use std::fs;
use std::io::Write;
use std::path::Path;

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("lr", 1e-5..=1.0, Scale::Log)
        .int("batch", 8..=256, Scale::Log)
        .categorical("init", ["xavier", "he", "lecun"])
        .build()
        .unwrap()
}

fn builder(seed: u64) -> StudyBuilder {
    Study::builder(space())
        .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(4)).unwrap())
        .pruner(MedianPruner::default().n_startup_trials(2))
        .seed(seed)
        .workers(2)
}

/// Deterministic, with curves (so some trials are pruned) and failures.
fn objective(trial: &mut Trial) -> ObjectiveResult {
    let lr = trial.float("lr")?;
    let batch = trial.int("batch")? as f64;
    if trial.categorical("init") == Ok("lecun") && lr > 0.1 {
        return Err("lecun with a large learning rate".into());
    }
    let base = (lr.log10() + 2.5).powi(2) + (batch.log2() - 5.0).abs() * 0.1;
    for step in 0..4 {
        trial.report(step, base + 1.0 / (step + 1) as f64);
        if trial.should_prune() {
            return Ok(0.0);
        }
    }
    Ok(base + (trial.seed() % 97) as f64 * 1e-9)
}

fn uninterrupted(seed: u64, n: usize) -> Vec<TrialRecord> {
    let mut study = builder(seed).build().unwrap();
    study.optimize(objective, n).unwrap();
    strip(study.history().trials())
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn journal_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut study = builder(3).journal(&path).build().unwrap();
    study.optimize(objective, 7).unwrap();
    let contents = read_journal(&path).unwrap();
    assert_eq!(contents.header.seed, 3);
    assert_eq!(contents.header.workers, 2);
    assert_eq!(contents.header.space, space());
    assert_eq!(contents.header.pruner.name, "median");
    assert_eq!(
        contents.header.pruner.settings,
        serde_json::to_value(MedianPruner::default().n_startup_trials(2)).unwrap()
    );
    // Everything, wall times included, reads back bit for bit.
    assert_eq!(contents.trials, study.history().trials());
    assert!(contents.unfinished.is_empty());
    assert!(contents.warnings.is_empty());
    assert_eq!(contents.last_number, Some(6));
    // Header, 4 batches asked, 7 trials.
    assert_eq!(lines(&path).len(), 1 + 4 + 7);
    drop(study);
    let resumed = builder(3).journal(&path).resume(true).build().unwrap();
    assert_eq!(resumed.history().trials(), contents.trials.as_slice());
}

#[test]
fn resume_at_a_batch_boundary_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut first = builder(9).journal(&path).build().unwrap();
    first.optimize(objective, 6).unwrap();
    drop(first);
    let mut second = builder(9).journal(&path).resume(true).build().unwrap();
    assert_eq!(second.history().len(), 6);
    second.optimize(objective, 6).unwrap();
    assert_eq!(strip(second.history().trials()), uninterrupted(9, 12));
}

#[test]
fn trials_running_when_interrupted_are_rerun_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut study = builder(4).journal(&path).build().unwrap();
    study.optimize(objective, 8).unwrap();
    drop(study);
    // Simulate a kill during the last batch (trials 6 and 7): trial 6's line
    // never reached the disk, trial 7's did.
    let kept: Vec<String> = lines(&path)
        .into_iter()
        .filter(|l| !l.starts_with(r#"{"trial":{"number":6,"#))
        .collect();
    assert_eq!(kept.len(), 1 + 4 + 7);
    fs::write(&path, kept.join("\n") + "\n").unwrap();
    let mut resumed = builder(4).journal(&path).resume(true).build().unwrap();
    assert_eq!(read_journal(&path).unwrap().unfinished.len(), 1);
    assert_eq!(resumed.history().len(), 7);
    let left = 12 - resumed.history().len();
    let counts = resumed.optimize(objective, left).unwrap();
    assert_eq!(counts.total(), 5);
    let reference = uninterrupted(4, 12);
    assert_eq!(strip(resumed.history().trials()), reference);
    // The comparison covers pruned trials too.
    let pruned = reference
        .iter()
        .filter(|t| t.state.name() == "pruned")
        .count();
    assert!(pruned > 0 && pruned < 12, "{pruned}");
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_and_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut study = builder(5).journal(&path).build().unwrap();
    study.optimize(objective, 4).unwrap();
    let before = strip(study.history().trials());
    drop(study);
    let n_lines = lines(&path).len();
    let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(br#"{"trial":{"number":4,"params":{"lr":0.0"#)
        .unwrap();
    drop(f);
    let contents = read_journal(&path).unwrap();
    assert_eq!(contents.warnings.len(), 1);
    assert!(
        contents.warnings[0].contains(&format!("line {}", n_lines + 1)),
        "{}",
        contents.warnings[0]
    );
    let mut resumed = builder(5).journal(&path).resume(true).build().unwrap();
    assert_eq!(resumed.warnings().len(), 1);
    assert_eq!(strip(resumed.history().trials()), before);
    resumed.optimize(objective, 2).unwrap();
    // The torn bytes were cut off before appending: the journal is clean again.
    let after = read_journal(&path).unwrap();
    assert!(after.warnings.is_empty());
    assert_eq!(after.trials.len(), 6);
    assert_eq!(strip(resumed.history().trials()), uninterrupted(5, 6));
}

#[test]
fn a_malformed_middle_line_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut study = builder(6).journal(&path).build().unwrap();
    study.optimize(objective, 4).unwrap();
    drop(study);
    let mut ls = lines(&path);
    ls[2] = ls[2].replace("\"number\"", "\"numb");
    fs::write(&path, ls.join("\n") + "\n").unwrap();
    assert!(matches!(
        read_journal(&path),
        Err(StudyError::Journal { line: 3, .. })
    ));
    assert!(matches!(
        builder(6).journal(&path).resume(true).build(),
        Err(Error::Study(StudyError::Journal { line: 3, .. }))
    ));
    // A trial recorded twice is malformed too.
    let mut ls = lines(&path);
    ls[2] = ls[3].clone();
    fs::write(&path, ls.join("\n") + "\n").unwrap();
    let err = read_journal(&path).unwrap_err();
    assert!(matches!(err, StudyError::Journal { line: 4, .. }), "{err}");
}

#[test]
fn a_journal_of_another_study_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    builder(7)
        .journal(&path)
        .build()
        .unwrap()
        .optimize(objective, 2)
        .unwrap();
    let err = builder(8).journal(&path).resume(true).build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::HeaderMismatch { field: "seed", journal, study, .. })
                if journal == "7" && study == "8"
        ),
        "{err}"
    );
    let err = builder(7)
        .workers(1)
        .journal(&path)
        .resume(true)
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Study(StudyError::HeaderMismatch {
            field: "workers",
            ..
        })
    ));
    let other_space = SearchSpace::builder()
        .float("lr", 1e-4..=1.0, Scale::Log)
        .build()
        .unwrap();
    let err = Study::builder(other_space)
        .journal(&path)
        .resume(true)
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Study(StudyError::HeaderMismatch { field: "space", .. })
    ));
    // The same sampler type with other settings breaks exact resume: refused,
    // naming both settings.
    let err = builder(7)
        .sampler(GpSampler::new(GpSamplerConfig::default().n_startup_trials(5)).unwrap())
        .journal(&path)
        .resume(true)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::HeaderMismatch { field: "sampler", journal, study, .. })
                if journal.contains(r#""n_startup_trials":4"#)
                    && study.contains(r#""n_startup_trials":5"#)
        ),
        "{err}"
    );
    // Likewise another pruner setting.
    let err = builder(7)
        .pruner(MedianPruner::default().n_startup_trials(3))
        .journal(&path)
        .resume(true)
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Study(StudyError::HeaderMismatch {
            field: "pruner",
            ..
        })
    ));
    // Without `resume`, an existing journal is never overwritten.
    assert!(matches!(
        builder(7).journal(&path).build(),
        Err(Error::Study(StudyError::JournalExists { .. }))
    ));
    assert_eq!(read_journal(&path).unwrap().trials.len(), 2);
}

#[test]
fn resuming_a_missing_journal_starts_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let mut study = builder(1).journal(&path).resume(true).build().unwrap();
    assert!(study.history().is_empty());
    study.optimize(objective, 2).unwrap();
    assert_eq!(read_journal(&path).unwrap().trials.len(), 2);
}

#[test]
fn two_studies_on_one_journal_in_one_process_the_second_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    let mut first = builder(3).journal(&path).build().unwrap();
    first.optimize(objective, 2).unwrap();
    // Resuming it, or starting it anew, while the first study is alive.
    for second in [
        builder(3).journal(&path).resume(true).build(),
        builder(3).journal(&path).build(),
    ] {
        let err = second.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Study(StudyError::Locked { path: lock, pid: Some(pid), .. })
                    if lock.ends_with("study.jsonl.lock") && *pid == std::process::id()
            ),
            "{err}"
        );
    }
    // The first goes on writing; the journal is whole.
    first.optimize(objective, 2).unwrap();
    drop(first);
    assert_eq!(read_journal(&path).unwrap().trials.len(), 4);
    let resumed = builder(3).journal(&path).resume(true).build().unwrap();
    assert_eq!(resumed.history().len(), 4);
}

#[test]
fn resuming_on_other_data_is_refused_saying_what_changed() {
    use autotune::data::{Builtin, Dataset, SplitFractions};
    use autotune::space::Domain;
    use autotune::study::DataFingerprint;
    use autotune::tune::{AutotuneConfig, TuneSpace, autotune};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tune.jsonl");
    let iris = Dataset::builtin(Builtin::Iris).unwrap();
    let fractions = SplitFractions::default();
    let config = AutotuneConfig::default()
        .n_trials(2)
        .workers(1)
        .space(TuneSpace::default().epochs(Domain::fixed(2)))
        .journal(&path);
    let split = iris.split(fractions, 1).unwrap();
    autotune(&split, &config).unwrap();
    let recorded = read_journal(&path).unwrap().header.data;
    assert_eq!(recorded, Some(DataFingerprint::of_split(&split)));
    let resume = config.clone().n_trials(3).resume(true);

    // The same data split with another seed.
    let err = autotune(&iris.split(fractions, 2).unwrap(), &resume).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::DataMismatch { changes, .. })
                if changes == &["split: the same data dealt differently (another split seed or other fractions)"]
        ),
        "{err}"
    );
    // Fewer rows: 140 of the 150.
    let fewer = iris.subset(&(0..140).collect::<Vec<_>>()).unwrap();
    let err = autotune(&fewer.split(fractions, 1).unwrap(), &resume).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::DataMismatch { changes, .. })
                if changes == &["rows: 150 in the journal, 140 now"]
        ),
        "{err}"
    );
    // Another data set: shape and classes named.
    let wine = Dataset::builtin(Builtin::Wine).unwrap();
    let err = autotune(&wine.split(fractions, 1).unwrap(), &resume).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("rows: 150 in the journal, 178 now; columns: 4 in the journal, 13 now"),
        "{text}"
    );
    assert_eq!(
        read_journal(&path).unwrap().trials.len(),
        2,
        "nothing written"
    );
    // The data it was started on resumes.
    assert_eq!(autotune(&split, &resume).unwrap().trials.len(), 3);

    // A study given a fingerprint: resuming it without one, or with
    // another, is refused; the same one resumes.
    let path = dir.path().join("study.jsonl");
    let then = DataFingerprint::of_dataset(&iris);
    builder(1)
        .journal(&path)
        .fingerprint(then.clone())
        .build()
        .unwrap()
        .optimize(objective, 1)
        .unwrap();
    assert!(matches!(
        builder(1).journal(&path).resume(true).build(),
        Err(Error::Study(StudyError::DataMismatch { .. }))
    ));
    let err = builder(1)
        .journal(&path)
        .resume(true)
        .fingerprint(DataFingerprint::of_dataset(&fewer))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("rows: 150 in the journal, 140 now"),
        "{err}"
    );
    let study = builder(1)
        .journal(&path)
        .resume(true)
        .fingerprint(then)
        .build()
        .unwrap();
    assert_eq!(study.history().len(), 1);
}

#[test]
fn a_journal_without_a_fingerprint_resumes_with_a_warning() {
    use autotune::data::{Builtin, Dataset};
    use autotune::study::DataFingerprint;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.jsonl");
    builder(1)
        .journal(&path)
        .build()
        .unwrap()
        .optimize(objective, 1)
        .unwrap();
    let iris = Dataset::builtin(Builtin::Iris).unwrap();
    let study = builder(1)
        .journal(&path)
        .resume(true)
        .fingerprint(DataFingerprint::of_dataset(&iris))
        .build()
        .unwrap();
    assert_eq!(study.history().len(), 1);
    assert_eq!(study.warnings().len(), 1);
    assert!(
        study.warnings()[0]
            .message
            .contains("records no fingerprint"),
        "{:?}",
        study.warnings()
    );
}
