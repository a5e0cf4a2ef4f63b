//! `--data`, `--target`, `--task`, `--delimiter`, `--no-header`: a built-in
//! data set or the user's CSV file, and its split.

use super::args::TaskArg;
use super::fail::{CliResult, Failure, OrFail};
use autotune::data::{
    Builtin, CsvOptions, CsvTask, Dataset, Header, Split, SplitFractions, TargetColumn, Task,
};
use autotune::error::{CsvErrorKind, DataError};
use std::io::BufRead;
use std::path::Path;

/// How to read a CSV file: `--delimiter` (else guessed from the first line)
/// and `--no-header` (else the header is detected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvFlags {
    /// `--delimiter`.
    pub delimiter: Option<char>,
    /// `--no-header`.
    pub no_header: bool,
}

/// Loads `--data`: a built-in name, else a CSV file.
///
/// # Errors
/// Bad input: an unknown name that is no file either, a file that cannot be
/// read or parsed (`file:line:column: problem`), an unknown target column,
/// `--target`, `--delimiter` or `--no-header` with a built-in, a `--task` a
/// built-in does not have.
pub fn load(
    data: &str,
    target: Option<&str>,
    task: Option<TaskArg>,
    csv: CsvFlags,
) -> CliResult<Dataset> {
    if let Ok(builtin) = Builtin::from_name(data) {
        if csv != CsvFlags::default() {
            let flag = if csv.delimiter.is_some() {
                "--delimiter"
            } else {
                "--no-header"
            };
            return Err(Failure::input(format!(
                "{flag} applies to CSV files; the built-in data set `{builtin}` needs none"
            )));
        }
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
    if let Some(d) = csv.delimiter.or_else(|| sniff_delimiter(Path::new(data))) {
        opts = opts.delimiter(d);
    }
    if csv.no_header {
        opts = opts.header(Header::Absent);
    }
    let column = target.map(target_column).transpose()?;
    if let Some(c) = &column {
        opts = opts.target(c.clone());
    }
    Dataset::from_csv_path(data, &opts).map_err(|e| match (&e, column) {
        (
            autotune::Error::Data(DataError::Csv {
                path,
                kind: CsvErrorKind::UnknownTargetColumn { n_columns, .. },
                ..
            }),
            Some(TargetColumn::Index(i)),
        ) => Failure::input(format!(
            "{path}: unknown target column {} of {n_columns} (--target counts columns from 1, or takes a header name)",
            i + 1
        )),
        _ => Failure::input(e),
    })
}

/// The cell delimiter of a CSV file given without `--delimiter`: `;` or a
/// tab if its first line has more of it than of commas (outside quotes),
/// else `None` (a comma). `None` also if the line cannot be read: loading
/// the file then says why.
fn sniff_delimiter(path: &Path) -> Option<char> {
    let file = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(file).read_line(&mut line).ok()?;
    let counts = count_outside_quotes(&line, [',', ';', '\t']);
    let (best, n) = [(';', counts[1]), ('\t', counts[2])]
        .into_iter()
        .max_by_key(|&(_, n)| n)?;
    (n > counts[0]).then_some(best)
}

/// How often each of `chars` occurs in `line` outside double quotes.
fn count_outside_quotes<const N: usize>(line: &str, chars: [char; N]) -> [usize; N] {
    let mut counts = [0; N];
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = chars.iter().position(|&d| d == c) {
            counts[i] += 1;
        }
    }
    counts
}

/// `dataset` split 70/15/15 (stratified for classes) with `seed`.
///
/// # Errors
/// Bad input if no validation rows are left to score the trials on.
pub fn split(dataset: Dataset, seed: u64) -> CliResult<Split> {
    let fractions = SplitFractions::default();
    let (name, rows) = (dataset.name().to_owned(), dataset.n_samples());
    let split = dataset.into_split(fractions, seed).or_input()?;
    if split.validation.n_samples() == 0 {
        return Err(Failure::input(format!(
            "the data set `{name}` has {rows} row{}: too few for the {} train / validation / test split `autotune tune` makes, \
             which leaves no validation rows to score the trials on; give --data a file with more rows",
            if rows == 1 { "" } else { "s" },
            percent(fractions)
        )));
    }
    Ok(split)
}

/// `70% / 15% / 15%`.
fn percent(f: SplitFractions) -> String {
    [f.train, f.validation, f.test]
        .map(|x| format!("{:.0}%", 100.0 * x))
        .join(" / ")
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
        let d = load("iris", None, None, CsvFlags::default()).unwrap();
        assert_eq!(d.n_samples(), 150);
        let e = load("iris", Some("species"), None, CsvFlags::default()).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("--target applies to CSV files"),
            "{}",
            e.message
        );
        let e = load(
            "diabetes",
            None,
            Some(TaskArg::Classification),
            CsvFlags::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("regression data set"), "{}", e.message);
        let e = load("irsi", None, None, CsvFlags::default()).unwrap_err();
        assert!(
            e.message.starts_with("unknown data set `irsi`"),
            "{}",
            e.message
        );
        assert_eq!(e.code, 2);
    }

    #[test]
    fn delimiters_are_guessed_from_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let guess = |text: &str| {
            let p = dir.path().join("f.csv");
            std::fs::write(&p, text).unwrap();
            sniff_delimiter(&p)
        };
        assert_eq!(guess("a;b;y\n1;2;3\n"), Some(';'));
        assert_eq!(guess("a\tb\ty\n1\t2\t3\n"), Some('\t'));
        assert_eq!(guess("a,b,y\n"), None);
        // Delimiters inside quotes do not count; ties stay with the comma.
        assert_eq!(guess("\"a;b;c\",d,y\n"), None);
        assert_eq!(guess("a;b,c\n"), None);
        assert_eq!(sniff_delimiter(&dir.path().join("missing.csv")), None);
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
