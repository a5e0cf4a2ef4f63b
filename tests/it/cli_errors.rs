//! Bad input to the `autotune` binary: one line `error: ...` naming the
//! problem on stderr, exit code 2, no panic, nothing on stdout.

use crate::helpers::{assert_ok, autotune, run, s, stderr, stdout};
use std::path::Path;

/// Runs `args` and checks the failure: exit code 2, one `error:` line that
/// contains `expected`, no panic message.
fn fails_with(args: &[&str], expected: &str) {
    let o = autotune(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: stderr {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(
        err.contains(expected),
        "{args:?}: expected `{expected}` in: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(stdout(&o), "", "{args:?}");
}

fn tune_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "tune",
        "--out",
        out,
        "--trials",
        "2",
        "--workers",
        "1",
        "--epochs",
        "2",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn unknown_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    fails_with(
        &tune_args(s(&out), &["--data", "irsi"]),
        "unknown data set `irsi`: not a built-in (iris, wine, breast_cancer, digits, diabetes) nor a file",
    );
    assert!(!out.exists(), "nothing is written for bad input");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    fails_with(
        &tune_args(s(&dir.path().join("o")), &["--data", s(&missing)]),
        &format!(
            "cannot read {}: No such file or directory",
            missing.display()
        ),
    );
}

#[test]
fn malformed_file_gives_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "a,b,y\n1,2,x\n3,oops,y\n4,5,x\n").unwrap();
    fails_with(
        &tune_args(s(&dir.path().join("o")), &["--data", s(&csv)]),
        &format!("{}:3:2: non-numeric cell `oops`", csv.display()),
    );
    std::fs::write(&csv, "a,b,y\n1,2,x\n3,4\n").unwrap();
    fails_with(
        &tune_args(s(&dir.path().join("o")), &["--data", s(&csv)]),
        &format!("{}:3:", csv.display()),
    );
}

#[test]
fn unknown_target_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "a,b,y\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n").unwrap();
    let out = dir.path().join("o");
    fails_with(
        &tune_args(s(&out), &["--data", s(&csv), "--target", "label"]),
        "unknown target column `label` (3 columns)",
    );
    fails_with(
        &tune_args(s(&out), &["--data", s(&csv), "--target", "9"]),
        "unknown target column index 8 (3 columns)",
    );
    fails_with(
        &tune_args(s(&out), &["--data", "iris", "--target", "species"]),
        "--target applies to CSV files",
    );
}

#[test]
fn zero_trials_workers_or_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    for flag in ["--trials", "--workers", "--epochs"] {
        fails_with(
            &["tune", "--data", "iris", "--out", s(&out), flag, "0"],
            &format!("{flag} must be at least 1, got 0"),
        );
    }
}

#[test]
fn unwritable_output_directory() {
    // A directory cannot be made under a regular file (this holds for root too).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let out = file.join("out");
    fails_with(
        &tune_args(s(&out), &["--data", "iris"]),
        &format!("cannot create output directory {}", out.display()),
    );
    fails_with(
        &tune_args(s(&file), &["--data", "iris"]),
        "is a file, not a directory",
    );
}

#[test]
fn an_existing_study_needs_resume_and_the_same_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_ok(&autotune(&tune_args(
        s(&out),
        &["--data", "iris", "--seed", "3", "--quiet"],
    )));
    fails_with(
        &tune_args(s(&out), &["--data", "iris", "--seed", "3"]),
        "already holds a study (journal.jsonl); add --resume to continue it",
    );
    fails_with(
        &["tune", "--out", s(&out), "--resume", "--seed", "4"],
        "--seed 4 does not match the study in",
    );
    fails_with(
        &["tune", "--out", s(&out), "--resume", "--data", "wine"],
        "--data wine does not match the study in",
    );
}

#[test]
fn report_of_a_directory_without_a_study() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        &["report", s(dir.path())],
        "holds no study: there is no journal.jsonl",
    );
    fails_with(
        &["report", s(&dir.path().join("nope"))],
        "is not a directory",
    );
}

#[test]
fn a_malformed_journal_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_ok(&autotune(&tune_args(
        s(&out),
        &["--data", "iris", "--quiet"],
    )));
    let journal = out.join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    // Corrupt the second line (the torn last line alone would only be a warning).
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{not json";
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    fails_with(
        &["report", s(&out)],
        &format!("journal {}, line 2", journal.display()),
    );
    fails_with(
        &["tune", "--out", s(&out), "--resume"],
        &format!("journal {}, line 2", journal.display()),
    );
}

#[test]
fn usage_errors_exit_with_code_2() {
    let o = run("tune --data iris --out x --pruner sometimes");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: invalid value 'sometimes' for '--pruner"),
        "{}",
        stderr(&o)
    );
    let o = run("tune --data iris");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out <DIR>"), "{}", stderr(&o));
    assert!(!Path::new("x").exists());
}
