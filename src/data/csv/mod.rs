//! Loading the user's own CSV files: [`CsvOptions`] and
//! [`Dataset::from_csv_path`] / [`Dataset::from_csv_reader`] /
//! [`Dataset::from_csv_str`].
//!
//! Files are read streaming, one line at a time through a buffer of
//! [`READ_BUFFER`] bytes: only the parsed numbers are kept, never the text.
//!
//! Every malformed input is a [`DataError::Csv`] naming the file, the 1-based
//! line and column (cell) and a [`CsvErrorKind`](crate::error::CsvErrorKind);
//! no input makes the loader panic.

mod load;
mod record;

use std::io::{BufReader, Read};
use std::path::Path;

use super::Dataset;
use crate::Result;
use crate::error::{ConfigError, CsvErrorKind, DataError};

/// Whether the first line of a CSV file names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// The first line is a header.
    Present,
    /// The first line is data.
    Absent,
    /// Decide from the file (the default): the first line is a header when
    /// some cell of it is not a number while the cell below it is one.
    #[default]
    Auto,
}

/// Which column holds the target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetColumn {
    /// The last column (the default).
    #[default]
    Last,
    /// The first column.
    First,
    /// The column at this 0-based index.
    Index(usize),
    /// The column with this name in the header (exact match, after trimming).
    Name(String),
}

impl std::fmt::Display for TargetColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetColumn::Last => f.write_str("last"),
            TargetColumn::First => f.write_str("first"),
            TargetColumn::Index(i) => write!(f, "index {i}"),
            TargetColumn::Name(name) => write!(f, "`{name}`"),
        }
    }
}

/// Whether the target is class labels or real values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvTask {
    /// Class labels: each distinct cell text is a class (numbers are compared
    /// by value and sorted numerically, other labels sorted as text).
    Classification,
    /// Real values: every target cell must be a number.
    Regression,
    /// Decide from the target column (the default): classification if some
    /// cell is not a number, or if all are integers with at most
    /// [`MAX_INFERRED_CLASSES`] distinct values; regression otherwise.
    #[default]
    Infer,
}

/// The most distinct integer targets [`CsvTask::Infer`] still reads as classes.
pub const MAX_INFERRED_CLASSES: usize = 20;

/// How to read a CSV file.
///
/// By default: header detected ([`Header::Auto`]), comma-delimited, target in
/// the last column, task inferred ([`CsvTask::Infer`]), data set named after
/// the file's stem.
///
/// ```
/// use autotune::data::{CsvOptions, CsvTask, Dataset, Header, TargetColumn};
///
/// let text = "species;length;width\nsetosa;5.1;3.5\nvirginica;6.3;3.3\n";
/// let opts = CsvOptions::default()
///     .delimiter(';')
///     .header(Header::Present)
///     .target(TargetColumn::Name("species".into()))
///     .task(CsvTask::Classification);
/// let data = Dataset::from_csv_str(text, &opts)?;
/// assert_eq!((data.n_samples(), data.n_features()), (2, 2));
/// assert_eq!(data.target().class_names().unwrap(), ["setosa", "virginica"]);
/// # Ok::<(), autotune::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    header: Header,
    delimiter: char,
    target: TargetColumn,
    task: CsvTask,
    name: Option<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            header: Header::Auto,
            delimiter: ',',
            target: TargetColumn::Last,
            task: CsvTask::Infer,
            name: None,
        }
    }
}

impl CsvOptions {
    /// Whether the first line is a header (default [`Header::Auto`]).
    #[must_use]
    pub fn header(mut self, header: Header) -> Self {
        self.header = header;
        self
    }

    /// The cell delimiter (default `,`).
    #[must_use]
    pub fn delimiter(mut self, delimiter: char) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// The target column (default [`TargetColumn::Last`]).
    #[must_use]
    pub fn target(mut self, target: TargetColumn) -> Self {
        self.target = target;
        self
    }

    /// Classification, regression or inferred (default [`CsvTask::Infer`]).
    #[must_use]
    pub fn task(mut self, task: CsvTask) -> Self {
        self.task = task;
        self
    }

    /// The data set's name (default: the file's stem, or `csv`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Checks the options.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a delimiter that is a quote or a line
    /// break, or a target column given by name in a file declared without header.
    pub fn check(&self) -> Result<()> {
        if matches!(self.delimiter, '"' | '\n' | '\r') {
            return Err(ConfigError::Invalid {
                name: "delimiter",
                reason: format!("{:?} cannot delimit cells", self.delimiter),
            }
            .into());
        }
        if matches!(self.target, TargetColumn::Name(_)) && self.header == Header::Absent {
            return Err(ConfigError::Invalid {
                name: "target",
                reason: "a target column given by name needs a header".into(),
            }
            .into());
        }
        Ok(())
    }
}

impl Dataset {
    /// Reads a CSV file (see [`CsvOptions`]), line by line through a buffer
    /// of [`READ_BUFFER`] bytes: the file is never held in memory as text.
    ///
    /// # Errors
    /// [`DataError::Io`] if the file cannot be read, [`DataError::Csv`] if it
    /// is malformed, [`ConfigError::Invalid`] for invalid options.
    pub fn from_csv_path(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Dataset> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| DataError::Io {
            path: shown.clone(),
            source,
        })?;
        let stem = path
            .file_stem()
            .map_or_else(|| "csv".to_owned(), |s| s.to_string_lossy().into_owned());
        let reader = BufReader::with_capacity(READ_BUFFER, file);
        load::parse_reader(reader, &shown, &stem, opts)
    }

    /// Reads CSV text from `reader`, buffered, line by line; errors name the
    /// source `<reader>`.
    ///
    /// # Errors
    /// As [`Dataset::from_csv_path`].
    pub fn from_csv_reader(reader: impl Read, opts: &CsvOptions) -> Result<Dataset> {
        let reader = BufReader::with_capacity(READ_BUFFER, reader);
        load::parse_reader(reader, "<reader>", "csv", opts)
    }

    /// Reads CSV text; errors name the source `<string>`.
    ///
    /// # Errors
    /// As [`Dataset::from_csv_path`].
    pub fn from_csv_str(text: &str, opts: &CsvOptions) -> Result<Dataset> {
        load::parse_reader(text.as_bytes(), "<string>", "csv", opts)
    }
}

/// The capacity of the loaders' read buffer, in bytes: files are read
/// through it line by line (a longer line grows only the line's own buffer).
pub const READ_BUFFER: usize = 64 * 1024;

/// A [`DataError::Csv`] at `line`, `column` of `path`.
pub(super) fn csv_error(path: &str, line: usize, column: usize, kind: CsvErrorKind) -> DataError {
    DataError::Csv {
        path: path.to_owned(),
        line,
        column,
        kind,
    }
}
