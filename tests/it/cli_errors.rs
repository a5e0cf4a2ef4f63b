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
        "unknown target column 9 of 3 (--target counts columns from 1, or takes a header name)",
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
fn bad_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    for (t, msg) in [
        ("0s", "above zero"),
        ("20", "not a duration"),
        ("5 days", "not a duration"),
    ] {
        let o = autotune(&["tune", "--data", "iris", "--out", s(&out), "--timeout", t]);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(stderr(&o).contains(msg), "{t}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
        assert!(!out.exists(), "bad input writes nothing");
    }
}

#[test]
fn a_bad_final_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = autotune(&[
        "tune",
        "--data",
        "iris",
        "--out",
        s(&out),
        "--final-model",
        "top_0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("ensemble needs k of at least 1"),
        "{}",
        stderr(&o)
    );
    let o = autotune(&[
        "tune",
        "--data",
        "iris",
        "--out",
        s(&out),
        "--final-model",
        "best",
    ]);
    assert!(stderr(&o).contains("top_K_retrained"), "{}", stderr(&o));
    assert!(!out.exists());
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

/// `path`'s data rows as `autotune tune` reports them: the sum of the
/// `N train / V valid / T test rows` on its first stderr line.
fn rows_used(stderr: &str) -> usize {
    let parts = stderr
        .lines()
        .next()
        .and_then(|l| l.split(": ").nth(1))
        .unwrap_or_else(|| panic!("{stderr}"));
    parts
        .split(" / ")
        .map(|p| {
            p.split_whitespace()
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum()
}

/// 24 rows of two features and a class, with `d` between cells.
fn points(d: &str) -> String {
    let mut text = format!("a{d}b{d}y\n");
    for i in 0..24 {
        text.push_str(&format!("{i}{d}{}{d}{}\n", (i * 7) % 5, i % 2));
    }
    text
}

#[test]
fn semicolon_and_tab_files_with_or_without_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    for (d, flag) in [(";", ";"), ("\t", "tab")] {
        let csv = dir.path().join(format!("p{}.csv", flag.len()));
        std::fs::write(&csv, points(d)).unwrap();
        for (i, extra) in [vec![], vec!["--delimiter", flag]].into_iter().enumerate() {
            let out = dir.path().join(format!("o{}{i}", flag.len()));
            let mut args = tune_args(s(&out), &["--data", s(&csv)]);
            args.extend(extra);
            let o = autotune(&args);
            assert_ok(&o);
            assert_eq!(rows_used(&stderr(&o)), 24, "{flag:?} {i}");
        }
    }
    // The delimiter is a setting of the study: resumed without repeating it.
    let out = dir.path().join("o11");
    let o = run(&format!(
        "tune --out {} --resume --trials 3 --quiet",
        out.display()
    ));
    assert_ok(&o);
    fails_with(
        &["tune", "--out", s(&out), "--resume", "--delimiter", ","],
        "--delimiter , does not match the study in",
    );
    fails_with(
        &tune_args(
            s(&dir.path().join("o")),
            &["--data", s(&dir.path().join("p1.csv")), "--delimiter", ","],
        ),
        "no feature columns besides the target",
    );
    fails_with(
        &tune_args(
            s(&dir.path().join("o")),
            &["--data", "iris", "--delimiter", ";"],
        ),
        "--delimiter applies to CSV files",
    );
}

#[test]
fn no_header_reads_the_first_line_as_data() {
    let dir = tempfile::tempdir().unwrap();
    // The first line looks like a header (a label above a number)...
    let csv = dir.path().join("noheader.csv");
    let mut text = String::from("1,2,x\n");
    for i in 0..24 {
        text.push_str(&format!("{i},{},{}\n", (i * 7) % 5, i % 2));
    }
    std::fs::write(&csv, text).unwrap();
    let o = autotune(&tune_args(s(&dir.path().join("a")), &["--data", s(&csv)]));
    assert_ok(&o);
    assert_eq!(rows_used(&stderr(&o)), 24);
    // ...but with --no-header it is a row.
    let o = autotune(&tune_args(
        s(&dir.path().join("b")),
        &["--data", s(&csv), "--no-header"],
    ));
    assert_ok(&o);
    assert_eq!(rows_used(&stderr(&o)), 25);
    fails_with(
        &tune_args(
            s(&dir.path().join("c")),
            &["--data", s(&csv), "--no-header", "--target", "y"],
        ),
        "a target column given by name needs a header",
    );
}

#[test]
fn a_negative_or_too_large_seed_says_what_seed_takes() {
    for seed in ["-1", "18446744073709551616", "1e3"] {
        let o = run(&format!("tune --data iris --out x --seed {seed}"));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{seed}' for '--seed <S>': --seed takes a whole number from 0 to 18446744073709551615"
            )),
            "{err}"
        );
    }
    assert!(!Path::new("x").exists());
}

#[test]
fn too_few_rows_are_explained_without_library_options() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("two.csv");
    std::fs::write(&csv, "a,b,y\n1,2,x\n3,4,y\n").unwrap();
    fails_with(
        &tune_args(s(&dir.path().join("o")), &["--data", s(&csv)]),
        "the data set `two` has 2 rows: too few for the 70% / 15% / 15% train / validation / test \
         split `autotune tune` makes, which leaves no validation rows to score the trials on; \
         give --data a file with more rows",
    );
    let o = autotune(&tune_args(s(&dir.path().join("o")), &["--data", s(&csv)]));
    assert!(!stderr(&o).contains("cv_folds"), "{}", stderr(&o));
}

#[test]
fn a_study_without_a_test_part_says_so_in_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("three.csv");
    std::fs::write(&csv, "a,b,y\n1,2,x\n3,4,y\n5,6,x\n").unwrap();
    // An existing empty directory is a fine --out.
    let out = dir.path().join("o");
    std::fs::create_dir(&out).unwrap();
    let note = "note       no test scores: the split has no test rows (its 3 rows went to \
                training and validation), so the best configuration was not retrained and \
                tested on held-out rows";
    let o = autotune(&tune_args(s(&out), &["--data", s(&csv), "--quiet"]));
    assert_ok(&o);
    assert!(stdout(&o).contains(note), "{}", stdout(&o));
    let best = std::fs::read_to_string(out.join("best.json")).unwrap();
    assert!(best.contains("\"test\": null"), "{best}");
    let o = run(&format!("report {}", out.display()));
    assert_ok(&o);
    assert!(stdout(&o).contains(note), "{}", stdout(&o));
}

#[test]
fn free_epochs_need_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    fails_with(
        &[
            "tune",
            "--data",
            "iris",
            "--out",
            s(&out),
            "--free",
            "hidden,epochs",
            "--epochs",
            "1",
        ],
        "--free epochs searches from E/4 (at least 1) to E = --epochs epochs on a log scale, \
         so it needs --epochs 2 or more; with --epochs 1 there is nothing to search",
    );
    assert!(!out.exists(), "nothing is written for bad input");
}

#[test]
fn resume_without_a_study_says_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    for out in [dir.path().to_path_buf(), dir.path().join("new")] {
        fails_with(
            &["tune", "--out", s(&out), "--resume"],
            &format!(
                "no study in {} to resume (no journal.jsonl); start one with --data NAME|FILE.csv",
                out.display()
            ),
        );
    }
}

#[test]
fn an_out_directory_of_other_files_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("trials.csv"), "my own trials\n").unwrap();
    std::fs::write(out.join("report.json"), "{}").unwrap();
    for extra in [&["--data", "iris"][..], &["--data", "iris", "--resume"]] {
        fails_with(
            &tune_args(s(&out), extra),
            &format!(
                "--out {} is not empty (report.json, trials.csv) and holds no study (journal.jsonl): \
                 its files could be overwritten; choose a new or empty directory",
                out.display()
            ),
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("trials.csv")).unwrap(),
        "my own trials\n"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
}
