//! Helpers shared by the integration tests: running the `autotune` binary,
//! reading its output, and checking results files.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `autotune` binary with `args` and waits for it.
pub fn autotune(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autotune"))
        .args(args)
        .output()
        .expect("the autotune binary runs")
}

/// Runs the `autotune` binary with the whitespace-separated words of `line`
/// (temporary paths hold no spaces).
pub fn run(line: &str) -> Output {
    let words: Vec<&str> = line.split_whitespace().collect();
    autotune(&words)
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the command succeeded, showing its stderr if not.
pub fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}, stderr:\n{}",
        o.status.code(),
        stderr(o)
    );
}

/// `path` as `&str`.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Parses `path` as XML and checks its root is an `<svg>` element with content.
pub fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not valid XML: {e}", path.display()));
    assert_eq!(
        doc.root_element().tag_name().name(),
        "svg",
        "{}",
        path.display()
    );
    assert!(
        doc.descendants().count() > 20,
        "{} is nearly empty",
        path.display()
    );
}

/// The `trials.csv` rows without the `duration_secs` column (wall time is
/// not reproducible), header included.
pub fn csv_without_durations(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("trials.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "duration_secs")
        .expect("a duration_secs column");
    std::iter::once(header.join(","))
        .chain(lines.map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(col);
            cells.join(",")
        }))
        .collect()
}

/// Number of finished trials recorded in a journal.
pub fn journal_trials(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("{\"trial\""))
        .count()
}

/// The files every example study writes into `out`, well formed, for
/// `trials` trials: the same files as `autotune tune` (written by the same
/// library function), `best.json` included and equal to the report's best.
pub fn assert_results(out: &Path, trials: usize) {
    let report: autotune::tune::TuneReport =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.trials.len(), trials);
    let best: autotune::tune::BestFile =
        serde_json::from_str(&std::fs::read_to_string(out.join("best.json")).unwrap()).unwrap();
    assert_eq!(best, autotune::tune::BestFile::of(&report));
    assert!(best.test.is_some(), "the examples hold out a test part");
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), trials + 1);
    let journal = autotune::study::read_journal(out.join("journal.jsonl")).unwrap();
    assert_eq!(journal.trials.len(), trials);
    assert_svg(&out.join("convergence.svg"));
    assert_svg(&out.join("slices.svg"));
}

/// `trials` without their wall times (the one part of a study that is not
/// reproducible), to compare two runs.
pub fn strip(trials: &[autotune::history::TrialRecord]) -> Vec<autotune::history::TrialRecord> {
    trials
        .iter()
        .map(|t| autotune::history::TrialRecord {
            duration_secs: 0.0,
            ..t.clone()
        })
        .collect()
}

/// The summary's `budget` line of a `tune` run's stdout, and the
/// `report.json` it wrote in `out`.
pub fn budget_and_report(o: &Output, out: &Path) -> (String, serde_json::Value) {
    let text = stdout(o);
    let budget = text
        .lines()
        .find(|l| l.starts_with("budget "))
        .unwrap_or_else(|| panic!("no budget line in {text}"))
        .to_owned();
    let report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    (budget, report)
}

/// The PostgreSQL test server's URL, or `None` (and a printed reason)
/// without one.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub fn postgres_server(test: &str) -> Option<String> {
    let url = std::env::var("AUTOTUNE_TEST_POSTGRES").ok();
    if url.is_none() {
        // CI sets this: there, a skipped test would hide a missing server.
        assert!(
            std::env::var_os("AUTOTUNE_REQUIRE_POSTGRES").is_none(),
            "{test}: AUTOTUNE_TEST_POSTGRES is unset but AUTOTUNE_REQUIRE_POSTGRES is set"
        );
        println!(
            "{test}: skipped, AUTOTUNE_TEST_POSTGRES is unset (`eval \"$(bash .ci/postgres start)\"` sets it)"
        );
    }
    url
}

/// A study name no other test run uses (the process and the time in it).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub fn unique_name(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}
