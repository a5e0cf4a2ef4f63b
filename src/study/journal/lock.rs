//! One process per study: an exclusive advisory lock on a lock file, held
//! for the life of the run.

use super::read::io_err;
use crate::error::StudyError;
use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long a lock last written by this process, but not held by any of its
/// studies, may stay taken (by a child process between `fork` and `exec`).
const FORK_GRACE: Duration = Duration::from_secs(2);
/// How long a refused process waits for the holder to write who it is.
const HOLDER_WAIT: Duration = Duration::from_millis(300);

/// An exclusive lock on a study's storage, held until it is dropped.
///
/// [`StudyLock::acquire`] locks a file (created if needed, never deleted)
/// with the operating system's advisory file lock (`flock` on Unix,
/// `LockFileEx` on Windows, through [`File::try_lock`]): the lock belongs to
/// the open file, so the operating system releases it when the process ends
/// in any way, and a process killed with `kill -9` leaves no stale lock. The
/// holder then writes its process id and command line into the file, and a
/// process refused reads them for its message.
///
/// Within one process, a second lock of the same file is refused as well
/// (the process's live locks are also kept in a set).
///
/// A [`crate::study::Study`] with a journal holds the lock on
/// `<journal>.lock` (see [`lock_path`]) from `build` until it is dropped: a
/// second study on the same journal, in this process or another, is refused
/// with [`StudyError::Locked`], so no two writers can interleave lines.
#[derive(Debug)]
pub struct StudyLock {
    path: PathBuf,
    /// The key of this lock in [`held`].
    key: PathBuf,
    /// Held for its lock; closed (releasing the lock) on drop.
    file: Option<File>,
}

/// The lock files held by the `StudyLock`s alive in this process (by
/// canonical path): a second lock is refused from this set alone, whatever
/// the platform's locks do within one process.
fn held() -> std::sync::MutexGuard<'static, HashSet<PathBuf>> {
    static HELD: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    HELD.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for StudyLock {
    fn drop(&mut self) {
        // Unlock (close) first, then let this process lock it again.
        drop(self.file.take());
        held().remove(&self.key);
    }
}

/// The lock file of the journal at `journal`: `<journal>.lock` beside it.
#[must_use]
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    journal.with_file_name(name)
}

impl StudyLock {
    /// Locks the file at `path` (creating it if needed) without waiting.
    ///
    /// # Errors
    /// [`StudyError::Locked`] if another open file holds the lock (another
    /// process, or another study of this process), naming the holder's
    /// process id and command line when it has written them;
    /// [`StudyError::Io`] if the file cannot be opened, locked or written.
    pub fn acquire(path: impl Into<PathBuf>) -> Result<Self, StudyError> {
        let path = path.into();
        // Not truncated on opening: the content names the current holder.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let locked = |path: &Path| {
            let (pid, command) = holder(path);
            StudyError::Locked {
                path: path.display().to_string(),
                pid,
                command,
            }
        };
        // A child process forked by another thread of this process holds
        // copies of its open files until it `exec`s: a lock this process
        // released may stay taken that long. So if the holder is this
        // process, but no lock of it is alive, try again for a while.
        let mut waited = Duration::ZERO;
        loop {
            {
                let mut held = held();
                if held.contains(&key) {
                    drop(held);
                    return Err(locked(&path));
                }
                match file.try_lock() {
                    Ok(()) => {
                        held.insert(key.clone());
                        break;
                    }
                    Err(TryLockError::WouldBlock) => {}
                    Err(TryLockError::Error(e)) => return Err(io_err(&path, e)),
                }
            }
            let refused = locked(&path);
            let ours = matches!(
                refused,
                StudyError::Locked { pid: Some(p), .. } if p == std::process::id()
            );
            if !ours || waited >= FORK_GRACE {
                return Err(refused);
            }
            std::thread::sleep(Duration::from_millis(10));
            waited += Duration::from_millis(10);
        }
        // From here on the lock is ours: dropping `lock` releases it.
        let lock = Self {
            path,
            key,
            file: Some(file),
        };
        // One write of the whole record (a reader takes only a whole one).
        let record = format!(
            "{}\n{}\n",
            std::process::id(),
            std::env::args()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('\n', " ")
        );
        if let Some(file) = &lock.file {
            let mut f = file;
            file.set_len(0)
                .and_then(|()| f.write_all(record.as_bytes()))
                .map_err(|e| io_err(&lock.path, e))?;
        }
        Ok(lock)
    }

    /// The lock file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The process id and command line the holder of the lock at `path` wrote.
/// The holder writes them just after locking: a process refused in between
/// waits for them a little (at most [`HOLDER_WAIT`]).
fn holder(path: &Path) -> (Option<u32>, Option<String>) {
    let start = std::time::Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            // A whole record: the pid line and the command line, each ended.
            if let Some((pid, command)) = text
                .strip_suffix('\n')
                .and_then(|t| t.split_once('\n'))
                .filter(|(_, c)| !c.contains('\n'))
                && let Ok(pid) = pid.trim().parse()
            {
                return (Some(pid), Some(command.to_owned()));
            }
        }
        if start.elapsed() >= HOLDER_WAIT {
            return (None, None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
