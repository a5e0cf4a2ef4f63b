//! Writing a journal: create, resume (cutting off a torn last line), and
//! append lines that are on disk before they are used.

use super::read::{io_err, parse};
use super::{JournalContents, JournalHeader, Line};
use crate::error::StudyError;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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
