//! The journal: a JSON-lines file that makes a study durable and resumable.
//!
//! Line 1 is a [`JournalHeader`] (`{"header":{...}}`): format and version,
//! the search space, direction, seed, workers, mode, and the sampler's and
//! pruner's type names. Then, in the order things happen:
//! - `{"asked":{"batch":4,"trials":[{"number":4,"params":{...}}, ...]}}` when a
//!   batch of trials is asked (before any of them runs);
//! - `{"trial":{"number":4,"params":{...},"state":"complete","value":0.31,...}}`
//!   (a [`TrialRecord`]) as soon as a trial finishes.
//!
//! Every line is written in one `write` and `fsync`ed (`File::sync_data`)
//! before the study uses its content, so a killed study loses at most the
//! trials that were running. Floats round-trip exactly (shortest
//! representation written, correctly rounded parsing), which exact resume needs.
//!
//! Reading: a last line that does not parse is a torn write — it is skipped
//! with a warning (and cut off before the study appends again); any other line
//! that does not parse, a missing or second header, or a trial recorded twice
//! is a [`StudyError::Journal`] naming the line.

use super::Mode;
use crate::error::StudyError;
use crate::history::{Direction, TrialRecord};
use crate::space::{Params, SearchSpace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `format` field of every journal header.
pub const JOURNAL_FORMAT: &str = "autotune-journal";
/// The journal format version this crate writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// The first line of a journal: what a resuming study must match. Samplers
/// and pruners are compared by type name only: a sampler of the same type
/// with other settings is not detected, and would break exact resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// Always [`JOURNAL_FORMAT`].
    pub format: String,
    /// [`JOURNAL_VERSION`] when written.
    pub version: u32,
    /// The search space.
    pub space: SearchSpace,
    /// Minimise or maximise.
    pub direction: Direction,
    /// The study seed.
    pub seed: u64,
    /// Worker threads (the batch size of a synchronous study).
    pub workers: usize,
    /// Synchronous batches or asynchronous.
    pub mode: Mode,
    /// The sampler's type name (module path removed).
    pub sampler: String,
    /// The pruner's type name (module path removed).
    pub pruner: String,
}

/// A trial that was asked: its number and configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AskedTrial {
    pub number: usize,
    pub params: Params,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Line {
    Header(JournalHeader),
    Asked {
        /// The number of the batch's first trial.
        batch: usize,
        trials: Vec<AskedTrial>,
    },
    Trial(TrialRecord),
}

/// What a journal holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    /// The header.
    pub header: JournalHeader,
    /// Finished trials, in number order.
    pub trials: Vec<TrialRecord>,
    /// Trials asked but not finished, as `(batch, number, params)`, in number order.
    pub unfinished: Vec<(usize, usize, Params)>,
    /// The highest trial number asked or recorded, if any.
    pub last_number: Option<usize>,
    /// Problems that were worked around (a skipped torn last line).
    pub warnings: Vec<String>,
}

struct Parsed {
    contents: Option<JournalContents>,
    /// Warnings, also when there is no content.
    warnings: Vec<String>,
    /// Where the valid content ends (a torn last line starts here).
    valid_len: u64,
    /// Whether the valid content ends without a newline.
    missing_newline: bool,
}

fn io_err(path: &Path, source: std::io::Error) -> StudyError {
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
    parse(path, &std::fs::read(path).map_err(|e| io_err(path, e))?)?
        .contents
        .ok_or_else(|| bad_line(path, 1, "the journal has no header"))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, StudyError> {
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
    let mut warnings = Vec::new();
    let mut valid_len = bytes.len() as u64;
    let mut missing_newline = false;
    let mut decoded = Vec::with_capacity(lines.len());
    let n_lines = lines.len();
    for (i, &(no, offset, text, has_newline)) in lines.iter().enumerate() {
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<Line>(s).map_err(|e| e.to_string()));
        match parsed {
            Ok(line) => {
                decoded.push((no, line));
                missing_newline = !has_newline;
            }
            Err(reason) if i + 1 == n_lines => {
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
        Some((_, Line::Header(h))) => h,
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
            last_number,
            warnings: warnings.clone(),
        }),
        warnings,
        valid_len,
        missing_newline,
    })
}

/// An open journal, appending.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Starts a new journal at `path` with `header`.
    ///
    /// # Errors
    /// [`StudyError::JournalExists`] if the file exists and is not empty;
    /// [`StudyError::Io`] if it cannot be written.
    pub fn create(path: &Path, header: &JournalHeader) -> Result<Self, StudyError> {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(StudyError::JournalExists {
                path: path.display().to_string(),
            });
        }
        Self::start(path, header)
    }

    fn start(path: &Path, header: &JournalHeader) -> Result<Self, StudyError> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        sync_parent_dir(path);
        let mut j = Self {
            path: path.to_owned(),
            file,
        };
        j.append(&Line::Header(header.clone()))?;
        Ok(j)
    }

    /// Opens the journal at `path` to continue it: checks its header against
    /// `header`, cuts off a torn last line, and returns what it holds and the
    /// warnings. A missing or empty file (or one holding only a torn header)
    /// starts a new journal.
    ///
    /// # Errors
    /// As [`read_journal`], plus [`StudyError::HeaderMismatch`].
    pub fn resume(
        path: &Path,
        header: &JournalHeader,
    ) -> Result<(Self, Option<JournalContents>, Vec<String>), StudyError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err(path, e)),
        };
        let parsed = parse(path, &bytes)?;
        let Some(contents) = parsed.contents else {
            return Ok((Self::start(path, header)?, None, parsed.warnings));
        };
        check_header(path, &contents.header, header)?;
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        if parsed.valid_len < bytes.len() as u64 {
            file.set_len(parsed.valid_len)
                .and_then(|()| file.sync_data())
                .map_err(|e| io_err(path, e))?;
        }
        drop(file);
        let mut file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        if parsed.missing_newline {
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(|e| io_err(path, e))?;
        }
        Ok((
            Self {
                path: path.to_owned(),
                file,
            },
            Some(contents),
            parsed.warnings,
        ))
    }

    /// Appends `line` and waits until it is on disk.
    pub fn append(&mut self, line: &Line) -> Result<(), StudyError> {
        let mut text = serde_json::to_string(line)
            .map_err(|e| io_err(&self.path, std::io::Error::other(e)))?;
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_err(&self.path, e))
    }
}

fn check_header(
    path: &Path,
    journal: &JournalHeader,
    study: &JournalHeader,
) -> Result<(), StudyError> {
    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_else(|e| format!("<{e}>"))
    }
    let fields = [
        ("space", json(&journal.space), json(&study.space)),
        (
            "direction",
            json(&journal.direction),
            json(&study.direction),
        ),
        ("seed", json(&journal.seed), json(&study.seed)),
        ("workers", json(&journal.workers), json(&study.workers)),
        ("mode", json(&journal.mode), json(&study.mode)),
        ("sampler", json(&journal.sampler), json(&study.sampler)),
        ("pruner", json(&journal.pruner), json(&study.pruner)),
    ];
    for (field, a, b) in fields {
        if a != b {
            return Err(StudyError::HeaderMismatch {
                path: path.display().to_string(),
                field,
                journal: a,
                study: b,
            });
        }
    }
    Ok(())
}

/// Makes a newly created file's directory entry durable (POSIX needs an
/// `fsync` of the directory). Best effort: not every platform allows it.
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The type name of `T` without module paths: `autotune::pruner::MedianPruner`
/// becomes `MedianPruner`, `a::B<c::D>` becomes `B<D>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        out.push_str(token.rsplit("::").next().unwrap_or(token));
        token.clear();
    };
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState;
    use crate::space::Scale;
    use proptest::prelude::*;

    struct Outer<T>(T);

    #[test]
    fn short_type_names() {
        assert_eq!(
            short_type_name::<crate::pruner::MedianPruner>(),
            "MedianPruner"
        );
        assert_eq!(
            short_type_name::<Outer<crate::pruner::NopPruner>>(),
            "Outer<NopPruner>"
        );
    }

    fn header() -> JournalHeader {
        JournalHeader {
            format: JOURNAL_FORMAT.into(),
            version: JOURNAL_VERSION,
            space: SearchSpace::builder()
                .float("x", 0.0..=1.0, Scale::Linear)
                .build()
                .unwrap(),
            direction: Direction::Minimize,
            seed: 1,
            workers: 1,
            mode: Mode::Synchronous,
            sampler: "S".into(),
            pruner: "P".into(),
        }
    }

    fn record(number: usize, x: f64) -> TrialRecord {
        TrialRecord {
            number,
            params: Params::new().with("x", x),
            state: TrialState::Complete { value: x },
            intermediate: vec![(0, x)],
            duration_secs: x,
        }
    }

    fn json(line: &Line) -> String {
        serde_json::to_string(line).unwrap()
    }

    proptest! {
        /// Exact resume needs every float to read back bit for bit.
        #[test]
        fn floats_round_trip_exactly(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            let line = Line::Trial(TrialRecord {
                intermediate: vec![(3, v), (4, -v)],
                state: TrialState::Pruned { step: 4, value: Some(v) },
                ..record(2, 0.5)
            });
            let back: Line = serde_json::from_str(&json(&line)).unwrap();
            prop_assert_eq!(back, line);
        }
    }

    #[test]
    fn a_valid_last_line_without_newline_is_kept_and_completed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let text = format!(
            "{}\n{}",
            json(&Line::Header(header())),
            json(&Line::Trial(record(0, 0.25)))
        );
        std::fs::write(&path, text).unwrap();
        let (mut j, contents, warnings) = Journal::resume(&path, &header()).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(contents.unwrap().trials, vec![record(0, 0.25)]);
        j.append(&Line::Trial(record(1, 0.5))).unwrap();
        let back = read_journal(&path).unwrap();
        assert_eq!(back.trials, vec![record(0, 0.25), record(1, 0.5)]);
        assert_eq!(back.last_number, Some(1));
    }

    #[test]
    fn a_torn_header_starts_a_new_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let h = json(&Line::Header(header()));
        std::fs::write(&path, &h[..h.len() / 2]).unwrap();
        let (_, contents, warnings) = Journal::resume(&path, &header()).unwrap();
        assert!(contents.is_none());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("line 1"), "{}", warnings[0]);
        assert_eq!(read_journal(&path).unwrap().header, header());
    }

    #[test]
    fn structural_errors_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let h = json(&Line::Header(header()));
        let t = json(&Line::Trial(record(0, 0.25)));
        let check = |text: String, line: usize, what: &str| {
            std::fs::write(&path, text).unwrap();
            match read_journal(&path) {
                Err(StudyError::Journal {
                    line: l, reason, ..
                }) => {
                    assert_eq!(l, line, "{reason}");
                    assert!(reason.contains(what), "{reason}");
                }
                other => panic!("expected a journal error, got {other:?}"),
            }
        };
        check(format!("{t}\n{h}\n"), 1, "header");
        check(format!("{h}\n{t}\n{h}\n{t}\n"), 3, "second header");
        let mut newer = header();
        newer.version = JOURNAL_VERSION + 1;
        check(format!("{}\n", json(&Line::Header(newer))), 1, "newer");
        let mut other = header();
        other.format = "something-else".into();
        check(format!("{}\n", json(&Line::Header(other))), 1, "not an");
        let outside = json(&Line::Trial(record(0, 2.0)));
        check(format!("{h}\n{outside}\n{t}\n"), 2, "outside its domain");
        // Blank lines are ignored but counted.
        check(format!("{h}\n\n{t}\n{t}\n"), 4, "twice");
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            read_journal(&path),
            Err(StudyError::Journal { line: 1, .. })
        ));
    }
}
