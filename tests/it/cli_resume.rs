//! `--resume`: a study stopped early (a smaller budget, or Ctrl-C or SIGTERM
//! in the middle of a run) continues to its budget and ends identical to a
//! study run in one go.

use crate::helpers::{assert_ok, csv_without_durations, journal_trials, run, s, stderr, stdout};
use std::path::Path;

/// Runs an uninterrupted study of `trials` trials into `out`.
fn uninterrupted(out: &Path, trials: &str) {
    assert_ok(&run(&format!(
        "tune --data iris --trials {trials} --workers 2 --epochs 4 --seed 5 --out {} --quiet",
        out.display()
    )));
}

#[test]
fn resuming_with_a_larger_budget_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // Synchronous batches of 2: a first budget of 4 ends on a batch boundary,
    // so the continued study asks the same batches as one run of 8 would.
    uninterrupted(&a, "4");
    assert_eq!(journal_trials(&a.join("journal.jsonl")), 4);
    // Options left out are taken from the study; --trials is the new total.
    let o = run(&format!("tune --out {} --resume --trials 8", &a.display()));
    assert_ok(&o);
    assert!(stderr(&o).starts_with("resuming iris:"), "{}", stderr(&o));
    assert!(stdout(&o).contains("iris: 8 of 8 trials"), "{}", stdout(&o));
    // The epochs are the whole study's; the wall time is this session's, and says so.
    let epochs = |o: &std::process::Output| -> String {
        stdout(o)
            .lines()
            .find(|l| l.contains("training epochs"))
            .unwrap_or_else(|| panic!("{}", stdout(o)))
            .trim()
            .to_owned()
    };
    let resumed = epochs(&o);
    let (resumed_epochs, rest) = resumed
        .split_once(" training epochs in all; ")
        .unwrap_or_else(|| panic!("{resumed}"));
    assert!(rest.ends_with("s this session"), "{resumed}");
    assert_eq!(journal_trials(&a.join("journal.jsonl")), 8);

    let o = run(&format!(
        "tune --data iris --trials 8 --workers 2 --epochs 4 --seed 5 --out {}",
        b.display()
    ));
    assert_ok(&o);
    let one_go = epochs(&o);
    assert!(!one_go.contains("session"), "{one_go}");
    // The resumed study ran the same trials: the same epochs in all.
    assert!(
        one_go.starts_with(&format!("{resumed_epochs} training epochs in ")),
        "{one_go} / {resumed}"
    );
    assert_eq!(
        csv_without_durations(&a.join("trials.csv")),
        csv_without_durations(&b.join("trials.csv"))
    );
    let best = |d: &Path| std::fs::read_to_string(d.join("best.json")).unwrap();
    assert_eq!(best(&a), best(&b));
}

#[test]
fn resuming_with_fewer_trials_than_done_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    uninterrupted(&a, "4");
    let journal = std::fs::read(a.join("journal.jsonl")).unwrap();
    let settings = std::fs::read(a.join("study.json")).unwrap();
    let o = run(&format!("tune --out {} --resume --trials 3", a.display()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --trials 3 is fewer than the 4 trials the study in {} has already run; \
             give --trials 4 or more (the total, not the trials to add), or a --timeout\n",
            a.display()
        )
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(std::fs::read(a.join("journal.jsonl")).unwrap(), journal);
    assert_eq!(std::fs::read(a.join("study.json")).unwrap(), settings);
    // As many as done: nothing to run, the results are written again.
    let o = run(&format!("tune --out {} --resume --trials 4", a.display()));
    assert_ok(&o);
    assert!(stdout(&o).contains("iris: 4 of 4 trials"), "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn ctrl_c_keeps_the_finished_trials_and_resume_completes_the_budget() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let journal = a.join("journal.jsonl");
    // A budget far larger than what runs before the interrupt.
    let child = Command::new(env!("CARGO_BIN_EXE_autotune"))
        .args([
            "tune",
            "--data",
            "iris",
            "--trials",
            "100000",
            "--workers",
            "2",
            "--epochs",
            "4",
            "--seed",
            "5",
            "--out",
            s(&a),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while journal_trials(&journal) < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no trial finished in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(130), "{err}");
    // The message counts the trials journaled when Ctrl-C came; none is lost.
    let done = journal_trials(&journal);
    let said: usize = err
        .lines()
        .find_map(|l| l.strip_prefix("interrupted: "))
        .and_then(|l| {
            l.strip_suffix(&format!(
                " finished trials are saved in {}",
                journal.display()
            ))
        })
        .unwrap_or_else(|| panic!("{err}"))
        .parse()
        .unwrap();
    assert!(4 <= said && said <= done && done < 100_000, "{said} {done}");
    let hint = err
        .lines()
        .find_map(|l| l.strip_prefix("resume with: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        hint.ends_with(&format!("tune --out {} --resume", a.display())),
        "{hint}"
    );

    // `report` works on the interrupted study and says how to resume it.
    let o = run(&format!("report {}", &a.display()));
    assert_ok(&o);
    let text = stdout(&o);
    assert!(
        text.contains(&format!("the study is unfinished ({done} of 100000 trials")),
        "{text}"
    );
    assert!(
        text.contains(&format!("tune --out {} --resume", a.display())),
        "{text}"
    );
    crate::helpers::assert_svg(&a.join("convergence.svg"));

    // Resume to a total a little past what was done, then compare with one go.
    let total = (done + 3).to_string();
    let o = run(&format!(
        "tune --out {} --resume --trials {total} --quiet",
        a.display()
    ));
    assert_ok(&o);
    assert_eq!(journal_trials(&journal), done + 3);
    uninterrupted(&b, &total);
    assert_eq!(
        csv_without_durations(&a.join("trials.csv")),
        csv_without_durations(&b.join("trials.csv"))
    );
}

/// A `tune` run in the background with stderr collected as it comes.
#[cfg(unix)]
struct Background {
    child: std::process::Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

#[cfg(unix)]
impl Background {
    fn start(args: &[&str]) -> Self {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_autotune"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = std::sync::Arc::clone(&stderr);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self {
            child,
            stderr,
            reader: Some(reader),
        }
    }

    fn signal(&self, name: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (60 s at most) until `ready` holds.
    fn wait_until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let start = std::time::Instant::now();
        while !ready() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "{what} within 60 s; stderr: {}",
                self.stderr()
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Waits for the exit: its code and all of stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        (status.code(), self.stderr())
    }
}

/// `(finished, asked but unfinished)` trials of a journal, `(0, 0)` while
/// it cannot be read.
#[cfg(unix)]
fn journal_state(journal: &Path) -> (usize, usize) {
    autotune::study::read_journal(journal).map_or((0, 0), |c| (c.trials.len(), c.unfinished.len()))
}

/// The trial count of an `interrupted: N finished trials are saved in J` line.
#[cfg(unix)]
fn said_saved(err: &str, journal: &Path) -> usize {
    err.lines()
        .find_map(|l| l.strip_prefix("interrupted: "))
        .and_then(|l| {
            l.strip_suffix(&format!(
                " finished trials are saved in {}",
                journal.display()
            ))
        })
        .unwrap_or_else(|| panic!("no `interrupted:` line in {err}"))
        .parse()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn sigterm_lets_the_running_batch_finish_then_exits_143_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let journal = a.join("journal.jsonl");
    // Digits trials of 60 epochs without pruning (a fraction of a second
    // each), so a batch is seen running.
    let line = |out: &Path, trials: &str| {
        format!(
            "tune --data digits --trials {trials} --workers 2 --epochs 60 --pruner none --seed 4 --out {}",
            out.display()
        )
    };
    let words = line(&a, "100000");
    let run_a = Background::start(&words.split_whitespace().collect::<Vec<_>>());
    // Signal while a batch is running: asked, not all of it finished.
    run_a.wait_until("a second batch running", || {
        let (done, running) = journal_state(&journal);
        done >= 2 && running > 0
    });
    run_a.signal("TERM");
    let (code, err) = run_a.finish();
    assert_eq!(code, Some(143), "{err}");
    assert!(
        err.contains("stopping: letting the running trials finish (at most 30 s); send the signal again to stop at once"),
        "{err}"
    );
    let (done, unfinished) = journal_state(&journal);
    assert_eq!(unfinished, 0, "the running batch finished: {err}");
    assert!(done >= 4 && done % 2 == 0, "whole batches of 2: {done}");
    assert_eq!(said_saved(&err, &journal), done);
    assert!(
        err.lines().any(|l| l.starts_with("resume with: ")
            && l.ends_with(&format!("tune --out {} --resume", a.display()))),
        "{err}"
    );

    // Resumed to two more trials, the study equals one run in one go.
    let total = (done + 2).to_string();
    assert_ok(&run(&format!(
        "tune --out {} --resume --trials {total} --quiet",
        a.display()
    )));
    assert_ok(&run(&format!("{} --quiet", line(&b, &total))));
    assert_eq!(
        csv_without_durations(&a.join("trials.csv")),
        csv_without_durations(&b.join("trials.csv"))
    );
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once_leaving_the_cut_batch_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let journal = out.join("journal.jsonl");
    // Trials of several seconds: the batch cannot finish between the signals.
    let words = format!(
        "tune --data digits --trials 6 --workers 2 --epochs 2000 --pruner none --seed 4 --out {}",
        out.display()
    );
    let run_a = Background::start(&words.split_whitespace().collect::<Vec<_>>());
    run_a.wait_until("the first batch running", || journal_state(&journal).1 > 0);
    run_a.signal("INT");
    run_a.wait_until("the stopping notice", || {
        run_a
            .stderr()
            .contains("press Ctrl-C again to stop at once")
    });
    let second = std::time::Instant::now();
    run_a.signal("INT");
    let (code, err) = run_a.finish();
    assert_eq!(code, Some(130), "{err}");
    assert!(
        second.elapsed() < std::time::Duration::from_secs(10),
        "exited at once, not after the grace period"
    );
    assert_eq!(said_saved(&err, &journal), 0, "{err}");
    assert_eq!(
        journal_state(&journal),
        (0, 2),
        "the cut batch is unfinished"
    );
    assert!(err.contains("resume with: "), "{err}");
}
