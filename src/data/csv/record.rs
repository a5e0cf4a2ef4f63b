//! One CSV line split into cells, and one cell read as a number.
//!
//! The dialect is RFC 4180 restricted to one record per line: a cell may be
//! quoted with `"` (a doubled `""` inside is one quote), spaces and tabs around
//! cells are ignored (unless the delimiter is one of them), and a quoted cell
//! must close on its own line.

use std::borrow::Cow;

use crate::data::is_valid_value;
use crate::error::CsvErrorKind;

/// Cell texts that mean "no value" (compared case-insensitively), besides the
/// empty cell. `nan` is here too: a NaN feature cannot be trained on.
const MISSING_MARKERS: [&str; 5] = ["na", "n/a", "nan", "null", "?"];

/// Splits `line` into `cells` (cleared first).
///
/// # Errors
/// `(column, kind)` with the 1-based column of the offending cell:
/// [`CsvErrorKind::UnterminatedQuote`] or [`CsvErrorKind::StrayQuote`].
pub(super) fn split_record<'a>(
    line: &'a str,
    delimiter: char,
    cells: &mut Vec<Cow<'a, str>>,
) -> Result<(), (usize, CsvErrorKind)> {
    cells.clear();
    let is_space = |c: char| (c == ' ' || c == '\t') && c != delimiter;
    let mut rest = line;
    loop {
        let column = cells.len() + 1;
        let trimmed = rest.trim_start_matches(is_space);
        if let Some(inner) = trimmed.strip_prefix('"') {
            let (value, after) =
                read_quoted(inner).ok_or((column, CsvErrorKind::UnterminatedQuote))?;
            cells.push(value);
            let tail = after.trim_start_matches(is_space);
            if tail.is_empty() {
                return Ok(());
            }
            rest = tail
                .strip_prefix(delimiter)
                .ok_or((column, CsvErrorKind::StrayQuote))?;
        } else {
            let (cell, next) = match trimmed.find(delimiter) {
                Some(pos) => (
                    &trimmed[..pos],
                    Some(&trimmed[pos + delimiter.len_utf8()..]),
                ),
                None => (trimmed, None),
            };
            if cell.contains('"') {
                return Err((column, CsvErrorKind::StrayQuote));
            }
            cells.push(Cow::Borrowed(cell.trim_end_matches(is_space)));
            match next {
                Some(next) => rest = next,
                None => return Ok(()),
            }
        }
    }
}

/// Reads a quoted cell whose opening quote is already consumed: the cell's
/// value and the text after the closing quote, or `None` if it never closes.
fn read_quoted(inner: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut value: Option<String> = None;
    let mut start = 0;
    loop {
        let quote = start + inner[start..].find('"')?;
        let after = &inner[quote + 1..];
        if let Some(more) = after.strip_prefix('"') {
            // A doubled quote: keep one and go on.
            let v = value.get_or_insert_with(String::new);
            v.push_str(&inner[start..=quote]);
            start = inner.len() - more.len();
        } else {
            let value = match value {
                None => Cow::Borrowed(&inner[..quote]),
                Some(mut v) => {
                    v.push_str(&inner[start..quote]);
                    Cow::Owned(v)
                }
            };
            return Some((value, after));
        }
    }
}

/// Whether `cell` is empty or a missing-value marker.
pub(super) fn is_missing(cell: &str) -> bool {
    cell.is_empty() || MISSING_MARKERS.iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// Reads `cell` as a finite number.
///
/// # Errors
/// [`CsvErrorKind::MissingValue`], [`CsvErrorKind::NonFinite`] (`inf`, or a
/// number that overflows `f64`) or [`CsvErrorKind::NonNumeric`].
pub(super) fn parse_number(cell: &str) -> Result<f64, CsvErrorKind> {
    if is_missing(cell) {
        return Err(CsvErrorKind::MissingValue {
            value: cell.to_owned(),
        });
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(CsvErrorKind::NonFinite {
            value: cell.to_owned(),
        }),
        Err(_) => Err(CsvErrorKind::NonNumeric {
            value: cell.to_owned(),
        }),
    }
}

/// Reads a feature or regression-target cell: a finite number of magnitude
/// at most [`MAX_VALUE`](crate::data::MAX_VALUE) (see [`check_value`]). Per cell, so that any parser
/// (a streaming one too) rejects the cell where it stands.
///
/// # Errors
/// As [`parse_number`], and [`CsvErrorKind::OutOfRange`].
pub(super) fn parse_value(cell: &str) -> Result<f64, CsvErrorKind> {
    check_value(cell, parse_number(cell)?)
}

/// `x`, the number read from `cell`, if the networks can train on it: its
/// magnitude is at most [`MAX_VALUE`](crate::data::MAX_VALUE) (`f32::MAX`;
/// they train in `f32`).
///
/// # Errors
/// [`CsvErrorKind::OutOfRange`] naming the cell's text.
pub(super) fn check_value(cell: &str, x: f64) -> Result<f64, CsvErrorKind> {
    if is_valid_value(x) {
        Ok(x)
    } else {
        Err(CsvErrorKind::OutOfRange {
            value: cell.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, d: char) -> Result<Vec<String>, (usize, CsvErrorKind)> {
        let mut cells = Vec::new();
        split_record(line, d, &mut cells)?;
        Ok(cells.into_iter().map(Cow::into_owned).collect())
    }

    #[test]
    fn plain_cells_are_trimmed() {
        assert_eq!(split(" 1, 2 ,3", ',').unwrap(), ["1", "2", "3"]);
        assert_eq!(split("1,,3,", ',').unwrap(), ["1", "", "3", ""]);
        assert_eq!(split("a;b", ';').unwrap(), ["a", "b"]);
        assert_eq!(split("a\tb\t c", '\t').unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn quoted_cells() {
        assert_eq!(
            split(r#""a,b", "say ""hi""" ,c"#, ',').unwrap(),
            ["a,b", r#"say "hi""#, "c"]
        );
        assert_eq!(split(r#""""#, ',').unwrap(), [""]);
        assert_eq!(split(r#""é""#, ',').unwrap(), ["é"]);
    }

    #[test]
    fn bad_quotes_name_their_column() {
        assert_eq!(
            split(r#"1,"abc"#, ','),
            Err((2, CsvErrorKind::UnterminatedQuote))
        );
        assert_eq!(
            split(r#"1,2,ab"c"#, ','),
            Err((3, CsvErrorKind::StrayQuote))
        );
        assert_eq!(split(r#""ab"c,1"#, ','), Err((1, CsvErrorKind::StrayQuote)));
    }

    #[test]
    fn numbers_and_missing_values() {
        assert_eq!(parse_number("1.5e2"), Ok(150.0));
        assert_eq!(parse_number("-3"), Ok(-3.0));
        for missing in ["", "NA", "nan", "NaN", "?", "null"] {
            assert!(
                matches!(
                    parse_number(missing),
                    Err(CsvErrorKind::MissingValue { .. })
                ),
                "{missing}"
            );
        }
        assert!(matches!(
            parse_number("inf"),
            Err(CsvErrorKind::NonFinite { .. })
        ));
        assert!(matches!(
            parse_number("1e999"),
            Err(CsvErrorKind::NonFinite { .. })
        ));
        assert!(matches!(
            parse_number("abc"),
            Err(CsvErrorKind::NonNumeric { .. })
        ));
    }

    #[test]
    fn values_beyond_f32_are_out_of_range() {
        let max = f64::from(f32::MAX).to_string();
        assert_eq!(parse_value(&max), Ok(f64::from(f32::MAX)));
        assert_eq!(parse_value(&format!("-{max}")), Ok(-f64::from(f32::MAX)));
        assert_eq!(parse_value("1e-300"), Ok(1e-300));
        for big in [
            "1e308",
            "-3.5e38",
            "340282350000000000000000000000000000001",
        ] {
            assert_eq!(
                parse_value(big),
                Err(CsvErrorKind::OutOfRange { value: big.into() }),
                "{big}"
            );
        }
        // Other problems keep their own kind.
        assert!(matches!(
            parse_value("1e999"),
            Err(CsvErrorKind::NonFinite { .. })
        ));
        assert!(matches!(
            parse_value("NA"),
            Err(CsvErrorKind::MissingValue { .. })
        ));
    }
}
