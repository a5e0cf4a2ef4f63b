//! The settings of a study shared through PostgreSQL.

use crate::error::ConfigError;
use std::time::Duration;

/// A study shared through PostgreSQL: where, which study, and how lost
/// workers are noticed. Give it to
/// [`StudyBuilder::postgres`](crate::study::StudyBuilder::postgres).
///
/// By default: no budget (every worker runs the trials it is asked for),
/// a heartbeat every 10 s, a trial given up as lost after 60 s without one,
/// a lost trial re-run up to 2 times, no metadata, and a lost connection
/// re-established for up to 60 s.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct PostgresOptions {
    pub(super) url: String,
    pub(super) study: String,
    pub(super) budget: Option<usize>,
    pub(super) heartbeat: Duration,
    pub(super) grace: Duration,
    pub(super) max_retries: u32,
    pub(super) metadata: Option<String>,
    pub(super) reconnect: Duration,
}

impl PostgresOptions {
    /// The study named `study` in the database at `url`
    /// (`postgres://user:password@host:port/database`, or
    /// `postgresql://...`).
    pub fn new(url: impl Into<String>, study: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            study: study.into(),
            budget: None,
            heartbeat: Duration::from_secs(10),
            grace: Duration::from_secs(60),
            max_retries: 2,
            metadata: None,
            reconnect: Duration::from_secs(60),
        }
    }

    /// The study's budget: trials asked by all its workers together (a lost
    /// trial that is re-run counts once). Recorded when the study is created;
    /// a worker joining with another budget is refused. By default none.
    pub fn budget(mut self, n_trials: usize) -> Self {
        self.budget = Some(n_trials);
        self
    }

    /// How often a worker stamps its running trials. By default 10 s; less
    /// than the grace period.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = interval;
        self
    }

    /// A running trial with no heartbeat for this long (on the server's
    /// clock) is marked failed and re-run. By default 60 s.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How many times a lost trial is re-run (as a new trial with the same
    /// configuration). By default 2.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Text stored with the study when this worker creates it, for its
    /// creator's own use (the `autotune` command keeps its settings there);
    /// read back with [`stored_study`](super::stored_study). Ignored when
    /// joining. By default none.
    pub fn metadata(mut self, text: impl Into<String>) -> Self {
        self.metadata = Some(text.into());
        self
    }

    /// How long a worker whose connection broke (the server restarting, the
    /// network) tries to connect again, every half second or so, before the
    /// call that found it broken fails. A transaction the break interrupted
    /// is rolled back by the server and made again. By default 60 s; zero
    /// fails at once.
    pub fn reconnect(mut self, patience: Duration) -> Self {
        self.reconnect = patience;
        self
    }

    /// The study's name.
    #[must_use]
    pub fn study(&self) -> &str {
        &self.study
    }

    /// The URL without its password, for messages.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        let invalid = |name, reason: String| Err(ConfigError::Invalid { name, reason });
        if self.study.trim().is_empty() {
            return invalid(
                "study",
                "the study name of a PostgreSQL storage is empty".into(),
            );
        }
        if self.heartbeat.is_zero() || self.heartbeat >= self.grace {
            return invalid(
                "heartbeat",
                format!(
                    "the heartbeat interval ({:?}) must be positive and shorter than the grace period ({:?})",
                    self.heartbeat, self.grace
                ),
            );
        }
        if self.budget == Some(0) {
            return invalid("budget", "a study budget of 0 trials".into());
        }
        Ok(())
    }
}

/// `url` with the password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    match authority[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn the_password_is_never_shown() {
        assert_eq!(
            redact("postgres://ann:s3cr@t@db.example:5432/tune?sslmode=disable"),
            "postgres://ann:***@db.example:5432/tune?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://ann@127.0.0.1/tune"),
            "postgres://ann@127.0.0.1/tune"
        );
        assert_eq!(
            redact("postgres://127.0.0.1:5/x"),
            "postgres://127.0.0.1:5/x"
        );
        assert_eq!(redact("host=127.0.0.1"), "host=127.0.0.1");
    }
}
