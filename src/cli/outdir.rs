//! The output directory of a study: its files and the checks before a run.

use super::fail::{CliResult, Failure, OrFail};
use super::settings::Settings;
use autotune::error::StudyError;
use autotune::study::StudyLock;
use autotune::study::journal::write_atomically;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The journal's file name.
pub const JOURNAL: &str = "journal.jsonl";
/// The settings' file name.
pub const SETTINGS: &str = "study.json";
/// The settings of a study being created, renamed to [`SETTINGS`] once its
/// journal exists (also the temporary file of every rewrite of the settings).
pub const STAGED_SETTINGS: &str = "study.json.tmp";
/// The lock file of the directory: held by the one `autotune tune` run on it.
pub const LOCK: &str = "study.lock";
/// Every results file a finished study has, besides the journal and settings.
pub const RESULTS: [&str; 8] = [
    "trials.csv",
    "best.json",
    "report.json",
    "convergence.svg",
    "slices.svg",
    "importance.svg",
    "best_by_epochs.svg",
    "learning_curves.svg",
];

/// A study's directory.
#[derive(Debug, Clone)]
pub struct OutDir {
    root: PathBuf,
}

impl OutDir {
    /// The directory `root` (not checked).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The journal.
    pub fn journal(&self) -> PathBuf {
        self.file(JOURNAL)
    }

    /// Creates the directory if needed and locks it ([`LOCK`]) for the life
    /// of the run: the lock is held until the returned value is dropped or the
    /// process ends (however it ends: the operating system releases it).
    ///
    /// # Errors
    /// Bad input: `--out` is a file or cannot be created; another process
    /// holds the lock (the message names its process id and command).
    pub fn lock(&self) -> CliResult<StudyLock> {
        let dir = self.root.display();
        if self.root.exists() && !self.root.is_dir() {
            return Err(Failure::input(format!(
                "--out {dir} is a file, not a directory"
            )));
        }
        std::fs::create_dir_all(&self.root)
            .map_err(|e| Failure::input(format!("cannot create output directory {dir}: {e}")))?;
        StudyLock::acquire(self.file(LOCK)).map_err(|e| match e {
            StudyError::Locked { pid, command, .. } => {
                let holder = match (pid, command) {
                    (Some(p), Some(c)) => format!("process {p} ({c})"),
                    (Some(p), None) => format!("process {p}"),
                    _ => "another process".to_owned(),
                };
                Failure::input(format!(
                    "{dir} is in use by {holder}: one study is run by one process at a time; \
                     wait for it to end, or choose another --out"
                ))
            }
            e => Failure::input(format!("cannot lock output directory {dir}: {e}")),
        })
    }

    /// Checks the (locked) directory can be written; returns the saved
    /// settings of the study it holds, if any.
    ///
    /// A study killed while it was being created has its settings staged
    /// ([`STAGED_SETTINGS`]) beside its journal: resuming it completes the
    /// creation. Staged settings without a journal are no study.
    ///
    /// # Errors
    /// Bad input: the directory cannot be written; a study is already there
    /// and `resume` is false; a journal without its settings file; settings
    /// without their journal (deleted or moved: the trials are gone).
    pub fn prepare(&self, resume: bool) -> CliResult<Option<Settings>> {
        let dir = self.root.display();
        let probe = self.file(".autotune-write-test");
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| Failure::input(format!("cannot write to output directory {dir}: {e}")))?;
        let has_journal = self.journal().exists();
        if has_journal && !resume {
            return Err(Failure::input(format!(
                "{dir} already holds a study ({JOURNAL}); add --resume to continue it, or choose another --out"
            )));
        }
        if !resume {
            return Ok(None);
        }
        let settings_path = self.file(SETTINGS);
        if !settings_path.exists() {
            if !has_journal {
                return Ok(None);
            }
            if self.file(STAGED_SETTINGS).exists() {
                let staged = self.read(STAGED_SETTINGS)?;
                self.commit_settings()?;
                return Ok(Some(staged));
            }
            return Err(Failure::input(format!(
                "{} has no {SETTINGS} beside it: it was not written by `autotune tune` and cannot be resumed",
                self.journal().display()
            )));
        }
        if !has_journal {
            return Err(Failure::input(format!(
                "{dir} holds a study ({SETTINGS}) but not its {JOURNAL}: its trials are gone \
                 (deleted or moved?); put the journal back to resume it, or start a new study \
                 without --resume"
            )));
        }
        self.read_settings().map(Some)
    }

    /// The saved settings.
    ///
    /// # Errors
    /// Bad input if the file is missing or malformed.
    pub fn read_settings(&self) -> CliResult<Settings> {
        self.read(SETTINGS)
    }

    /// The settings in the file `name`.
    fn read(&self, name: &str) -> CliResult<Settings> {
        let path = self.file(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| Failure::input(format!("{}: malformed settings: {e}", path.display())))
    }

    /// Saves the settings.
    ///
    /// # Errors
    /// A run failure if the file cannot be written.
    /// Saves the settings atomically (written to [`STAGED_SETTINGS`],
    /// `fsync`ed, renamed): a kill leaves the old file or the new one whole.
    ///
    /// # Errors
    /// A run failure if the file cannot be written.
    pub fn write_settings(&self, settings: &Settings) -> CliResult<()> {
        let text = serde_json::to_string_pretty(settings).or_run("serialising the settings")?;
        let path = self.file(SETTINGS);
        write_atomically(&path, text.as_bytes()).or_run(&format!("writing {}", path.display()))
    }

    /// Stages the settings of a new study ([`STAGED_SETTINGS`], `fsync`ed):
    /// [`OutDir::commit_settings`] makes them the study's once its journal
    /// exists, so a directory never holds settings without a journal.
    ///
    /// # Errors
    /// A run failure if the file cannot be written.
    pub fn stage_settings(&self, settings: &Settings) -> CliResult<()> {
        let text = serde_json::to_string_pretty(settings).or_run("serialising the settings")?;
        let path = self.file(STAGED_SETTINGS);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
            .or_run(&format!("writing {}", path.display()))
    }

    /// Renames staged settings to [`SETTINGS`] (and `fsync`s the directory);
    /// nothing if none are staged.
    ///
    /// # Errors
    /// A run failure if the rename fails.
    pub fn commit_settings(&self) -> CliResult<()> {
        let staged = self.file(STAGED_SETTINGS);
        if !staged.exists() {
            return Ok(());
        }
        std::fs::rename(&staged, self.file(SETTINGS))
            .or_run(&format!("renaming {}", staged.display()))?;
        // The rename is durable once the directory is synced (POSIX).
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(&self.root) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
