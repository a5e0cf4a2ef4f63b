//! The iris example study end to end on a tiny budget. The example's own
//! source is compiled into this test (`#[path]`) and its `run` called with
//! small flags: the code `cargo run --example iris` runs, without building
//! and launching a separate program.

#[allow(dead_code)]
#[path = "../../examples/iris.rs"]
mod iris;

use crate::helpers::assert_results;
use iris::common::Flags;

fn flags(out: &std::path::Path, trials: usize) -> Flags {
    Flags {
        trials,
        workers: 2,
        seed: 3,
        out: out.to_path_buf(),
        resume: false,
        quiet: true,
    }
}

#[test]
fn iris_example_tunes_and_tests_a_classifier() {
    let dir = tempfile::tempdir().unwrap();
    let report = iris::run(&flags(dir.path(), 3)).unwrap();
    assert_eq!(report.counts.total(), 3);
    let test = report.test.as_ref().expect("a test part");
    assert_eq!(test.n_samples, 30);
    // Above chance (1/3 with 10 test rows per class) even on this budget;
    // measured 0.9. (It was `accuracy in [0, 1]`, which cannot fail.)
    let accuracy = test.accuracy.unwrap();
    assert!(accuracy >= 0.7, "{accuracy}");
    assert_results(dir.path(), 3);

    // Run again without --resume: a fresh study replaces the old journal.
    let again = iris::run(&flags(dir.path(), 2)).unwrap();
    assert_eq!(again.counts.total(), 2);
    assert_results(dir.path(), 2);

    // With --resume, the study continues to the new budget.
    let more = iris::run(&Flags {
        resume: true,
        ..flags(dir.path(), 4)
    })
    .unwrap();
    assert_eq!(more.counts.total(), 4);
    assert_eq!(more.trials[..2], again.trials[..]);
    assert_results(dir.path(), 4);
}
