//! Studies shared through PostgreSQL, against a real server: `bash
//! .ci/postgres start` starts one and prints `AUTOTUNE_TEST_POSTGRES` (its
//! URL); without it the tests that need it skip, saying so.

use autotune::error::{Error, StudyError};
use autotune::history::{History, TrialState};
use autotune::space::{Scale, SearchSpace};
use autotune::study::storage::postgres::PostgresOptions;
use autotune::study::{Study, StudyBuilder};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{postgres_server as server, unique_name as unique};

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", -5.0..=5.0, Scale::Linear)
        .build()
        .expect("valid space")
}

fn builder(seed: u64) -> StudyBuilder {
    Study::builder(space()).seed(seed)
}

fn objective(t: &mut autotune::study::Trial) -> autotune::study::ObjectiveResult {
    Ok((t.float("x")? - 1.0).powi(2))
}

fn fast(url: &str, study: &str) -> PostgresOptions {
    PostgresOptions::new(url, study)
        .heartbeat(Duration::from_millis(200))
        .grace(Duration::from_secs(2))
}

fn numbers(h: &History) -> Vec<usize> {
    h.trials().iter().map(|t| t.number).collect()
}

#[test]
fn six_threads_share_one_study_unique_numbers_and_exactly_the_budget() {
    let Some(url) = server("six_threads_share_one_study") else {
        return;
    };
    let name = unique("threads");
    let budget = 40;
    let histories: Vec<(autotune::history::Counts, History)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (url, name) = (url.clone(), name.clone());
                s.spawn(move || {
                    let mut study = builder(11)
                        .postgres(fast(&url, &name).budget(budget))
                        .build()
                        .expect("join the study");
                    let counts = study.optimize(objective, usize::MAX).expect("optimize");
                    (counts, study.history().clone())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let completed: usize = histories.iter().map(|(c, _)| c.complete).sum();
    assert_eq!(
        completed, budget,
        "the workers together ran exactly the budget"
    );
    // Read back by a new worker: every number once, all complete.
    let reader = builder(11)
        .postgres(fast(&url, &name).budget(budget))
        .build()
        .expect("read the study");
    let all = reader.history();
    assert_eq!(numbers(all), (0..budget).collect::<Vec<_>>());
    assert_eq!(all.counts().complete, budget);
    // Each worker's view is part of the stored history, record for record.
    for (_, h) in &histories {
        for t in h.trials() {
            assert_eq!(Some(t), all.trials().iter().find(|a| a.number == t.number));
        }
    }
    // The random sampler's trial n depends only on the seed and n: the shared
    // study is the single-process study of the same seed, value for value.
    let mut alone = builder(11).build().expect("memory study");
    alone.optimize(objective, budget).expect("optimize");
    for (a, b) in all.trials().iter().zip(alone.history().trials()) {
        assert_eq!(
            (a.number, &a.params, &a.state),
            (b.number, &b.params, &b.state)
        );
    }
    // The budget is spent: asking again is a typed error.
    let mut late = builder(11)
        .postgres(fast(&url, &name).budget(budget))
        .build()
        .expect("join");
    assert!(matches!(
        late.ask(),
        Err(Error::Study(StudyError::BudgetReached { .. }))
    ));
}

/// Run by `a_killed_workers_trial_is_marked_failed_and_rerun` as a child
/// process: joins the study, asks one trial, says so, and hangs until killed.
#[test]
#[ignore = "a child process of a_killed_workers_trial_is_marked_failed_and_rerun"]
fn child_asks_one_trial_and_hangs() {
    let (Ok(url), Ok(name)) = (
        std::env::var("AUTOTUNE_TEST_POSTGRES"),
        std::env::var("AUTOTUNE_TEST_CHILD_STUDY"),
    ) else {
        return;
    };
    let mut study = builder(5)
        .postgres(fast(&url, &name).budget(6).max_retries(1))
        .build()
        .expect("join");
    let trial = study.ask().expect("ask");
    println!("AUTOTUNE_CHILD_ASKED {}", trial.number());
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn a_killed_workers_trial_is_marked_failed_and_rerun() {
    let Some(url) = server("a_killed_workers_trial_is_marked_failed_and_rerun") else {
        return;
    };
    let name = unique("killed");
    let options = fast(&url, &name).budget(6).max_retries(1);
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "study_postgres::child_asks_one_trial_and_hangs",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("AUTOTUNE_TEST_CHILD_STUDY", &name)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child worker");
    let stdout = child.stdout.take().expect("piped");
    let asked = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // The harness prints `test name ... ` before the child's own line.
        .find_map(|l| l.split("AUTOTUNE_CHILD_ASKED ").nth(1).map(str::to_owned))
        .expect("the child asked a trial");
    assert_eq!(asked, "0");
    child.kill().expect("SIGKILL the child"); // std sends SIGKILL on Unix
    child.wait().expect("reap the child");
    let killed_at = Instant::now();
    let mut study = builder(5).postgres(options).build().expect("join");
    let counts = study.optimize(objective, usize::MAX).expect("optimize");
    // The killed trial is given up only after the grace period (2 s) less
    // the age of its last heartbeat (at most the 0.2 s interval).
    assert!(killed_at.elapsed() >= Duration::from_millis(1800));
    assert_eq!(counts.complete, 6, "5 new trials and the re-run");
    let h = study.history();
    assert_eq!(numbers(h), (0..7).collect::<Vec<_>>());
    let lost = &h.trials()[0];
    assert!(
        matches!(&lost.state, TrialState::Failed { reason } if reason.contains("no heartbeat")),
        "{:?}",
        lost.state
    );
    let rerun = &h.trials()[6];
    assert_eq!(
        rerun.params, lost.params,
        "the re-run has the lost configuration"
    );
    assert!(matches!(rerun.state, TrialState::Complete { .. }));
    assert_eq!(h.counts().complete, 6, "exactly the budget completed");
}

#[test]
fn joining_with_other_settings_is_refused() {
    let Some(url) = server("joining_with_other_settings_is_refused") else {
        return;
    };
    let name = unique("settings");
    let _first = builder(1)
        .postgres(fast(&url, &name).budget(3))
        .build()
        .expect("create");
    let err = builder(2)
        .postgres(fast(&url, &name))
        .build()
        .expect_err("another seed");
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::HeaderMismatch { field: "seed", .. })
        ),
        "{err}"
    );
    let err = builder(1)
        .postgres(fast(&url, &name).budget(4))
        .build()
        .expect_err("another budget");
    assert!(
        matches!(
            &err,
            Error::Study(StudyError::HeaderMismatch {
                field: "budget",
                ..
            })
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_password_is_an_authentication_error_without_the_password() {
    let Some(url) = server("a_wrong_password_is_an_authentication_error") else {
        return;
    };
    // postgres://user:password@host... -> the password replaced.
    let at = url.rfind('@').expect("a URL with credentials");
    let colon = url[..at].rfind(':').expect("a password");
    let wrong = format!("{}:not-the-password{}", &url[..colon], &url[at..]);
    let err = builder(1)
        .postgres(fast(&wrong, "any"))
        .build()
        .expect_err("wrong password");
    assert!(
        matches!(&err, Error::Study(StudyError::DatabaseAuth { user, .. }) if user == "autotune"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-the-password"), "{err}");
}

#[test]
fn bad_urls_and_no_server_are_typed_errors() {
    for url in ["mysql://a@127.0.0.1/x", "postgres://127.0.0.1:notaport/x"] {
        let err = builder(1)
            .postgres(fast(url, "s"))
            .build()
            .expect_err("bad URL");
        assert!(
            matches!(&err, Error::Study(StudyError::StorageUrl { .. })),
            "{url}: {err}"
        );
    }
    // Port 1 on loopback: nothing listens there.
    let err = builder(1)
        .postgres(fast("postgres://u:secret@127.0.0.1:1/x", "s"))
        .build()
        .expect_err("no server");
    assert!(
        matches!(&err, Error::Study(StudyError::Database { .. })),
        "{err}"
    );
    assert!(!err.to_string().contains("secret"), "{err}");
    let err = builder(1)
        .postgres(
            PostgresOptions::new("postgres://u@127.0.0.1:1/x", "s")
                .heartbeat(Duration::from_secs(60)),
        )
        .build()
        .expect_err("heartbeat not shorter than the grace period");
    assert!(
        matches!(
            &err,
            Error::Config(autotune::error::ConfigError::Invalid {
                name: "heartbeat",
                ..
            })
        ),
        "{err}"
    );
}
