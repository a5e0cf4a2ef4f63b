//! Checks shared by the example-study tests.

#![allow(dead_code)]

use std::path::Path;

/// Parses `path` as XML with an `<svg>` root.
pub fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

/// The files every example study writes into `out`, well formed, for `trials` trials.
pub fn assert_results(out: &Path, trials: usize) {
    let report: autotune::tune::TuneReport =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.trials.len(), trials);
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), trials + 1);
    let journal = autotune::study::read_journal(out.join("journal.jsonl")).unwrap();
    assert_eq!(journal.trials.len(), trials);
    assert_svg(&out.join("convergence.svg"));
    assert_svg(&out.join("slices.svg"));
}
