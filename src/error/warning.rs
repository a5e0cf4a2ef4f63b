//! Warnings: problems worked around without stopping the study.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Something that went wrong and was worked around without stopping the
/// study: a Gaussian process that could not be fitted (the suggestion then
/// came from the initial design), a pending trial that could not be
/// fantasised, a torn journal line that was skipped, an importance estimate
/// that could not be made.
///
/// Nothing falls back silently: every such event becomes a warning, and a
/// study reports each [`Warning::cause`] once (the first time it happens)
/// through [`crate::study::Study::warnings`] and its observers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// A stable key naming the kind of event (`gp_fit`, `pending_encode`,
    /// `journal_torn_line`, ...): warnings with the same cause are reported once.
    pub cause: String,
    /// What happened and what was done instead, for people.
    pub message: String,
}

impl Warning {
    /// A warning of `cause` saying `message`.
    pub fn new(cause: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            cause: cause.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
