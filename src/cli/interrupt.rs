//! Ctrl-C: stop, keep what is finished, say how to resume.
//!
//! Every finished trial is already in the journal (written in one `write`
//! and `fsync`ed before the study uses it), and the trials that were running
//! are recorded there as asked but unfinished: a resumed study re-runs them
//! first with the same configurations and seeds. So stopping at once loses
//! only the work of the running trials, and the resumed study ends identical
//! to an uninterrupted one.

use super::fail::{CliResult, EXIT_INTERRUPTED, OrFail};
use super::progress::Shared;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

/// Installs the Ctrl-C handler of a `tune` run: it clears the progress bar,
/// prints how many trials are saved and the command that resumes, and exits
/// with code 130.
///
/// # Errors
/// A run failure if the handler cannot be installed.
pub fn install(shared: Shared, journal: PathBuf, resume_command: String) -> CliResult<()> {
    ctrlc::set_handler(move || {
        if let Some(bar) = &shared.bar {
            bar.finish_and_clear();
        }
        // The journal may already hold trials the observer has not been told
        // of yet (workers journal a trial before the study records it).
        let n = autotune::study::read_journal(&journal).map_or_else(
            |_| shared.finished.load(Ordering::SeqCst),
            |c| c.trials.len(),
        );
        eprintln!(
            "interrupted: {n} finished trial{} saved in {}",
            if n == 1 { " is" } else { "s are" },
            journal.display()
        );
        eprintln!("resume with: {resume_command}");
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    })
    .or_run("installing the Ctrl-C handler")
}

/// The command line that resumes the study in `out` (to `trials` trials if given).
pub fn resume_command(out: &std::path::Path, trials: Option<usize>) -> String {
    let program = std::env::args()
        .next()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "autotune".to_owned());
    let mut cmd = format!(
        "{} tune --out {} --resume",
        shell_quote(&program),
        shell_quote(&out.display().to_string())
    );
    if let Some(n) = trials {
        cmd.push_str(&format!(" --trials {n}"));
    }
    cmd
}

/// `s` quoted for a POSIX shell if it holds anything but safe characters.
fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("runs/digits-1"), "runs/digits-1");
        assert_eq!(shell_quote("my runs"), "'my runs'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
