//! Reading a journal: lines checked against their checksums, parsed, checked
//! against the header's space; a torn (unterminated) last line told apart
//! from a malformed one.

use super::checksum::{Sealed, unseal};
use super::{CHECKSUM_VERSION, JOURNAL_FORMAT, JOURNAL_VERSION, JournalContents, Line};
use crate::error::StudyError;
use crate::history::TrialRecord;
use crate::space::Params;
use std::collections::BTreeSet;
use std::path::Path;

pub(super) struct Parsed {
    pub contents: Option<JournalContents>,
    /// Warnings, also when there is no content.
    pub warnings: Vec<String>,
    /// Where the valid content ends (a torn last line starts here).
    pub valid_len: u64,
    /// Whether the valid content ends without a newline.
    pub missing_newline: bool,
}

pub(super) fn io_err(path: &Path, source: std::io::Error) -> StudyError {
    StudyError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn bad_line(path: &Path, line: usize, reason: impl Into<String>) -> StudyError {
    StudyError::Journal {
        path: path.display().to_string(),
        line,
        reason: reason.into(),
    }
}

/// Reads the journal at `path` without changing it.
///
/// # Errors
/// [`StudyError::Io`] if it cannot be read, [`StudyError::Journal`] if it is
/// malformed (a torn last line is only a warning) or holds no header.
pub fn read_journal(path: impl AsRef<Path>) -> Result<JournalContents, StudyError> {
    let path = path.as_ref();
    read_existing(path)?.ok_or_else(|| bad_line(path, 1, "the journal has no header"))
}

/// Reads the journal at `path` if a study was started there: `None` if the
/// file is missing, empty or holds only a torn header (a study killed while
/// creating it, which resumes as a new study).
///
/// # Errors
/// As [`read_journal`].
pub fn read_existing(path: impl AsRef<Path>) -> Result<Option<JournalContents>, StudyError> {
    let path = path.as_ref();
    match std::fs::read(path) {
        Ok(bytes) => Ok(parse(path, &bytes)?.contents),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, e)),
    }
}

/// One line decoded: the line and whether it carried a checksum, or why not.
fn decode(text: &[u8]) -> Result<(Line, bool), String> {
    let text = std::str::from_utf8(text).map_err(|e| e.to_string())?;
    let (json, sealed) = match unseal(text) {
        Sealed::Valid(json) => (std::borrow::Cow::Owned(json), true),
        Sealed::Absent(json) => (std::borrow::Cow::Borrowed(json), false),
        Sealed::Mismatch { written, computed } => {
            return Err(format!(
                "checksum mismatch (crc32 {written:08x} written, {computed:08x} computed): \
                 the line was changed or damaged after it was written"
            ));
        }
    };
    let line = serde_json::from_str::<Line>(&json).map_err(|e| e.to_string())?;
    Ok((line, sealed))
}

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, StudyError> {
    // Split into lines, keeping each line's byte offset; drop blank lines.
    let mut lines: Vec<(usize, u64, &[u8], bool)> = Vec::new();
    let mut start = 0usize;
    for (no, chunk) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let has_newline = chunk.ends_with(b"\n");
        let text = if has_newline {
            &chunk[..chunk.len() - 1]
        } else {
            chunk
        };
        if !text.iter().all(u8::is_ascii_whitespace) {
            lines.push((no + 1, start as u64, text, has_newline));
        }
        start += chunk.len();
    }
    let mut results: Vec<Result<(Line, bool), String>> =
        lines.iter().map(|&(_, _, text, _)| decode(text)).collect();
    // From version 3 on, every line carries a checksum.
    let version = match results.first() {
        Some(Ok((Line::Header(h), _))) => h.version,
        _ => 0,
    };
    if version >= CHECKSUM_VERSION {
        for r in &mut results {
            if matches!(r, Ok((_, false))) {
                *r = Err(format!(
                    "the line has no checksum (every line of a version {version} journal ends with its \"crc32\")"
                ));
            }
        }
    }
    let mut warnings = Vec::new();
    let mut valid_len = bytes.len() as u64;
    let mut missing_newline = false;
    let mut decoded = Vec::with_capacity(lines.len());
    let n_lines = lines.len();
    for (i, (&(no, offset, _, has_newline), result)) in lines.iter().zip(results).enumerate() {
        match result {
            Ok((line, _)) => {
                decoded.push((no, line));
                missing_newline = !has_newline;
            }
            // Only an unterminated last line can be a write cut short.
            Err(reason) if i + 1 == n_lines && !has_newline => {
                warnings.push(format!(
                    "journal {}: line {no} is incomplete (a torn write) and was skipped: {reason}",
                    path.display()
                ));
                valid_len = offset;
                missing_newline = false;
            }
            Err(reason) => return Err(bad_line(path, no, reason)),
        }
    }
    let mut iter = decoded.into_iter();
    let header = match iter.next() {
        None => {
            return Ok(Parsed {
                contents: None,
                warnings,
                valid_len,
                missing_newline,
            });
        }
        Some((_, Line::Header(h))) => *h,
        Some((no, _)) => return Err(bad_line(path, no, "the first line must be the header")),
    };
    if header.format != JOURNAL_FORMAT {
        return Err(bad_line(path, 1, format!("not an {JOURNAL_FORMAT} file")));
    }
    if header.version > JOURNAL_VERSION {
        return Err(bad_line(
            path,
            1,
            format!(
                "format version {} is newer than this program's ({JOURNAL_VERSION})",
                header.version
            ),
        ));
    }
    let mut trials: Vec<TrialRecord> = Vec::new();
    let mut asked: Vec<(usize, usize, Params)> = Vec::new();
    let mut numbers = BTreeSet::new();
    let mut last_number: Option<usize> = None;
    let mut steps = Vec::new();
    for (no, line) in iter {
        match line {
            Line::Header(_) => return Err(bad_line(path, no, "a second header")),
            Line::Asked { batch, trials: ts } => {
                for t in ts {
                    header
                        .space
                        .check(&t.params)
                        .map_err(|e| bad_line(path, no, e.to_string()))?;
                    last_number = last_number.max(Some(t.number));
                    asked.push((batch, t.number, t.params));
                }
            }
            Line::Trial(record) => {
                header
                    .space
                    .check(&record.params)
                    .map_err(|e| bad_line(path, no, e.to_string()))?;
                if !numbers.insert(record.number) {
                    return Err(bad_line(
                        path,
                        no,
                        format!("trial {} is recorded twice", record.number),
                    ));
                }
                last_number = last_number.max(Some(record.number));
                trials.push(record);
            }
            Line::Step(step) => {
                if header.version < super::STEPS_VERSION {
                    return Err(bad_line(
                        path,
                        no,
                        format!(
                            "a training step in a version {} journal (steps came with version {})",
                            header.version,
                            super::STEPS_VERSION
                        ),
                    ));
                }
                steps.push(step);
            }
        }
    }
    trials.sort_by_key(|t| t.number);
    let mut unfinished: Vec<(usize, usize, Params)> = asked
        .into_iter()
        .filter(|(_, n, _)| !numbers.contains(n))
        .collect();
    unfinished.sort_by_key(|(_, n, _)| *n);
    unfinished.dedup_by_key(|(_, n, _)| *n);
    Ok(Parsed {
        contents: Some(JournalContents {
            header,
            trials,
            unfinished,
            steps,
            last_number,
            warnings: warnings.clone(),
        }),
        warnings,
        valid_len,
        missing_newline,
    })
}
