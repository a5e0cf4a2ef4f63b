//! Trials asked by one process and told by another (`Study::ask_detached`,
//! `Study::tell_detached`, behind `autotune ask` / `autotune tell`), on a
//! journal reopened for every call.

use autotune::error::{Error, StudyError};
use autotune::history::TrialState;
use autotune::space::{Scale, SearchSpace};
use autotune::study::{Study, read_journal};
use std::path::Path;

fn open(path: &Path) -> Study {
    let space = SearchSpace::builder()
        .float("x", -2.0..=2.0, Scale::Linear)
        .build()
        .expect("valid space");
    Study::builder(space)
        .seed(9)
        .journal(path)
        .resume(true)
        .build()
        .expect("open the journal")
}

#[test]
fn detached_trials_are_handed_out_once_and_told_once_across_reopenings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    // Three asks, each by a "process" of its own: none is handed out again
    // although none is told yet (a plain resume would re-run them).
    let asked: Vec<_> = (0..3)
        .map(|_| open(&path).ask_detached().expect("ask").expect("no budget"))
        .collect();
    let numbers: Vec<usize> = asked.iter().map(|a| a.number).collect();
    assert_eq!(numbers, [0, 1, 2]);
    // Told out of order, by other "processes".
    let x1 = asked[1]
        .params
        .get("x")
        .and_then(|v| v.as_f64())
        .expect("x");
    let told = open(&path)
        .tell_detached(1, Ok(x1 * x1))
        .expect("tell 1")
        .clone();
    assert_eq!(told.params, asked[1].params);
    open(&path)
        .tell_detached(0, Err("out of memory".into()))
        .expect("tell 0");
    // Told twice, or never asked: refused, and nothing is recorded.
    for n in [1, 7] {
        let e = open(&path).tell_detached(n, Ok(0.0)).unwrap_err();
        assert!(
            matches!(e, Error::Study(StudyError::UnknownTrial { number }) if number == n),
            "{e}"
        );
    }
    let journal = read_journal(&path).expect("read");
    let states: Vec<(usize, &TrialState)> = journal
        .trials
        .iter()
        .map(|t| (t.number, &t.state))
        .collect();
    // (In number order.)
    assert_eq!(states.len(), 2);
    assert!(matches!(states[0], (0, TrialState::Failed { reason }) if reason == "out of memory"));
    assert_eq!(states[1], (1, &TrialState::Complete { value: x1 * x1 }));
    // Trial 2 is still out: the next ask is 3.
    assert_eq!(journal.unfinished.len(), 1);
    let next = open(&path).ask_detached().expect("ask").expect("no budget");
    assert_eq!(next.number, 3);
}
