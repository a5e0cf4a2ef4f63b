//! Ctrl-C and SIGTERM: finish the running trials, keep what is finished, say
//! how to resume.
//!
//! The first signal asks the study to stop ([`autotune::study::StopHandle`]):
//! the trials running finish and are journaled, no new one starts, and the
//! command exits with 128 + the signal's number (130 for Ctrl-C, 143 for
//! SIGTERM) once they are done, or after [`GRACE`] anyway. A second signal
//! exits at once. Either way every finished trial is in the journal
//! (written in one `write` and `fsync`ed before the study uses it), trials
//! cut short are recorded there as asked but unfinished (a resumed study
//! re-runs them first, with the same configurations and seeds), the command
//! that resumes is printed, and the resumed study ends identical to an
//! uninterrupted one.
//!
//! On Unix the signals are blocked in every thread (the mask is set by
//! [`listen`] before any other thread starts, and threads inherit it) and one
//! thread takes them with `sigwait`, so no code runs in a signal handler and
//! the exit code tells which signal came. Elsewhere `ctrlc` reports Ctrl-C.

use super::fail::{CliResult, EXIT_INTERRUPTED, OrFail};
use super::progress::Shared;
use autotune::error::StudyError;
use autotune::study::StopHandle;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long the running trials may take to finish after the first signal.
pub const GRACE: Duration = Duration::from_secs(30);

/// SIGINT's number (Ctrl-C), the only signal off Unix.
const SIGINT: i32 = 2;

/// The study a `tune` run is driving, as the signal thread needs it.
#[derive(Clone)]
struct Running {
    shared: Shared,
    journal: PathBuf,
    resume_command: String,
    stop: StopHandle,
}

/// What the signal thread knows.
struct State {
    /// The study, once `tune` has started it.
    running: Option<Running>,
    /// The first signal that came, if any.
    first: Option<i32>,
}

static STATE: Mutex<State> = Mutex::new(State {
    running: None,
    first: None,
});

/// Held by the thread that prints the farewell and exits, so only one does.
static LEAVING: Mutex<()> = Mutex::new(());

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts taking Ctrl-C and SIGTERM. Call it first in `main`, before any other
/// thread starts. Until [`install`], a signal exits at once with a short
/// message.
///
/// # Errors
/// A run failure if the signals cannot be blocked or the thread cannot start.
#[cfg(unix)]
pub fn listen() -> CliResult<()> {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block().or_run("blocking Ctrl-C and SIGTERM")?;
    let spawned = std::thread::Builder::new()
        .name("autotune-signals".into())
        .spawn(move || {
            while let Ok(signal) = set.wait() {
                on_signal(signal as i32);
            }
        });
    if let Err(e) = spawned {
        // Nobody would take them: let the signals kill the process as usual.
        let _ = set.thread_unblock();
        return Err(e).or_run("starting the signal thread");
    }
    Ok(())
}

/// Starts taking Ctrl-C (see the Unix version).
///
/// # Errors
/// A run failure if the handler cannot be installed.
#[cfg(not(unix))]
pub fn listen() -> CliResult<()> {
    ctrlc::set_handler(|| on_signal(SIGINT)).or_run("installing the Ctrl-C handler")
}

/// Makes the signals stop the study of a `tune` run gracefully: returns the
/// [`StopHandle`] to give `autotune_stoppable`. After a signal, the farewell
/// clears the progress bar, says how many trials are saved in `journal` and
/// prints `resume_command`.
pub fn install(shared: Shared, journal: PathBuf, resume_command: String) -> StopHandle {
    let stop = StopHandle::new();
    state().running = Some(Running {
        shared,
        journal,
        resume_command,
        stop: stop.clone(),
    });
    stop
}

/// `e`, unless it says the study stopped on a signal: then the farewell is
/// printed and the process exits with 128 + the signal's number.
pub fn exit_if_stopped(e: autotune::Error) -> autotune::Error {
    if !matches!(e, autotune::Error::Study(StudyError::Interrupted { .. })) {
        return e;
    }
    let (running, first) = {
        let s = state();
        (s.running.clone(), s.first)
    };
    match running {
        Some(r) => leave(&r, exit_code(first.unwrap_or(SIGINT))),
        None => e,
    }
}

/// The exit code after `signal`: 128 + its number, as shells report it.
fn exit_code(signal: i32) -> i32 {
    if signal == SIGINT {
        i32::from(EXIT_INTERRUPTED)
    } else {
        128 + signal
    }
}

/// How to send the signal again, for the notice after the first one.
fn again(signal: i32) -> &'static str {
    if signal == SIGINT {
        "press Ctrl-C again"
    } else {
        "send the signal again"
    }
}

/// A signal came.
fn on_signal(signal: i32) {
    let mut s = state();
    let Some(running) = s.running.clone() else {
        drop(s);
        let _guard = LEAVING.lock().unwrap_or_else(PoisonError::into_inner);
        eprintln!("interrupted");
        std::process::exit(exit_code(signal));
    };
    let Some(first) = s.first else {
        s.first = Some(signal);
        drop(s);
        running.stop.stop();
        say(
            &running.shared,
            &format!(
                "stopping: letting the running trials finish (at most {} s); {} to stop at once",
                GRACE.as_secs(),
                again(signal)
            ),
        );
        let code = exit_code(signal);
        let spawned = std::thread::Builder::new()
            .name("autotune-grace".into())
            .spawn(move || {
                std::thread::sleep(GRACE);
                leave(&running, code);
            });
        if spawned.is_err() {
            // No timer: do not wait without a bound.
            let r = state().running.clone();
            if let Some(r) = r {
                leave(&r, code);
            }
        }
        return;
    };
    drop(s);
    leave(&running, exit_code(first));
}

/// Prints `line` on stderr above the progress bar, if there is one.
fn say(shared: &Shared, line: &str) {
    match &shared.bar {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    }
}

/// Clears the progress bar, prints how many trials are saved and how to
/// resume, and exits with `code`. Only the first caller does; any other
/// waits for the exit.
fn leave(r: &Running, code: i32) -> ! {
    let _guard = LEAVING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(bar) = &r.shared.bar {
        bar.finish_and_clear();
    }
    // The journal may already hold trials the observer has not been told
    // of yet (workers journal a trial before the study records it).
    let contents = autotune::study::read_journal(&r.journal).ok();
    let n = contents.as_ref().map_or_else(
        || r.shared.finished.load(Ordering::SeqCst),
        |c| c.trials.len(),
    );
    // A multi-fidelity study's trainings are paused, not finished.
    let epochs: usize = contents
        .as_ref()
        .map_or(0, |c| c.steps.iter().map(|s| s.to - s.from).sum());
    let paused = if epochs > 0 {
        format!(" (and {epochs} epochs of paused trainings)")
    } else {
        String::new()
    };
    eprintln!(
        "interrupted: {n} finished trial{} saved in {}{paused}",
        if n == 1 { " is" } else { "s are" },
        r.journal.display()
    );
    eprintln!("resume with: {}", r.resume_command);
    std::process::exit(code);
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
    use super::{exit_code, shell_quote};

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("runs/digits-1"), "runs/digits-1");
        assert_eq!(shell_quote("my runs"), "'my runs'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn exit_codes_say_which_signal_came() {
        assert_eq!(exit_code(2), 130);
        assert_eq!(exit_code(15), 143);
    }
}
