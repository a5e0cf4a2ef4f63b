//! How the command fails: one line on stderr and an exit code.
//!
//! | exit code | when |
//! |---|---|
//! | 0 | success |
//! | 1 | the study could not go on (e.g. a disk became full mid-run) |
//! | 2 | bad input: unknown data set, unreadable or malformed file, bad option, unwritable --out, a bad storage URL or password, an unknown study |
//! | 3 | `autotune ask`: the study's trials are all asked (its budget is met) |
//! | 130, 143 | interrupted with Ctrl-C or SIGTERM (the study can be resumed) |

use std::fmt;
use std::process::ExitCode;

/// Exit code for bad input.
pub const EXIT_INPUT: u8 = 2;
/// Exit code for a failure during the run.
pub const EXIT_RUN: u8 = 1;
/// Exit code of `autotune ask` once the study's budget is met.
pub const EXIT_BUDGET: u8 = 3;
/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failure of the command: the message shown after `error: `, and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// The message (one line).
    pub message: String,
}

impl Failure {
    /// `autotune ask` found no trial left to ask (exit code 3).
    pub fn budget(message: impl fmt::Display) -> Self {
        Self {
            code: EXIT_BUDGET,
            message: one_line(&message.to_string()),
        }
    }

    /// Bad input (exit code 2).
    pub fn input(message: impl fmt::Display) -> Self {
        Self {
            code: EXIT_INPUT,
            message: message.to_string(),
        }
    }

    /// A failure during the run (exit code 1).
    pub fn run(message: impl fmt::Display) -> Self {
        Self {
            code: EXIT_RUN,
            message: message.to_string(),
        }
    }

    /// Prints `error: <message>` on stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("error: {}", one_line(&self.message));
        ExitCode::from(self.code)
    }
}

/// `message` on one line (line breaks replaced by `; `).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The command's result.
pub type CliResult<T> = Result<T, Failure>;

/// Turns library and I/O errors into failures of a given kind, with context.
pub trait OrFail<T> {
    /// Bad input (exit code 2).
    fn or_input(self) -> CliResult<T>;
    /// A failure during the run (exit code 1), prefixed with `what`.
    fn or_run(self, what: &str) -> CliResult<T>;
}

impl<T, E: fmt::Display> OrFail<T> for Result<T, E> {
    fn or_input(self) -> CliResult<T> {
        self.map_err(Failure::input)
    }

    fn or_run(self, what: &str) -> CliResult<T> {
        self.map_err(|e| Failure::run(format!("{what}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_on_one_line() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
        assert_eq!(one_line("plain"), "plain");
    }
}
