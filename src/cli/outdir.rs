//! The output directory of a study: its files and the checks before a run.

use super::fail::{CliResult, Failure, OrFail};
use super::settings::Settings;
use std::path::{Path, PathBuf};

/// The journal's file name.
pub const JOURNAL: &str = "journal.jsonl";
/// The settings' file name.
pub const SETTINGS: &str = "study.json";
/// Every results file a finished study has, besides the journal and settings.
pub const RESULTS: [&str; 6] = [
    "trials.csv",
    "best.json",
    "report.json",
    "convergence.svg",
    "slices.svg",
    "importance.svg",
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

    /// Creates the directory if needed and checks it can be written; returns
    /// the saved settings of the study it holds, if any.
    ///
    /// # Errors
    /// Bad input: `--out` is a file, cannot be created or written; a study is
    /// already there and `resume` is false; a journal without its settings file.
    pub fn prepare(&self, resume: bool) -> CliResult<Option<Settings>> {
        let dir = self.root.display();
        if self.root.exists() && !self.root.is_dir() {
            return Err(Failure::input(format!(
                "--out {dir} is a file, not a directory"
            )));
        }
        std::fs::create_dir_all(&self.root)
            .map_err(|e| Failure::input(format!("cannot create output directory {dir}: {e}")))?;
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
            if has_journal {
                return Err(Failure::input(format!(
                    "{} has no {SETTINGS} beside it: it was not written by `autotune tune` and cannot be resumed",
                    self.journal().display()
                )));
            }
            return Ok(None);
        }
        self.read_settings().map(Some)
    }

    /// The saved settings.
    ///
    /// # Errors
    /// Bad input if the file is missing or malformed.
    pub fn read_settings(&self) -> CliResult<Settings> {
        let path = self.file(SETTINGS);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| Failure::input(format!("{}: malformed settings: {e}", path.display())))
    }

    /// Saves the settings.
    ///
    /// # Errors
    /// A run failure if the file cannot be written.
    pub fn write_settings(&self, settings: &Settings) -> CliResult<()> {
        let text = serde_json::to_string_pretty(settings).or_run("serialising the settings")?;
        self.write(SETTINGS, &text)
    }

    /// Writes `text` to the file `name`.
    ///
    /// # Errors
    /// A run failure naming the file.
    pub fn write(&self, name: &str, text: &str) -> CliResult<()> {
        let path = self.file(name);
        std::fs::write(&path, text).or_run(&format!("writing {}", path.display()))
    }
}
