//! The examples take the flags the README says and refuse others: the
//! example studies (all sharing `examples/common`) `--trials --workers
//! --seed --out --resume --quiet`, `custom_objective` too (with a journal
//! in `--out` it continues), `train_digits` `--epochs --seed`. Each example's
//! own source is compiled in (`#[path]`), as in `examples_iris`.

#[allow(dead_code)]
#[path = "../../examples/custom_objective.rs"]
mod custom_objective;

#[allow(dead_code)]
#[path = "../../examples/train_digits.rs"]
mod train_digits;

use clap::error::ErrorKind;
use custom_objective::common::Flags;

fn flags(args: &[&str]) -> Result<Flags, clap::Error> {
    Flags::try_parse_from(
        "custom_objective",
        "test",
        40,
        std::iter::once("custom_objective").chain(args.iter().copied()),
    )
}

#[test]
fn example_studies_take_the_readme_flags_and_refuse_others() {
    let f = flags(&[
        "--trials",
        "7",
        "--workers",
        "3",
        "--seed",
        "9",
        "--out",
        "x",
        "--resume",
        "--quiet",
    ])
    .unwrap();
    assert_eq!((f.trials, f.workers, f.seed), (7, 3, 9));
    assert_eq!(f.out, std::path::Path::new("x"));
    assert!(f.resume && f.quiet);
    let f = flags(&[]).unwrap();
    assert_eq!((f.trials, f.seed, f.resume, f.quiet), (40, 0, false, false));
    assert_eq!(
        f.out,
        std::path::Path::new("target/autotune-examples/custom_objective")
    );
    for bad in [&["--bogus"][..], &["--trials", "-1"], &["extra"]] {
        let e = flags(bad).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::UnknownArgument | ErrorKind::ValueValidation
            ),
            "{bad:?}: {e}"
        );
    }
}

#[test]
fn custom_objective_resumes_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let f = flags(&["--trials", "6", "--workers", "2", "--out", out, "--quiet"]).unwrap();
    // Each run returns its study, which holds the journal's lock while it
    // lives: keep the trials, let the study go.
    let first = custom_objective::run(&f).unwrap().history().clone();
    assert_eq!(first.len(), 6);
    let more = flags(&["--trials", "9", "--workers", "2", "--out", out, "--resume"]).unwrap();
    let resumed = custom_objective::run(&more).unwrap().history().clone();
    assert_eq!(resumed.len(), 9);
    assert_eq!(resumed.trials()[..6], first.trials()[..]);
    let journal = autotune::study::read_journal(dir.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.trials.len(), 9);
    // Without --resume the study starts afresh.
    let again = custom_objective::run(&f).unwrap();
    assert_eq!(again.history().len(), 6);
}

#[test]
fn train_digits_takes_epochs_and_seed_only() {
    let a = train_digits::Args::try_parse_from(["train_digits", "--epochs", "3", "--seed", "1"])
        .unwrap();
    assert_eq!((a.epochs, a.seed), (3, 1));
    let a = train_digits::Args::try_parse_from(["train_digits"]).unwrap();
    assert_eq!((a.epochs, a.seed), (30, 7));
    let e = train_digits::Args::try_parse_from(["train_digits", "--trials", "3"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownArgument);
}
