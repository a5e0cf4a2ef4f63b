//! The journal's unit tests: format round trips, torn and malformed lines.

use super::*;
use crate::error::StudyError;
use crate::history::TrialState;
use crate::space::Scale;
use crate::strategy::Strategy;
use proptest::prelude::*;

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

fn json(line: &Line) -> String {
    serde_json::to_string(line).unwrap()
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
        let back: Line = serde_json::from_str(&json(&line)).unwrap();
        prop_assert_eq!(back, line);
    }
}

#[test]
fn a_valid_last_line_without_newline_is_kept_and_completed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let text = format!(
        "{}\n{}",
        json(&Line::Header(header())),
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
    let h = json(&Line::Header(header()));
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
    let h = json(&Line::Header(header()));
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
    check(format!("{}\n", json(&Line::Header(newer))), 1, "newer");
    let mut other = header();
    other.format = "something-else".into();
    check(format!("{}\n", json(&Line::Header(other))), 1, "not an");
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
    let mut v1: serde_json::Value = serde_json::to_value(Line::Header(header())).unwrap();
    v1["header"]["version"] = 1.into();
    v1["header"]["sampler"] = "GpSampler".into();
    v1["header"]["pruner"] = "MedianPruner".into();
    std::fs::write(&path, format!("{v1}\n")).unwrap();
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
