//! `--data`, `--target`, `--task`: a built-in data set or the user's CSV file.

use super::args::TaskArg;
use super::fail::{CliResult, Failure, OrFail};
use autotune::data::{Builtin, CsvOptions, CsvTask, Dataset, TargetColumn, Task};
use std::path::Path;

/// Loads `--data`: a built-in name, else a CSV file.
///
/// # Errors
/// Bad input: an unknown name that is no file either, a file that cannot be
/// read or parsed (`file:line:column: problem`), an unknown target column,
/// `--target` with a built-in, a `--task` a built-in does not have.
pub fn load(data: &str, target: Option<&str>, task: Option<TaskArg>) -> CliResult<Dataset> {
    if let Ok(builtin) = Builtin::from_name(data) {
        return load_builtin(builtin, target, task);
    }
    if !looks_like_file(data) {
        let known: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
        return Err(Failure::input(format!(
            "unknown data set `{data}`: not a built-in ({}) nor a file",
            known.join(", ")
        )));
    }
    let mut opts = CsvOptions::default().task(match task {
        None => CsvTask::Infer,
        Some(TaskArg::Classification) => CsvTask::Classification,
        Some(TaskArg::Regression) => CsvTask::Regression,
    });
    if let Some(t) = target {
        opts = opts.target(target_column(t)?);
    }
    Dataset::from_csv_path(data, &opts).or_input()
}

fn load_builtin(
    builtin: Builtin,
    target: Option<&str>,
    task: Option<TaskArg>,
) -> CliResult<Dataset> {
    if target.is_some() {
        return Err(Failure::input(format!(
            "--target applies to CSV files; the built-in data set `{builtin}` has its own target"
        )));
    }
    if let Some(t) = task
        && task_of(t) != builtin.task()
    {
        return Err(Failure::input(format!(
            "`{builtin}` is a {} data set; --task {} does not apply",
            builtin.task(),
            task_of(t)
        )));
    }
    Dataset::builtin(builtin).or_input()
}

/// The library's task for `--task`.
pub fn task_of(t: TaskArg) -> Task {
    match t {
        TaskArg::Classification => Task::Classification,
        TaskArg::Regression => Task::Regression,
    }
}

/// Whether `data` names a file rather than a (mistyped) built-in: it exists,
/// or has a path separator or an extension.
fn looks_like_file(data: &str) -> bool {
    let p = Path::new(data);
    p.exists() || data.contains(['/', '\\']) || p.extension().is_some()
}

/// `--target COL`: a 1-based position if it is a number, else a header name.
fn target_column(col: &str) -> CliResult<TargetColumn> {
    let col = col.trim();
    match col.parse::<usize>() {
        Ok(0) => Err(Failure::input(
            "--target 0: columns are counted from 1 (or give the column's header name)",
        )),
        Ok(n) => Ok(TargetColumn::Index(n - 1)),
        Err(_) if col.is_empty() => Err(Failure::input("--target is empty")),
        Err(_) => Ok(TargetColumn::Name(col.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_and_their_errors() {
        let d = load("iris", None, None).unwrap();
        assert_eq!(d.n_samples(), 150);
        let e = load("iris", Some("species"), None).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("--target applies to CSV files"),
            "{}",
            e.message
        );
        let e = load("diabetes", None, Some(TaskArg::Classification)).unwrap_err();
        assert!(e.message.contains("regression data set"), "{}", e.message);
        let e = load("irsi", None, None).unwrap_err();
        assert!(
            e.message.starts_with("unknown data set `irsi`"),
            "{}",
            e.message
        );
        assert_eq!(e.code, 2);
    }

    #[test]
    fn target_columns() {
        assert_eq!(target_column("3").unwrap(), TargetColumn::Index(2));
        assert_eq!(
            target_column(" y ").unwrap(),
            TargetColumn::Name("y".into())
        );
        assert_eq!(target_column("0").unwrap_err().code, 2);
    }
}
