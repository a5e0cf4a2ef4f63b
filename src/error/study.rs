/// A study that could not go on: storage, journal or evaluation machinery.
///
/// A trial whose objective fails is *not* an error: it is recorded as a
/// failed or diverged trial and the study goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// Reading or writing the study's files failed.
    #[error("study storage {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A new study was asked to write to a journal that already holds trials.
    #[error("journal {path} already exists; resume it (`resume(true)`) or choose another path")]
    JournalExists {
        /// The journal file.
        path: String,
    },
    /// A journal line that is not valid (other than a torn last line, which is skipped).
    #[error("journal {path}, line {line}: {reason}")]
    Journal {
        /// The journal file.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A resumed journal's training steps that the schedule, replaying its
    /// decisions from the same seed, does not take (the journal was written
    /// by other code or other settings, or edited).
    #[error("journal {path}: its training steps do not replay: {reason}")]
    StepsMismatch {
        /// The journal file.
        path: String,
        /// Which step, and what differs.
        reason: String,
    },
    /// A journal written by a study set up differently from the one resuming it.
    #[error(
        "journal {path} was written with {field} = {journal}, but this study has {field} = {study}"
    )]
    HeaderMismatch {
        /// The journal file.
        path: String,
        /// The setting that differs.
        field: &'static str,
        /// Its value in the journal.
        journal: String,
        /// Its value in this study.
        study: String,
    },
    /// The study's storage is locked by another process (or by another study
    /// of this process): one study is run by one process at a time.
    #[error(
        "{path} is locked by {}: a study is run by one process at a time; wait for it to end, or use another journal",
        holder(*.pid, .command.as_deref())
    )]
    Locked {
        /// The lock file.
        path: String,
        /// The process id of the holder, if it could be read.
        pid: Option<u32>,
        /// The holder's command line, if it could be read.
        command: Option<String>,
    },
    /// A study resumed on other data than it was started on (see
    /// [`crate::study::journal::DataFingerprint`]).
    #[error(
        "journal {path} was started on other data ({}); resume it with the data it was started on, or start a new study",
        .changes.join("; ")
    )]
    DataMismatch {
        /// The journal file.
        path: String,
        /// What changed, one phrase each (rows, columns, classes, values, split).
        changes: Vec<String>,
    },
    /// `tell` for a trial number this study (or ask/tell loop) is not
    /// waiting for: never asked, or already told.
    #[error("trial {number} is not running in this study (never asked, or already told)")]
    UnknownTrial {
        /// The trial's number.
        number: usize,
    },
    /// `tell` with a trial that another study asked: recording it here would
    /// corrupt both studies' histories and journals.
    #[error("trial {number} was asked by another study; tell it to the study that asked it")]
    ForeignTrial {
        /// The trial's number.
        number: usize,
    },
    /// A sampler that broke its contract (e.g. returned the wrong number of configurations).
    #[error("sampler: {reason}")]
    Sampler {
        /// What went wrong.
        reason: String,
    },
    /// The worker thread pool could not be started.
    #[error("cannot start {workers} worker threads: {reason}")]
    ThreadPool {
        /// Threads asked for.
        workers: usize,
        /// Why it failed.
        reason: String,
    },
    /// The study was stopped (its [`StopHandle`](crate::study::StopHandle)
    /// was set) before it ran all its trials: the `finished` trials are
    /// recorded (in the journal, if any, so the study can be resumed).
    #[error("stopped after {finished} of {planned} trials")]
    Interrupted {
        /// Trials finished in the whole study.
        finished: usize,
        /// Trials the study was to run.
        planned: usize,
    },
    /// `ask` on a shared study whose budget of trials is reached (all of
    /// them asked; the study ends when the running ones finish).
    #[error("study {storage}: its budget of trials is reached; no trial is left to ask")]
    BudgetReached {
        /// The storage and study.
        storage: String,
    },
    /// `tell` for a trial that its storage had given up as lost (no
    /// heartbeat within the grace period: the worker seemed dead) and
    /// handed to another worker; this result is not recorded.
    #[error(
        "study {storage}: trial {number} was given up as lost (no heartbeat within {grace_secs} s) and is re-run elsewhere; its result is not recorded"
    )]
    TrialLost {
        /// The storage and study.
        storage: String,
        /// The trial's number.
        number: usize,
        /// The grace period.
        grace_secs: f64,
    },
    /// A storage URL that cannot be used (not `postgres://` or
    /// `postgresql://`, or malformed).
    #[error("storage URL {url}: {reason}")]
    StorageUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database refused the credentials (wrong user or password).
    #[error("database {url}: authentication failed for user {user}: {reason}")]
    DatabaseAuth {
        /// The URL, without its password.
        url: String,
        /// The user name.
        user: String,
        /// The server's message.
        reason: String,
    },
    /// The database could not be reached (no server there, the network, a
    /// server that went away), or a query failed.
    #[error("database {url}: {reason}")]
    Database {
        /// The URL, without its password.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The database holds autotune tables of a newer schema than this
    /// program knows.
    #[error(
        "database {url}: its autotune schema is version {found}, newer than this program's ({supported}); upgrade autotune"
    )]
    SchemaVersion {
        /// The URL, without its password.
        url: String,
        /// The version found.
        found: i32,
        /// The newest version this program knows.
        supported: i32,
    },
    /// No trial completed, so there is no best trial to use.
    #[error("no trial completed ({failed} failed, {diverged} diverged, {pruned} pruned)")]
    NoCompleteTrial {
        /// Failed trials.
        failed: usize,
        /// Diverged trials.
        diverged: usize,
        /// Pruned trials.
        pruned: usize,
    },
}

/// The holder of a lock, for [`StudyError::Locked`]'s message.
fn holder(pid: Option<u32>, command: Option<&str>) -> String {
    let this = if pid == Some(std::process::id()) {
        " (this process)"
    } else {
        ""
    };
    match (pid, command) {
        (Some(p), Some(c)) => format!("process {p}{this} ({c})"),
        (Some(p), None) => format!("process {p}{this}"),
        _ => "another process".to_owned(),
    }
}
