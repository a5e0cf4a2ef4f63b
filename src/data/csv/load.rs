//! The CSV loader: a buffered reader's lines to records, records to a
//! [`Dataset`].
//!
//! Streaming: the source is read one line at a time through a
//! [`BufRead`], so the file is never held as text; only the numbers (and the
//! target cells' text, until the task is known) are kept.

use std::collections::HashSet;
use std::io::BufRead;

use super::record::{is_missing, parse_number, parse_value, split_record};
use super::{CsvOptions, CsvTask, Header, MAX_INFERRED_CLASSES, TargetColumn, csv_error};
use crate::data::{Dataset, Target, Task};
use crate::error::{CsvErrorKind, DataError};
use crate::{Error, Result};

/// A line of the file: its 1-based number and its text without the line break.
type Line<'a> = (usize, &'a str);

/// The lines of a CSV source, read one at a time: numbered from 1, without
/// their line break (`\n`, or `\r\n`), the byte-order mark dropped from the
/// first, blank lines skipped; bytes that are not UTF-8 reported at their
/// line and column.
struct Lines<'p, R> {
    reader: R,
    path: &'p str,
    delimiter: char,
    bytes: Vec<u8>,
    /// The number of the line read last.
    number: usize,
}

impl<'p, R: BufRead> Lines<'p, R> {
    fn new(reader: R, path: &'p str, delimiter: char) -> Self {
        Self {
            reader,
            path,
            delimiter,
            bytes: Vec::new(),
            number: 0,
        }
    }

    /// The next line that is not blank, into `text`: its number, or `None`
    /// at the end of the source.
    fn next_into(&mut self, text: &mut String) -> Result<Option<usize>> {
        loop {
            self.bytes.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.bytes)
                .map_err(|source| DataError::Io {
                    path: self.path.to_owned(),
                    source,
                })?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            let mut line = self.bytes.as_slice();
            line = line.strip_suffix(b"\n").unwrap_or(line);
            line = line.strip_suffix(b"\r").unwrap_or(line);
            if self.number == 1 {
                line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
            }
            let line = std::str::from_utf8(line).map_err(|e| {
                let valid = line.get(..e.valid_up_to()).unwrap_or_default();
                let column =
                    1 + std::str::from_utf8(valid).map_or(0, |s| s.matches(self.delimiter).count());
                Error::from(csv_error(
                    self.path,
                    self.number,
                    column,
                    CsvErrorKind::InvalidUtf8,
                ))
            })?;
            if !is_blank(line, self.delimiter) {
                text.clear();
                text.push_str(line);
                return Ok(Some(self.number));
            }
        }
    }
}

/// The target cells' text, one after another in one string, with their
/// line numbers: kept until the task is known, without an allocation per row.
#[derive(Default)]
struct TargetCells {
    text: String,
    /// Per row: its line and where its cell ends in `text`.
    rows: Vec<(usize, usize)>,
}

impl TargetCells {
    fn push(&mut self, line: usize, cell: &str) {
        self.text.push_str(cell);
        self.rows.push((line, self.text.len()));
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn first_line(&self) -> usize {
        self.rows.first().map_or(1, |&(line, _)| line)
    }

    /// `(line, cell)` per row, in order.
    fn iter(&self) -> impl Iterator<Item = Line<'_>> + '_ {
        let starts = std::iter::once(0).chain(self.rows.iter().map(|&(_, end)| end));
        self.rows
            .iter()
            .zip(starts)
            .map(|(&(line, end), start)| (line, &self.text[start..end]))
    }
}

/// Parses CSV from `reader` line by line (see [`CsvOptions`] for the rules);
/// errors name `path`.
pub(super) fn parse_reader(
    reader: impl BufRead,
    path: &str,
    stem: &str,
    opts: &CsvOptions,
) -> Result<Dataset> {
    opts.check()?;
    let err = |line: usize, column: usize, kind: CsvErrorKind| -> Error {
        csv_error(path, line, column, kind).into()
    };
    let delimiter = opts.delimiter;
    let mut lines = Lines::new(reader, path, delimiter);

    let mut first = String::new();
    let Some(first_line) = lines.next_into(&mut first)? else {
        return Err(err(1, 1, CsvErrorKind::EmptyFile));
    };
    let mut cells = Vec::new();
    split_record(&first, delimiter, &mut cells).map_err(|(c, k)| err(first_line, c, k))?;
    let first_cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    drop(cells);
    let n_columns = first_cells.len();
    let mut second = String::new();
    let second_line = lines.next_into(&mut second)?;
    let has_header = match opts.header {
        Header::Present => true,
        Header::Absent => false,
        Header::Auto => detect_header(
            &first_cells,
            second_line.map(|n| (n, second.as_str())),
            delimiter,
        ),
    };
    if n_columns < 2 {
        return Err(err(first_line, 1, CsvErrorKind::NoFeatures));
    }
    let target_col = target_column(&opts.target, &first_cells, has_header)
        .map_err(|(column, kind)| err(first_line, column, kind))?;

    let mut features = Vec::new();
    let mut targets = TargetCells::default();
    let mut record = |line_no: usize, line: &str| -> Result<()> {
        let mut cells = Vec::with_capacity(n_columns);
        split_record(line, delimiter, &mut cells).map_err(|(c, k)| err(line_no, c, k))?;
        if cells.len() != n_columns {
            let kind = CsvErrorKind::RaggedRow {
                expected: n_columns,
                found: cells.len(),
            };
            return Err(err(line_no, cells.len().min(n_columns) + 1, kind));
        }
        for (j, cell) in cells.iter().enumerate() {
            if j != target_col {
                features.push(parse_value(cell).map_err(|k| err(line_no, j + 1, k))?);
            }
        }
        let cell = &cells[target_col];
        if is_missing(cell) {
            let kind = CsvErrorKind::MissingValue {
                value: cell.to_string(),
            };
            return Err(err(line_no, target_col + 1, kind));
        }
        targets.push(line_no, cell);
        Ok(())
    };
    if !has_header {
        record(first_line, &first)?;
    }
    if let Some(line_no) = second_line {
        record(line_no, &second)?;
        let mut line = second;
        while let Some(line_no) = lines.next_into(&mut line)? {
            record(line_no, &line)?;
        }
    }
    if targets.is_empty() {
        return Err(err(first_line + 1, 1, CsvErrorKind::NoDataRows));
    }

    let task = match opts.task {
        CsvTask::Classification => Task::Classification,
        CsvTask::Regression => Task::Regression,
        CsvTask::Infer => infer_task(&targets),
    };
    let target = match task {
        Task::Regression => Target::Real(
            targets
                .iter()
                .map(|(line, t)| parse_value(t).map_err(|k| err(line, target_col + 1, k)))
                .collect::<Result<_>>()?,
        ),
        Task::Classification => {
            let (labels, names) = class_labels(&targets);
            if names.len() < 2 {
                let label = names.into_iter().next().unwrap_or_default();
                return Err(err(
                    targets.first_line(),
                    target_col + 1,
                    CsvErrorKind::SingleClass { label },
                ));
            }
            Target::Classes { labels, names }
        }
    };
    drop(targets);
    features.shrink_to_fit();
    let name = opts.name.clone().unwrap_or_else(|| stem.to_owned());
    let dataset = Dataset::new(name, features, n_columns - 1, target)?;
    if has_header {
        let mut names = first_cells;
        names.remove(target_col);
        dataset.with_feature_names(names)
    } else {
        Ok(dataset)
    }
}

/// A line with nothing but spaces or tabs (that are not the delimiter).
fn is_blank(line: &str, delimiter: char) -> bool {
    line.chars()
        .all(|c| (c == ' ' || c == '\t') && c != delimiter)
}

/// [`Header::Auto`]: the first line is a header if one of its cells is text
/// (not a number, not a missing-value marker) above a number; with no usable
/// second line, if none of its cells is a number.
fn detect_header(first: &[String], second: Option<Line<'_>>, delimiter: char) -> bool {
    let is_text = |c: &str| !is_missing(c) && parse_number(c).is_err();
    let mut cells = Vec::new();
    match second.map(|(_, l)| split_record(l, delimiter, &mut cells)) {
        Some(Ok(())) => first
            .iter()
            .zip(&cells)
            .any(|(a, b)| is_text(a) && parse_number(b).is_ok()),
        _ => first.iter().all(|c| parse_number(c).is_err()),
    }
}

/// The 0-based target column, or `(column, kind)` for the error.
fn target_column(
    target: &TargetColumn,
    first: &[String],
    has_header: bool,
) -> Result<usize, (usize, CsvErrorKind)> {
    let n_columns = first.len();
    let unknown = |column: usize| {
        (
            column,
            CsvErrorKind::UnknownTargetColumn {
                target: target.to_string(),
                n_columns,
            },
        )
    };
    match target {
        TargetColumn::Last => Ok(n_columns - 1),
        TargetColumn::First => Ok(0),
        TargetColumn::Index(i) if *i < n_columns => Ok(*i),
        TargetColumn::Index(i) => Err(unknown(i.saturating_add(1))),
        TargetColumn::Name(name) => first
            .iter()
            .position(|c| c == name)
            .filter(|_| has_header)
            .ok_or_else(|| unknown(1)),
    }
}

/// [`CsvTask::Infer`]: classification if a target is not a number, or if all
/// are integers with at most [`MAX_INFERRED_CLASSES`] distinct values.
fn infer_task(targets: &TargetCells) -> Task {
    let mut distinct = HashSet::new();
    let mut all_integers = true;
    for (_, t) in targets.iter() {
        match parse_number(t) {
            Ok(x) if all_integers && x.fract() == 0.0 && x.abs() < 9.0e15 => {
                // Exact: |x| < 2^53, so the cast loses nothing.
                #[allow(clippy::cast_possible_truncation)]
                distinct.insert(x as i64);
            }
            Ok(_) => all_integers = false,
            Err(CsvErrorKind::NonNumeric { .. }) => return Task::Classification,
            // Reported with its position when read as a regression target.
            Err(_) => return Task::Regression,
        }
    }
    if all_integers && distinct.len() <= MAX_INFERRED_CLASSES {
        Task::Classification
    } else {
        Task::Regression
    }
}

/// Class labels and names: numbers compared by value and sorted numerically
/// (named by their first spelling), otherwise texts sorted.
fn class_labels(targets: &TargetCells) -> (Vec<usize>, Vec<String>) {
    let numeric: Option<Vec<f64>> = targets
        .iter()
        // `+ 0.0` turns -0 into +0 so both are one class.
        .map(|(_, t)| parse_number(t).ok().map(|x| x + 0.0))
        .collect();
    if let Some(values) = numeric {
        let mut distinct = values.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let labels: Vec<usize> = values
            .iter()
            .map(|v| distinct.binary_search_by(|p| p.total_cmp(v)).unwrap_or(0))
            .collect();
        let mut names = vec![None; distinct.len()];
        for (&label, (_, text)) in labels.iter().zip(targets.iter()) {
            names[label].get_or_insert_with(|| text.to_string());
        }
        (
            labels,
            names.into_iter().map(Option::unwrap_or_default).collect(),
        )
    } else {
        let mut distinct: Vec<&str> = targets.iter().map(|(_, t)| t).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let labels = targets
            .iter()
            .map(|(_, t)| distinct.binary_search(&t).unwrap_or(0))
            .collect();
        (labels, distinct.into_iter().map(str::to_owned).collect())
    }
}
