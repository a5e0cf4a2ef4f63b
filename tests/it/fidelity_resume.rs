//! Multi-fidelity studies interrupted at any moment (stopped after a round,
//! killed with SIGKILL mid-step) and resumed from their journal end equal to
//! an uninterrupted run: the same trials, curves, steps and report.

use crate::helpers::strip;
use autotune::data::{Builtin, Dataset, Split, SplitFractions};
use autotune::error::StudyError;
use autotune::space::Domain;
use autotune::study::{Observer, StopHandle};
use autotune::tune::{AutotuneConfig, TuneReport, TuneSpace, autotune, autotune_stoppable};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn iris() -> Split {
    Dataset::builtin(Builtin::Iris)
        .unwrap()
        .split(SplitFractions::new(0.6, 0.2, 0.2), 1)
        .unwrap()
}

/// 40 epochs of multi-fidelity on iris, full fidelity 8, 2 workers, the
/// final model made (its test scores compared too), journaled at `journal`.
fn config(journal: &Path) -> AutotuneConfig {
    AutotuneConfig::default()
        .seed(11)
        .workers(2)
        .budget_epochs(40)
        .space(TuneSpace::default().epochs(Domain::fixed(8)))
        .journal(journal)
}

/// Sets `stop` once `after` epochs have been reported to the study's trials.
struct StopAfter {
    seen: Arc<AtomicUsize>,
    after: usize,
    stop: StopHandle,
}

impl Observer for StopAfter {
    fn trial_progress(&mut self, _trial: usize, _step: usize, _value: f64) {
        if self.seen.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.stop.stop();
        }
    }
}

/// Runs the study `config` describes on `s`, stopped once `after` epochs
/// have been reported to its trials; returns the error it ends with.
fn run_stopped_after(s: &Split, config: &AutotuneConfig, after: usize) -> autotune::Error {
    let stop = StopHandle::new();
    let observer = StopAfter {
        seen: Arc::new(AtomicUsize::new(0)),
        after,
        stop: stop.clone(),
    };
    autotune_stoppable(s, config, observer, &stop).unwrap_err()
}

/// Everything of a report that a seed decides (not wall times).
fn same(a: &TuneReport, b: &TuneReport, what: &str) {
    assert_eq!(strip(&a.trials), strip(&b.trials), "{what}: trials");
    assert_eq!(a.fidelity, b.fidelity, "{what}: steps and pauses");
    assert_eq!(a.best, b.best, "{what}: best");
    assert_eq!(a.test, b.test, "{what}: test scores");
    assert_eq!(a.epochs, b.epochs, "{what}: epochs");
    assert_eq!(a.counts, b.counts, "{what}: counts");
}

#[test]
fn a_stopped_multi_fidelity_study_resumes_to_the_uninterrupted_one() {
    let s = iris();
    let dir = tempfile::tempdir().unwrap();
    let whole = autotune(&s, &config(&dir.path().join("whole.jsonl"))).unwrap();
    let f = whole.fidelity.as_ref().unwrap();
    assert!(f.trials.iter().any(|t| !t.resumes.is_empty()), "{f:?}");
    assert_eq!(f.used_epochs, 40);
    // Stopped after 1, 9 and 25 reported epochs (the round then running
    // ends and is journaled), once or twice before the resume that ends it.
    for stops in [&[1][..], &[9], &[25], &[3, 17]] {
        let journal = dir.path().join(format!("stopped-{stops:?}.jsonl"));
        for (i, &after) in stops.iter().enumerate() {
            let e = run_stopped_after(&s, &config(&journal).resume(i > 0), after);
            assert!(
                matches!(e, autotune::Error::Study(StudyError::Interrupted { .. })),
                "{e}"
            );
            // Paused, not finished: no trial told, the snapshots kept.
            let c = autotune::study::read_journal(&journal).unwrap();
            assert_eq!(c.trials.len(), 0, "stops {stops:?}");
            assert!(!c.steps.is_empty());
            assert!(c.steps.len() < f.steps.len(), "stops {stops:?}");
            let snapshots = std::fs::read_dir(
                dir.path()
                    .join(format!("stopped-{stops:?}.jsonl.snapshots")),
            )
            .unwrap()
            .count();
            let mut last = std::collections::BTreeMap::new();
            for st in &c.steps {
                last.insert(st.trial, st.snapshot.is_some());
            }
            let paused = last.values().filter(|&&p| p).count();
            assert_eq!(snapshots, paused, "one snapshot per paused trial");
        }
        let resumed = autotune(&s, &config(&journal).resume(true)).unwrap();
        same(&whole, &resumed, &format!("stopped after {stops:?}"));
        // Done: the snapshots are gone, the journal holds every trial.
        assert!(
            !dir.path()
                .join(format!("stopped-{stops:?}.jsonl.snapshots"))
                .exists()
        );
        let c = autotune::study::read_journal(&journal).unwrap();
        assert_eq!(c.trials.len(), whole.trials.len());
        assert_eq!(c.steps.len(), f.steps.len());
        // Resuming a finished study replays it all and trains nothing.
        let again = autotune(&s, &config(&journal).resume(true)).unwrap();
        same(
            &whole,
            &again,
            &format!("finished, then resumed ({stops:?})"),
        );
    }
}

#[test]
fn killed_while_telling_its_trials_a_study_resumes_to_the_same_end() {
    // The trials are told once the budget is spent; a kill among those
    // lines leaves some told and the rest unfinished, every step journaled.
    let s = iris();
    let dir = tempfile::tempdir().unwrap();
    let whole_path = dir.path().join("whole.jsonl");
    let whole = autotune(&s, &config(&whole_path)).unwrap();
    let text = std::fs::read_to_string(&whole_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let told = lines.iter().filter(|l| l.starts_with("{\"trial\"")).count();
    assert_eq!(told, whole.trials.len());
    assert!(told > 3);
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 3].join("\n") + "\n").unwrap();
    let c = autotune::study::read_journal(&cut).unwrap();
    assert_eq!((c.trials.len(), c.unfinished.len()), (told - 3, 3));
    let resumed = autotune(&s, &config(&cut).resume(true)).unwrap();
    same(&whole, &resumed, "killed while telling");
    assert_eq!(
        autotune::study::read_journal(&cut).unwrap().trials.len(),
        told
    );
}

#[test]
fn a_resume_with_other_settings_is_refused() {
    let s = iris();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    run_stopped_after(&s, &config(&journal), 5);
    // Another schedule: the header says which.
    let other = config(&journal)
        .resume(true)
        .strategy(autotune::tune::Strategy::MultiFidelity(
            autotune::tune::FidelityConfig::default().eta(3),
        ));
    match autotune(&s, &other) {
        Err(autotune::Error::Study(StudyError::HeaderMismatch { field, .. })) => {
            assert_eq!(field, "schedule");
        }
        other => panic!("{other:?}"),
    }
    // A journal of full-fidelity trials is version 3 (older code reads it);
    // the multi-fidelity one is version 4.
    assert_eq!(
        autotune::study::read_journal(&journal)
            .unwrap()
            .header
            .version,
        4
    );
    let full = dir.path().join("full.jsonl");
    autotune(
        &s,
        &AutotuneConfig::default()
            .n_trials(2)
            .retrain(false)
            .space(TuneSpace::default().epochs(Domain::fixed(2)))
            .journal(&full),
    )
    .unwrap();
    let c = autotune::study::read_journal(&full).unwrap();
    assert_eq!((c.header.version, c.header.schedule), (3, None));
}

/// Polls `journal` (every millisecond, 60 s at most) until it holds `n`
/// training steps.
#[cfg(all(unix, feature = "cli"))]
fn wait_for_steps(journal: &Path, n: usize, child: &mut std::process::Child) {
    let start = std::time::Instant::now();
    loop {
        let steps = std::fs::read_to_string(journal)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("{\"step\""))
            .count();
        if steps >= n {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before {n} steps"
        );
        assert!(start.elapsed().as_secs() < 60, "{n} steps within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[cfg(all(unix, feature = "cli"))]
#[test]
fn kill_9_at_any_step_then_resume_ends_as_the_uninterrupted_run() {
    use crate::helpers::{assert_ok, csv_without_durations, run};
    let dir = tempfile::tempdir().unwrap();
    let args = |out: &Path| {
        format!(
            "tune --data digits --budget-epochs 150 --epochs 16 --workers 2 --seed 3 --quiet --out {}",
            out.display()
        )
    };
    let whole = dir.path().join("whole");
    assert_ok(&run(&args(&whole)));
    let report = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap()
    };
    let total = report(&whole)["fidelity"]["steps"]
        .as_array()
        .unwrap()
        .len();
    assert!(total > 40, "{total} steps");
    for n in [1, 12, 35] {
        let out = dir.path().join(format!("killed-{n}"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_autotune"))
            .args(args(&out).split(' '))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_for_steps(&out.join("journal.jsonl"), n, &mut child);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let c = autotune::study::read_journal(out.join("journal.jsonl")).unwrap();
        assert_eq!(c.trials.len(), 0, "killed after {n} steps, before the end");
        // Options left out are the study's (the budget included).
        let o = run(&format!("tune --out {} --resume --quiet", out.display()));
        assert_ok(&o);
        assert_eq!(
            csv_without_durations(&out.join("trials.csv")),
            csv_without_durations(&whole.join("trials.csv")),
            "killed after {n} steps"
        );
        let (a, b) = (report(&whole), report(&out));
        assert_eq!(a["fidelity"], b["fidelity"], "killed after {n} steps");
        assert_eq!(a["best"], b["best"], "killed after {n} steps");
        assert_eq!(a["test"], b["test"], "killed after {n} steps");
        let best = |d: &Path| std::fs::read_to_string(d.join("best.json")).unwrap();
        assert_eq!(best(&whole), best(&out));
        // No journaled step was trained again (it would be journaled twice).
        let c = autotune::study::read_journal(out.join("journal.jsonl")).unwrap();
        assert_eq!(c.steps.len(), total, "killed after {n} steps");
    }
}

#[test]
fn the_budget_of_a_resumed_study_is_the_whole_studys() {
    let s = iris();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    run_stopped_after(&s, &config(&journal), 25);
    let held: usize = autotune::study::read_journal(&journal)
        .unwrap()
        .steps
        .iter()
        .map(|st| st.to - st.from)
        .sum();
    assert!(held >= 25);
    // Less than the journal holds: refused, saying how much it holds.
    match autotune(&s, &config(&journal).resume(true).budget_epochs(held - 1)) {
        Err(autotune::Error::Config(autotune::error::ConfigError::Invalid { name, reason })) => {
            assert_eq!(name, "budget_epochs");
            assert!(reason.contains(&format!("holds {held} epochs")), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Finished, then resumed with a larger budget: its trials stay as they
    // were told, and new ones spend the rest.
    let done = autotune(&s, &config(&journal).resume(true)).unwrap();
    let more = autotune(&s, &config(&journal).resume(true).budget_epochs(60)).unwrap();
    let (f, g) = (done.fidelity.unwrap(), more.fidelity.unwrap());
    assert_eq!((f.used_epochs, g.used_epochs), (40, 60));
    let n = done.trials.len();
    assert!(more.trials.len() > n);
    assert_eq!(strip(&more.trials[..n]), strip(&done.trials));
    assert_eq!(g.trials[..n], f.trials[..]);
    assert_eq!(g.steps[..f.steps.len()], f.steps[..]);
}
