//! The storage of `autotune tune`: one process per study directory, atomic
//! creation (a kill at any early moment leaves a study that resumes), the
//! data fingerprint checked on resume, and journal damage reported.

use crate::helpers::{assert_ok, run, stderr};
use autotune::study::read_journal;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A tiny study: iris, 2 trials of 2 epochs, one worker.
fn tiny(out: &Path, seed: u64) -> Vec<String> {
    format!(
        "tune --data iris --trials 2 --epochs 2 --workers 1 --quiet --seed {seed} --out {}",
        out.display()
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

fn spawn(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_autotune"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the autotune binary runs")
}

/// The seed a study's journal and settings record: both must agree.
fn recorded_seed(out: &Path) -> u64 {
    let journal = read_journal(out.join("journal.jsonl")).expect("an intact journal");
    assert!(journal.warnings.is_empty(), "{:?}", journal.warnings);
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("study.json")).unwrap()).unwrap();
    assert_eq!(
        settings["seed"], journal.header.seed,
        "study.json and journal"
    );
    journal.header.seed
}

#[test]
fn two_new_studies_started_together_one_is_refused_and_the_journal_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut by_lock = 0;
    for round in 0..20 {
        let out = dir.path().join(format!("round{round}"));
        std::fs::create_dir(&out).unwrap();
        // Both orders: seed 1 spawned first in even rounds, seed 2 in odd ones.
        let seeds = if round % 2 == 0 { [1, 2] } else { [2, 1] };
        let children: Vec<(u64, Child)> = seeds
            .iter()
            .map(|&seed| (seed, spawn(&tiny(&out, seed))))
            .collect();
        let pids: Vec<u32> = children.iter().map(|(_, c)| c.id()).collect();
        let outputs: Vec<(u64, Output)> = children
            .into_iter()
            .map(|(seed, c)| (seed, c.wait_with_output().unwrap()))
            .collect();
        let ok: Vec<usize> = (0..2).filter(|&i| outputs[i].1.status.success()).collect();
        assert_eq!(
            ok.len(),
            1,
            "round {round}: exactly one run succeeds: {:?}",
            outputs
                .iter()
                .map(|(_, o)| (o.status.code(), stderr(o)))
                .collect::<Vec<_>>()
        );
        let (winner, loser) = (ok[0], 1 - ok[0]);
        let err = stderr(&outputs[loser].1);
        assert_eq!(
            outputs[loser].1.status.code(),
            Some(2),
            "round {round}: {err}"
        );
        // Refused by the lock while the other ran (naming it), or, if it came
        // after the other had finished, because the study exists.
        let locked = format!(
            "error: {} is in use by process {} (",
            out.display(),
            pids[winner]
        );
        if err.starts_with(&locked) {
            by_lock += 1;
            assert!(
                err.contains("wait for it to end, or choose another --out"),
                "{err}"
            );
        } else {
            assert!(
                err.contains("already holds a study"),
                "round {round}: {err}"
            );
        }
        assert_eq!(err.lines().count(), 1, "{err}");
        // The journal holds the winner's study alone, whole.
        assert_eq!(recorded_seed(&out), outputs[winner].0, "round {round}");
        assert_eq!(
            read_journal(out.join("journal.jsonl"))
                .unwrap()
                .trials
                .len(),
            2
        );
    }
    eprintln!("{by_lock} of 20 rounds refused by the lock");
}

/// Sends `signal` to `pid` with `kill`.
#[cfg(unix)]
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// Spawns `args` and stops the process as soon as it holds the lock of
/// `out` (its pid is in `study.lock`); `None` if it finished first.
#[cfg(unix)]
fn spawn_and_stop_holding_the_lock(args: &[String], out: &Path) -> Option<Child> {
    let mut child = spawn(args);
    let pid = child.id();
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(out.join("study.lock")).unwrap_or_default();
        if text.lines().next() == Some(pid.to_string().as_str()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no lock in 60 s");
        std::thread::sleep(Duration::from_micros(200));
    }
    signal(pid, "-STOP");
    if child.try_wait().unwrap().is_some() {
        return None;
    }
    // The holder may have released the lock (its run ended) between the read
    // and the stop, and be stopped on its way out: then it holds nothing.
    let file = std::fs::File::open(out.join("study.lock")).unwrap();
    if file.try_lock().is_ok() {
        drop(file);
        signal(pid, "-CONT");
        child.wait().unwrap();
        return None;
    }
    Some(child)
}

#[cfg(unix)]
#[test]
fn a_second_run_is_refused_at_once_naming_the_holder_in_both_orders() {
    let dir = tempfile::tempdir().unwrap();
    let mut rounds = 0;
    let mut attempts = 0;
    while rounds < 20 {
        attempts += 1;
        assert!(
            attempts < 100,
            "the holder kept finishing before it was stopped"
        );
        let out = dir.path().join(format!("attempt{attempts}"));
        std::fs::create_dir(&out).unwrap();
        // Both orders: the holder is a new study and the second a resume of
        // it, or the holder resumes a finished study and the second starts anew.
        let resume = |trials: &str| -> Vec<String> {
            format!(
                "tune --out {} --resume --trials {trials} --quiet",
                out.display()
            )
            .split_whitespace()
            .map(str::to_owned)
            .collect()
        };
        let (first, second) = if rounds % 2 == 0 {
            (tiny(&out, 1), resume("4"))
        } else {
            assert_ok(&crate::helpers::autotune(
                &tiny(&out, 1).iter().map(String::as_str).collect::<Vec<_>>(),
            ));
            (resume("4"), tiny(&out, 2))
        };
        let Some(holder) = spawn_and_stop_holding_the_lock(&first, &out) else {
            continue;
        };
        let journal_before = std::fs::read(out.join("journal.jsonl")).ok();
        let started = Instant::now();
        let o = crate::helpers::autotune(&second.iter().map(String::as_str).collect::<Vec<_>>());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with(&format!(
                "error: {} is in use by process {} ({} tune ",
                out.display(),
                holder.id(),
                env!("CARGO_BIN_EXE_autotune")
            )),
            "{err}"
        );
        // At once: the refused run does not wait for the holder (stopped).
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        // It wrote nothing.
        assert_eq!(
            std::fs::read(out.join("journal.jsonl")).ok(),
            journal_before
        );
        signal(holder.id(), "-CONT");
        let o = holder.wait_with_output().unwrap();
        assert_ok(&o);
        assert_eq!(recorded_seed(&out), 1);
        let expected = if rounds % 2 == 0 { 2 } else { 4 };
        assert_eq!(
            read_journal(out.join("journal.jsonl"))
                .unwrap()
                .trials
                .len(),
            expected
        );
        rounds += 1;
    }
}

#[cfg(unix)]
#[test]
fn a_killed_holder_leaves_no_stale_lock() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    std::fs::create_dir(&out).unwrap();
    let mut attempts = 0;
    let mut holder = loop {
        attempts += 1;
        assert!(
            attempts < 20,
            "the holder kept finishing before it was stopped"
        );
        if let Some(h) = spawn_and_stop_holding_the_lock(&tiny(&out, 1), &out) {
            break h;
        }
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::create_dir(&out).unwrap();
    };
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    let o = run(&format!(
        "tune --out {} --resume --data iris --trials 2 --epochs 2 --workers 1 --seed 1 --quiet",
        out.display()
    ));
    assert_ok(&o);
    assert_eq!(recorded_seed(&out), 1);
}

#[test]
fn a_kill_during_creation_always_leaves_a_study_that_resumes_or_a_fresh_start() {
    let dir = tempfile::tempdir().unwrap();
    // What the kills left (the files in the directory), for the log.
    let mut states = std::collections::BTreeSet::new();
    for round in 0..30u64 {
        let out = dir.path().join(format!("round{round}"));
        let mut child = spawn(&tiny(&out, 3));
        // 0 to 30 ms, spread over the rounds (a fixed permutation of 0..31).
        std::thread::sleep(Duration::from_millis(round * 19 % 31));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let study = out.join("study.json").exists() || out.join("journal.jsonl").exists();
        let left: Vec<String> = std::fs::read_dir(&out)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        states.insert(format!("{left:?}"));
        let o = if study {
            run(&format!("tune --out {} --resume --quiet", out.display()))
        } else {
            crate::helpers::autotune(&tiny(&out, 3).iter().map(String::as_str).collect::<Vec<_>>())
        };
        let err = stderr(&o);
        assert!(
            o.status.success(),
            "round {round} ({}): exit {:?}: {err}",
            if study { "resume" } else { "fresh start" },
            o.status.code()
        );
        assert_eq!(recorded_seed(&out), 3, "round {round}");
        assert_eq!(
            read_journal(out.join("journal.jsonl"))
                .unwrap()
                .trials
                .len(),
            2,
            "round {round}"
        );
    }
    eprintln!("the kills left: {states:?}");
}

#[test]
fn an_empty_or_header_only_journal_resumes_as_a_new_study() {
    // What a kill during creation left before creation was atomic: settings
    // beside an empty journal; and what a kill before the first batch leaves.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_ok(&crate::helpers::autotune(
        &tiny(&out, 4).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let path = out.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap().to_owned();
    for journal in [String::new(), header + "\n"] {
        std::fs::write(&path, &journal).unwrap();
        let o = run(&format!("tune --out {} --resume --quiet", out.display()));
        assert_ok(&o);
        assert_eq!(recorded_seed(&out), 4);
        assert_eq!(read_journal(&path).unwrap().trials.len(), 2);
    }
}

/// A CSV of `rows` rows, 3 features and `classes` classes.
fn csv(path: &Path, rows: usize, classes: usize) {
    let mut text = String::from("a,b,c,label\n");
    for i in 0..rows {
        let class = i % classes;
        let f = |j: usize| ((i * 31 + j * 17) % 97) as f64 / 10.0 + class as f64;
        text.push_str(&format!("{},{},{},k{class}\n", f(0), f(1), f(2)));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn resuming_on_other_data_is_refused_saying_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    let out = dir.path().join("o");
    csv(&data, 400, 2);
    assert_ok(&run(&format!(
        "tune --data {} --trials 2 --epochs 2 --workers 1 --quiet --out {}",
        data.display(),
        out.display()
    )));
    let journal = std::fs::read(out.join("journal.jsonl")).unwrap();
    let settings = std::fs::read(out.join("study.json")).unwrap();
    let resume = format!("tune --out {} --resume --trials 4 --quiet", out.display());

    csv(&data, 1000, 3);
    let o = run(&resume);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "error: {} is not the data the study in {} was started on (rows: 400 in the journal, \
             1000 now; classes: 2 in the journal, 3 now)",
            data.display(),
            out.display()
        )),
        "{err}"
    );
    // Nothing was changed.
    assert_eq!(std::fs::read(out.join("journal.jsonl")).unwrap(), journal);
    assert_eq!(std::fs::read(out.join("study.json")).unwrap(), settings);

    // The same shape with one value changed.
    csv(&data, 400, 2);
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(&data, text.replacen("\n0,", "\n0.5,", 1)).unwrap();
    let o = run(&resume);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("(values: the same shape, but other values or class names)"),
        "{}",
        stderr(&o)
    );
    // The original data resumes.
    csv(&data, 400, 2);
    assert_ok(&run(&resume));
    assert_eq!(
        read_journal(out.join("journal.jsonl"))
            .unwrap()
            .trials
            .len(),
        4
    );
}

#[test]
fn a_deleted_journal_is_refused_not_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_ok(&crate::helpers::autotune(
        &tiny(&out, 1).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    std::fs::remove_file(out.join("journal.jsonl")).unwrap();
    let o = run(&format!("tune --out {} --resume --trials 4", out.display()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {} holds a study (study.json) but not its journal.jsonl: its trials are gone \
             (deleted or moved?); put the journal back to resume it, or start a new study without \
             --resume\n",
            out.display()
        )
    );
    assert!(!out.join("journal.jsonl").exists(), "nothing was started");
}

#[test]
fn journal_damage_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_ok(&crate::helpers::autotune(
        &tiny(&out, 1).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let path = out.join("journal.jsonl");
    let good = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let n = lines.len();
    let resume = format!("tune --out {} --resume --trials 4 --quiet", out.display());
    let refused = |text: String, line: usize, what: &str| {
        std::fs::write(&path, &text).unwrap();
        let o = run(&resume);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with(&format!("error: journal {}, line {line}: ", path.display())),
            "{err}"
        );
        assert!(err.contains(what), "{err}");
        // Left as it was.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    };
    // A digit of the last trial's duration changed: only the checksum tells.
    let last = lines[n - 1];
    let at = last.find("\"duration_secs\":").unwrap() + "\"duration_secs\":".len();
    let digit = last[at..].find(|c: char| c.is_ascii_digit()).unwrap() + at;
    let mut changed = last.to_owned().into_bytes();
    changed[digit] = if changed[digit] == b'7' { b'8' } else { b'7' };
    let changed = String::from_utf8(changed).unwrap();
    let mut damaged: Vec<&str> = lines.clone();
    damaged[n - 1] = &changed;
    refused(damaged.join("\n") + "\n", n, "checksum mismatch");
    // A last line cut short but ending in a newline is not a torn write.
    let mut cut: Vec<&str> = lines.clone();
    cut[n - 1] = &last[..last.len() / 2];
    refused(cut.join("\n") + "\n", n, "");
    // Without the newline it is one: skipped with a warning, and the study resumes.
    std::fs::write(&path, cut.join("\n")).unwrap();
    let o = run(&resume);
    assert_ok(&o);
    assert!(
        stderr(&o).contains(&format!("line {n} is incomplete")),
        "{}",
        stderr(&o)
    );
    assert_eq!(read_journal(&path).unwrap().trials.len(), 4);
}
