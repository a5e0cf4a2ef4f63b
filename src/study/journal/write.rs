//! Writing a journal: create (atomically), resume (cutting off a torn last
//! line), and append lines that are on disk before they are used; all under
//! the journal's lock.

use super::checksum::seal;
use super::lock::{StudyLock, lock_path};
use super::read::{io_err, parse};
use super::{JournalContents, JournalHeader, Line};
use crate::error::StudyError;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An open journal, appending, and the lock that makes this study its only writer.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    _lock: StudyLock,
}

impl Journal {
    /// Starts a new journal at `path` with `header`.
    ///
    /// # Errors
    /// [`StudyError::Locked`] if another study holds the journal;
    /// [`StudyError::JournalExists`] if the file exists and is not empty;
    /// [`StudyError::Io`] if it cannot be written.
    pub fn create(path: &Path, header: &JournalHeader) -> Result<Self, StudyError> {
        let lock = StudyLock::acquire(lock_path(path))?;
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(StudyError::JournalExists {
                path: path.display().to_string(),
            });
        }
        Self::start(path, header, lock)
    }

    /// Writes the header to a temporary file, `fsync`s it and renames it to
    /// `path`: the journal is never seen without its whole header.
    fn start(path: &Path, header: &JournalHeader, lock: StudyLock) -> Result<Self, StudyError> {
        let mut text = encode(path, &Line::Header(Box::new(header.clone())))?;
        text.push('\n');
        write_atomically(path, text.as_bytes()).map_err(|e| io_err(path, e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            _lock: lock,
        })
    }

    /// Opens the journal at `path` to continue it: checks its header against
    /// `header`, cuts off a torn last line, and returns what it holds and the
    /// warnings. A missing, empty or header-only file (no trial was ever
    /// asked; or one holding only a torn header) starts a new journal.
    ///
    /// # Errors
    /// As [`read_journal`](super::read_journal), plus [`StudyError::Locked`],
    /// [`StudyError::HeaderMismatch`] and [`StudyError::DataMismatch`].
    pub fn resume(
        path: &Path,
        header: &JournalHeader,
    ) -> Result<(Self, Option<JournalContents>, Vec<String>), StudyError> {
        let lock = StudyLock::acquire(lock_path(path))?;
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err(path, e)),
        };
        let parsed = parse(path, &bytes)?;
        let mut warnings = parsed.warnings;
        let contents = match parsed.contents {
            Some(c) if !c.is_header_only() => c,
            _ => return Ok((Self::start(path, header, lock)?, None, warnings)),
        };
        // The data first: other data often means another space too, and
        // saying the data changed is the more useful message.
        if let Some(w) = check_data(path, &contents.header, header)? {
            warnings.push(w);
        }
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
                _lock: lock,
            },
            Some(contents),
            warnings,
        ))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line` and waits until it is on disk.
    pub fn append(&mut self, line: &Line) -> Result<(), StudyError> {
        let mut text = encode(&self.path, line)?;
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_err(&self.path, e))
    }
}

/// `line` as journal text, with its checksum (without the newline).
pub(super) fn encode(path: &Path, line: &Line) -> Result<String, StudyError> {
    serde_json::to_string(line)
        .map(|json| seal(&json))
        .map_err(|e| io_err(path, std::io::Error::other(e)))
}

/// Checks the data a study resumes on against the data its journal was
/// started on. A journal without a fingerprint (written before version 3, or
/// by a study given none) cannot be checked: a warning if this study has one.
pub(crate) fn check_data(
    path: &Path,
    journal: &JournalHeader,
    study: &JournalHeader,
) -> Result<Option<String>, StudyError> {
    match (&journal.data, &study.data) {
        (Some(then), Some(now)) => {
            let changes = then.changes(now);
            if changes.is_empty() {
                Ok(None)
            } else {
                Err(StudyError::DataMismatch {
                    path: path.display().to_string(),
                    changes,
                })
            }
        }
        (Some(_), None) => Err(StudyError::DataMismatch {
            path: path.display().to_string(),
            changes: vec![
                "the journal records a fingerprint of its data and this study was given none"
                    .into(),
            ],
        }),
        (None, Some(_)) => Ok(Some(format!(
            "journal {}: it records no fingerprint of the data it was started on \
             (written by an older version, or without one), so the data could not be checked",
            path.display()
        ))),
        (None, None) => Ok(None),
    }
}

pub(crate) fn check_header(
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
        ("schedule", json(&journal.schedule), json(&study.schedule)),
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

/// Writes `bytes` to `path` atomically: to `<path>.tmp` first, `fsync`ed,
/// then renamed over `path` and the directory `fsync`ed. After a crash at any
/// moment `path` holds either its old content (or does not exist) or all of
/// `bytes`, never a part. Call it only while holding the lock that makes
/// this process the file's only writer (the temporary name is fixed).
///
/// # Errors
/// Any I/O error of writing, syncing or renaming.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_parent_dir(path);
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
