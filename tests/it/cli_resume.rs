//! `--resume`: a study stopped early (a smaller budget, or Ctrl-C in the
//! middle of a run) continues to its budget and ends identical to a study
//! run in one go.

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
             give --trials 4 or more (the total, not the trials to add)\n",
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
