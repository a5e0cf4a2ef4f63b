//! `autotune datasets`: the built-in data sets, with their shapes.

use super::fail::{CliResult, OrFail};
use autotune::data::{Builtin, Dataset};
use std::fmt::Write;

/// The listing printed by `autotune datasets`.
///
/// # Errors
/// Only if an embedded data set is corrupt.
pub fn listing() -> CliResult<String> {
    let mut out = format!(
        "{:<14} {:<14} {:>7} {:>8} {:>7}  {}\n",
        "name", "task", "samples", "features", "classes", "description"
    );
    for b in Builtin::ALL {
        let d = Dataset::builtin(b).or_run("loading a built-in data set")?;
        let classes = d
            .target()
            .n_classes()
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        let _ = writeln!(
            out,
            "{:<14} {:<14} {:>7} {:>8} {:>7}  {}",
            b.name(),
            b.task().to_string(),
            d.n_samples(),
            d.n_features(),
            classes,
            b.description()
        );
    }
    out.push_str(
        "\nUse one with `autotune tune --data NAME`, or give a CSV file: `--data FILE.csv`.\n",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_builtin_is_listed_with_its_shape() {
        let text = super::listing().unwrap();
        assert!(text.contains("digits"));
        let iris = text.lines().find(|l| l.starts_with("iris ")).unwrap();
        let cols: Vec<&str> = iris.split_whitespace().collect();
        assert_eq!(&cols[..5], ["iris", "classification", "150", "4", "3"]);
        let diabetes = text.lines().find(|l| l.starts_with("diabetes ")).unwrap();
        let cols: Vec<&str> = diabetes.split_whitespace().collect();
        assert_eq!(&cols[..5], ["diabetes", "regression", "442", "10", "-"]);
    }
}
