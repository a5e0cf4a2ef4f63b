//! The journal's unit tests: format round trips, torn and malformed lines.

use super::*;
use crate::error::StudyError;
use crate::history::TrialState;
use crate::space::Scale;
use crate::strategy::Strategy;
use proptest::prelude::*;
use std::path::Path;

fn header() -> JournalHeader {
    JournalHeader {
        format: JOURNAL_FORMAT.into(),
        version: JOURNAL_VERSION,
        space: SearchSpace::builder()
            .float("x", 0.0..=1.0, Scale::Linear)
            .build()
            .unwrap(),
        direction: Direction::Minimize,
        seed: 1,
        workers: 1,
        mode: Mode::Synchronous,
        sampler: Strategy::named("S"),
        pruner: Strategy::new("P", &[1.5]),
        data: None,
        schedule: None,
    }
}

fn record(number: usize, x: f64) -> TrialRecord {
    TrialRecord {
        number,
        params: Params::new().with("x", x),
        state: TrialState::Complete { value: x },
        intermediate: vec![(0, x)],
        scored_step: None,
        duration_secs: x,
    }
}

/// A journal line as written (with its checksum, without the newline).
fn json(line: &Line) -> String {
    super::write::encode(Path::new("j.jsonl"), line).unwrap()
}

proptest! {
    /// Exact resume needs every float to read back bit for bit.
    #[test]
    fn floats_round_trip_exactly(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let line = Line::Trial(TrialRecord {
            intermediate: vec![(3, v), (4, -v)],
            state: TrialState::Pruned { step: 4, value: Some(v) },
            ..record(2, 0.5)
        });
        let back: Line = serde_json::from_str(&serde_json::to_string(&line).unwrap()).unwrap();
        prop_assert_eq!(back, line);
    }
}

#[test]
fn a_valid_last_line_without_newline_is_kept_and_completed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let text = format!(
        "{}\n{}",
        json(&Line::Header(Box::new(header()))),
        json(&Line::Trial(record(0, 0.25)))
    );
    std::fs::write(&path, text).unwrap();
    let (mut j, contents, warnings) = Journal::resume(&path, &header()).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(contents.unwrap().trials, vec![record(0, 0.25)]);
    j.append(&Line::Trial(record(1, 0.5))).unwrap();
    let back = read_journal(&path).unwrap();
    assert_eq!(back.trials, vec![record(0, 0.25), record(1, 0.5)]);
    assert_eq!(back.last_number, Some(1));
}

#[test]
fn a_torn_header_starts_a_new_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let h = json(&Line::Header(Box::new(header())));
    std::fs::write(&path, &h[..h.len() / 2]).unwrap();
    let (_, contents, warnings) = Journal::resume(&path, &header()).unwrap();
    assert!(contents.is_none());
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("line 1"), "{}", warnings[0]);
    assert_eq!(read_journal(&path).unwrap().header, header());
}

#[test]
fn structural_errors_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let h = json(&Line::Header(Box::new(header())));
    let t = json(&Line::Trial(record(0, 0.25)));
    let check = |text: String, line: usize, what: &str| {
        std::fs::write(&path, text).unwrap();
        match read_journal(&path) {
            Err(StudyError::Journal {
                line: l, reason, ..
            }) => {
                assert_eq!(l, line, "{reason}");
                assert!(reason.contains(what), "{reason}");
            }
            other => panic!("expected a journal error, got {other:?}"),
        }
    };
    check(format!("{t}\n{h}\n"), 1, "header");
    check(format!("{h}\n{t}\n{h}\n{t}\n"), 3, "second header");
    let mut newer = header();
    newer.version = JOURNAL_VERSION + 1;
    check(
        format!("{}\n", json(&Line::Header(Box::new(newer)))),
        1,
        "newer",
    );
    let mut other = header();
    other.format = "something-else".into();
    check(
        format!("{}\n", json(&Line::Header(Box::new(other)))),
        1,
        "not an",
    );
    let outside = json(&Line::Trial(record(0, 2.0)));
    check(format!("{h}\n{outside}\n{t}\n"), 2, "outside its domain");
    // Blank lines are ignored but counted.
    check(format!("{h}\n\n{t}\n{t}\n"), 4, "twice");
    std::fs::write(&path, "").unwrap();
    assert!(matches!(
        read_journal(&path),
        Err(StudyError::Journal { line: 1, .. })
    ));
}

#[test]
fn a_version_1_header_reads_with_type_names_as_strategies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.jsonl");
    let mut v1: serde_json::Value = serde_json::to_value(Line::Header(Box::new(header()))).unwrap();
    v1["header"]["version"] = 1.into();
    v1["header"]["sampler"] = "GpSampler".into();
    v1["header"]["pruner"] = "MedianPruner".into();
    // Version 1 lines carry no checksum.
    let trial = serde_json::to_string(&Line::Trial(record(0, 0.25))).unwrap();
    std::fs::write(&path, format!("{v1}\n{trial}\n")).unwrap();
    let back = read_journal(&path).unwrap().header;
    assert_eq!(back.version, 1);
    assert_eq!(back.sampler, Strategy::named("GpSampler"));
    assert_eq!(back.pruner, Strategy::named("MedianPruner"));
    // Resuming it with this version's strategies is refused, naming the sampler.
    assert!(matches!(
        Journal::resume(&path, &header()),
        Err(StudyError::HeaderMismatch {
            field: "sampler",
            ..
        })
    ));
}

/// The journal error of reading `text`: its line and reason.
fn journal_error(path: &Path, text: &str) -> (usize, String) {
    std::fs::write(path, text).unwrap();
    match read_journal(path) {
        Err(StudyError::Journal { line, reason, .. }) => (line, reason),
        other => panic!("expected a journal error, got {other:?}"),
    }
}

#[test]
fn a_corrupted_last_line_that_ends_in_a_newline_is_an_error_not_a_torn_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let h = json(&Line::Header(Box::new(header())));
    let t0 = json(&Line::Trial(record(0, 0.25)));
    let t1 = json(&Line::Trial(record(1, 0.5)));
    let cut = &t1[..t1.len() / 2];
    // Unterminated: a torn write, skipped.
    std::fs::write(&path, format!("{h}\n{t0}\n{cut}")).unwrap();
    let c = read_journal(&path).unwrap();
    assert_eq!(c.trials, vec![record(0, 0.25)]);
    assert!(c.warnings[0].contains("line 3"), "{:?}", c.warnings);
    // The same bytes followed by a newline: an error naming the line, also
    // when resuming (nothing is cut off).
    let text = format!("{h}\n{t0}\n{cut}\n");
    let (line, reason) = journal_error(&path, &text);
    assert_eq!(line, 3, "{reason}");
    assert!(matches!(
        Journal::resume(&path, &header()),
        Err(StudyError::Journal { line: 3, .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_changed_digit_is_caught_by_the_checksum_on_any_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let h = json(&Line::Header(Box::new(header())));
    let t0 = json(&Line::Trial(record(0, 0.25)));
    let t1 = json(&Line::Trial(record(1, 0.5)));
    // 0.25 -> 0.35 still parses, and is inside the domain: only the checksum tells.
    let changed = t0.replacen("0.25", "0.35", 1);
    assert!(serde_json::from_str::<serde_json::Value>(&changed).is_ok());
    for (text, line) in [
        (format!("{h}\n{changed}\n{t1}\n"), 2),
        (format!("{h}\n{t1}\n{changed}\n"), 3),
        (format!("{}\n{t0}\n", h.replacen("1.5", "2.5", 1)), 1),
    ] {
        let (l, reason) = journal_error(&path, &text);
        assert_eq!(l, line, "{reason}");
        assert!(reason.contains("checksum mismatch"), "{reason}");
    }
    // A version-3 line without its checksum is refused too.
    let bare = serde_json::to_string(&Line::Trial(record(1, 0.5))).unwrap();
    let (l, reason) = journal_error(&path, &format!("{h}\n{t0}\n{bare}\n"));
    assert_eq!(l, 3, "{reason}");
    assert!(reason.contains("no checksum"), "{reason}");
}

#[test]
fn a_version_2_journal_without_checksums_reads_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.jsonl");
    let mut v2 = header();
    v2.version = 2;
    let plain = |l: &Line| serde_json::to_string(l).unwrap();
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n",
            plain(&Line::Header(Box::new(v2.clone()))),
            plain(&Line::Trial(record(0, 0.25)))
        ),
    )
    .unwrap();
    assert_eq!(read_journal(&path).unwrap().header, v2);
    // Resumed by this version: the lines it appends carry checksums.
    let (mut j, contents, warnings) = Journal::resume(&path, &header()).unwrap();
    assert_eq!(contents.unwrap().trials.len(), 1);
    assert!(warnings.is_empty(), "{warnings:?}");
    j.append(&Line::Trial(record(1, 0.5))).unwrap();
    drop(j);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().nth(2).unwrap().contains(r#","crc32":""#),
        "{text}"
    );
    assert_eq!(read_journal(&path).unwrap().trials.len(), 2);
    // A changed digit in an appended (sealed) line is caught in a version-2 journal too.
    let changed = text.replacen(r#""x":0.5"#, r#""x":0.6"#, 1);
    assert_ne!(changed, text);
    let (l, reason) = journal_error(&path, &changed);
    assert_eq!(l, 3, "{reason}");
}

#[test]
fn creation_is_atomic_and_an_empty_or_header_only_journal_resumes_as_a_new_study() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let j = Journal::create(&path, &header()).unwrap();
    drop(j);
    // The header went through a temporary file, renamed: none is left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["j.jsonl", "j.jsonl.lock"]);
    assert_eq!(read_journal(&path).unwrap().header, header());
    assert!(matches!(
        Journal::create(&path, &header()),
        Err(StudyError::JournalExists { .. })
    ));
    // Header only, even of other settings: a new study with this header.
    let mut other = header();
    other.seed = 99;
    let (_, contents, warnings) = Journal::resume(&path, &other).unwrap();
    assert!(contents.is_none() && warnings.is_empty());
    assert_eq!(read_journal(&path).unwrap().header, other);
    // Empty: likewise.
    std::fs::write(&path, "").unwrap();
    let (_, contents, _) = Journal::resume(&path, &header()).unwrap();
    assert!(contents.is_none());
    assert_eq!(read_journal(&path).unwrap().header, header());
    // Once a batch was asked the header must match.
    let asked = json(&Line::Asked {
        batch: 0,
        trials: vec![AskedTrial {
            number: 0,
            params: Params::new().with("x", 0.5),
        }],
    });
    let h = json(&Line::Header(Box::new(header())));
    std::fs::write(&path, format!("{h}\n{asked}\n")).unwrap();
    assert!(matches!(
        Journal::resume(&path, &other),
        Err(StudyError::HeaderMismatch { field: "seed", .. })
    ));
}

#[test]
fn a_journal_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let first = Journal::create(&path, &header()).unwrap();
    for second in [
        Journal::resume(&path, &header()).map(|_| ()),
        Journal::create(&path, &header()).map(|_| ()),
    ] {
        match second {
            Err(e @ StudyError::Locked { pid, .. }) => {
                assert_eq!(pid, Some(std::process::id()));
                assert!(e.to_string().contains("(this process)"), "{e}");
            }
            other => panic!("expected Locked, got {other:?}"),
        }
    }
    drop(first);
    assert!(Journal::resume(&path, &header()).is_ok());
}

#[test]
fn training_steps_read_back_in_a_version_4_journal_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let step = TrainingStep {
        round: 2,
        trial: 0,
        from: 1,
        to: 3,
        epochs: vec![
            StepEpoch {
                value: Some(0.25),
                loss: Some(0.5),
            },
            StepEpoch {
                value: None,
                loss: None,
            },
        ],
        ended: None,
        snapshot: Some(7),
        folds: Vec::new(),
        spent: None,
    };
    let asked = json(&Line::Asked {
        batch: 0,
        trials: vec![AskedTrial {
            number: 0,
            params: Params::new().with("x", 0.5),
        }],
    });
    let mut v4 = header();
    v4.schedule = Some(Strategy::named("multi_fidelity"));
    let h4 = json(&Line::Header(Box::new(v4)));
    let s = json(&Line::Step(step.clone()));
    std::fs::write(&path, format!("{h4}\n{asked}\n{s}\n")).unwrap();
    let c = read_journal(&path).unwrap();
    assert_eq!(c.steps, vec![step]);
    assert_eq!(c.unfinished.len(), 1);
    // Version 3 had no steps: one there is a malformed line.
    let mut v3 = header();
    v3.version = JOURNAL_VERSION_WITHOUT_STEPS;
    let h3 = json(&Line::Header(Box::new(v3)));
    std::fs::write(&path, format!("{h3}\n{asked}\n{s}\n")).unwrap();
    match read_journal(&path) {
        Err(StudyError::Journal { line, reason, .. }) => {
            assert_eq!(line, 3);
            assert!(reason.contains("version 3"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}
