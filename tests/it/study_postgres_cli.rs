//! The command line on studies shared through PostgreSQL, against a real
//! server (`AUTOTUNE_TEST_POSTGRES`, set by `.ci/postgres start`; without it
//! these tests skip, saying so): worker processes of the real binary, one
//! killed mid-trial; ask/tell from a shell script (database and study
//! directory); a server that goes away mid-study; bad URLs and passwords.

use postgres::{Client, NoTls};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_autotune");

use crate::helpers::{postgres_server as server, unique_name as unique};

fn autotune(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run autotune")
}

fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start autotune")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits for `child` up to `limit`; kills it and fails the test after that.
fn finish(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("poll the child").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("reap");
            panic!(
                "{what} did not end within {limit:?}; stderr: {}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child
        .wait_with_output()
        .expect("collect the child's output")
}

/// Polls `f` every 50 ms until it is true, for up to `limit`.
fn wait_for(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).expect("connect to the test server")
}

/// The study's id, once it exists.
fn study_id(db: &mut Client, name: &str) -> Option<i64> {
    db.query_opt("SELECT id FROM autotune_studies WHERE name = $1", &[&name])
        .ok()
        .flatten()
        .map(|r| r.get(0))
}

fn count(db: &mut Client, id: i64, condition: &str) -> i64 {
    db.query_one(
        &format!("SELECT count(*) FROM autotune_trials WHERE study_id = $1 AND {condition}"),
        &[&id],
    )
    .expect("count trials")
    .get(0)
}

/// A tuning study on iris whose trials take a few tenths of a second.
fn tune_args<'a>(url: &'a str, name: &'a str, out: &'a str, trials: &'a str) -> Vec<&'a str> {
    vec![
        "tune",
        "--storage",
        url,
        "--study",
        name,
        "--data",
        "iris",
        "--trials",
        trials,
        "--epochs",
        "1500",
        "--pruner",
        "none",
        "--workers",
        "1",
        "--seed",
        "3",
        "--out",
        out,
        "--quiet",
    ]
}

#[test]
fn eight_worker_processes_one_killed_mid_trial() {
    let Some(url) = server("eight_worker_processes_one_killed_mid_trial") else {
        return;
    };
    let name = unique("eight");
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().join("results");
    let out_s = out_dir.to_str().expect("utf-8 path");
    let budget = 16;
    let mut args = tune_args(&url, &name, out_s, "16");
    // (A grace period of 5 s: a live worker starved of the cores for that long
    // would lose a trial too, which the counts below would catch.)
    args.extend(["--grace", "5", "--retries", "1"]);
    let creator = spawn(&args);
    let mut db = connect(&url);
    let mut id = None;
    wait_for(Duration::from_secs(60), "the study is created", || {
        id = study_id(&mut db, &name);
        id.is_some()
    });
    let id = id.expect("created");
    let worker_args = [
        "worker",
        "--storage",
        &url,
        "--study",
        &name,
        "--grace",
        "5",
        "--retries",
        "1",
        "-q",
    ];
    let mut workers: Vec<Option<Child>> = (0..7).map(|_| Some(spawn(&worker_args))).collect();

    // SIGKILL a worker process while it runs a trial: a trial row still
    // running under the dead process's id (its worker id holds its pid).
    let mut lost: Option<i64> = None;
    let start = Instant::now();
    while lost.is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no worker ran a trial"
        );
        let rows = db
            .query(
                "SELECT number, worker FROM autotune_trials \
                 WHERE study_id = $1 AND state = 'running' AND worker IS NOT NULL",
                &[&id],
            )
            .expect("running trials");
        for r in rows {
            let (number, worker): (i64, String) = (r.get(0), r.get(1));
            let pid: u32 = worker
                .split(':')
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let Some(slot) = workers
                .iter_mut()
                .find(|w| w.as_ref().is_some_and(|c| c.id() == pid))
            else {
                continue;
            };
            let mut child = slot.take().expect("found");
            child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
            child.wait().expect("reap the killed worker");
            // The process is dead: a row it still runs is lost for good.
            let orphan: Option<i64> = db
                .query_opt(
                    "SELECT number FROM autotune_trials WHERE study_id = $1 \
                     AND state = 'running' AND worker = $2",
                    &[&id, &worker],
                )
                .expect("orphan")
                .map(|r| r.get(0));
            assert!(orphan.is_none_or(|n| n >= number));
            lost = orphan;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let lost = lost.expect("killed mid-trial");

    for (i, w) in workers.into_iter().enumerate() {
        if let Some(w) = w {
            let o = finish(w, Duration::from_secs(180), "a worker");
            assert!(o.status.success(), "worker {i}: {}", text(&o.stderr));
            assert!(
                text(&o.stdout).starts_with("worker: ran "),
                "{}",
                text(&o.stdout)
            );
        }
    }
    let o = finish(creator, Duration::from_secs(180), "the creating tune");
    assert!(o.status.success(), "tune: {}", text(&o.stderr));

    // Exactly the budget of trials, plus the lost one; numbers 0..=budget once each.
    let rows = db
        .query(
            "SELECT number, state, record, retry_of, params, \
                 extract(epoch FROM (finished_at - heartbeat))::float8 \
             FROM autotune_trials WHERE study_id = $1 ORDER BY number",
            &[&id],
        )
        .expect("trials");
    let numbers: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        numbers,
        (0..=budget).collect::<Vec<i64>>(),
        "no duplicate, no gap"
    );
    assert!(rows.iter().all(|r| r.get::<_, String>(1) == "finished"));
    let record = |r: &postgres::Row| -> serde_json::Value {
        serde_json::from_str(&r.get::<_, String>(2)).expect("record json")
    };
    let lost_row = rows
        .iter()
        .find(|r| r.get::<_, i64>(0) == lost)
        .expect("lost row");
    let lost_record = record(lost_row);
    assert_eq!(lost_record["state"], "failed", "{lost_record}");
    assert!(
        lost_record["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no heartbeat")),
        "{lost_record}"
    );
    // Given up only after the grace period without a heartbeat (5 s).
    let silent: f64 = lost_row.get(5);
    assert!(
        silent >= 5.0,
        "given up after {silent} s without a heartbeat"
    );
    let rerun: Vec<&postgres::Row> = rows
        .iter()
        .filter(|r| r.get::<_, Option<i64>>(3) == Some(lost))
        .collect();
    assert_eq!(rerun.len(), 1, "one re-run of the lost trial");
    assert_eq!(rerun[0].get::<_, String>(4), lost_row.get::<_, String>(4));
    assert_eq!(record(rerun[0])["state"], "complete");
    let complete = rows
        .iter()
        .filter(|r| record(r)["state"] == "complete")
        .count();
    assert_eq!(
        complete as i64, budget,
        "every trial but the lost one completed"
    );

    // `report` says what the database holds.
    let o = autotune(&["report", "--storage", &url, "--study", &name]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report = text(&o.stdout);
    let expected = format!(
        "iris: {} of {budget} trials ({complete} complete, 0 pruned, 1 failed, 0 diverged)",
        budget + 1
    );
    assert!(report.contains(&expected), "{report}");
    assert!(
        report.contains(&format!(
            "{} trials finished, 0 running or waiting",
            budget + 1
        )),
        "{report}"
    );
    assert!(
        out_dir.join("best.json").exists(),
        "the creator wrote its results"
    );
}

/// A bash script that asks and tells until `ask` exits with 3: the value
/// of a trial is (x - 1)², every third trial (number 2, 5, ...) fails.
const SCRIPT: &str = r#"
set -u
bin=$1; shift
create=(--space "$SPACE" --trials 6 --sampler random --seed 4)
while :; do
  line=$("$bin" ask "$@" "${create[@]}"); rc=$?
  create=()
  [ "$rc" = 3 ] && exit 0
  [ "$rc" = 0 ] || exit 10
  n=$(printf '%s' "$line" | sed -E 's/.*"number":([0-9]+).*/\1/')
  x=$(printf '%s' "$line" | sed -E 's/.*"x":([-0-9.eE+]+).*/\1/')
  if [ $((n % 3)) = 2 ]; then
    "$bin" tell "$@" --trial "$n" --failed "odd trial" || exit 11
  else
    v=$(awk -v x="$x" 'BEGIN { printf "%.17g", (x - 1) * (x - 1) }')
    "$bin" tell "$@" --trial "$n" --value "$v" || exit 12
  fi
done
"#;

/// Runs [`SCRIPT`] with the study options `at`; checks it ended well.
fn run_script(at: &[&str], space: &Path) {
    let o = Command::new("bash")
        .arg("-c")
        .arg(SCRIPT)
        .arg("script")
        .arg(BIN)
        .args(at)
        .env("SPACE", space)
        .output()
        .expect("run bash");
    assert!(
        o.status.success(),
        "script exit {:?}: {}",
        o.status.code(),
        text(&o.stderr)
    );
}

/// Checks six trials numbered 0..6, the failed ones and the values told.
fn check_told(trials: &[autotune::history::TrialRecord]) {
    use autotune::history::TrialState;
    let numbers: Vec<usize> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..6).collect::<Vec<_>>());
    for t in trials {
        let x = t.params.get("x").and_then(|v| v.as_f64()).expect("x");
        match &t.state {
            TrialState::Failed { reason } => {
                assert_eq!(t.number % 3, 2);
                assert_eq!(reason, "odd trial");
            }
            // (The script's awk computes (x - 1)² in the same binary64
            // arithmetic and prints it with 17 digits: exactly equal.)
            TrialState::Complete { value } => assert_eq!(*value, (x - 1.0) * (x - 1.0)),
            other => panic!("trial {}: {other:?}", t.number),
        }
    }
}

#[test]
fn ask_and_tell_from_a_shell_script() {
    let dir = tempfile::tempdir().expect("temp dir");
    let space = dir.path().join("space.json");
    std::fs::write(
        &space,
        r#"[{"name":"x","domain":{"type":"float","low":-3,"high":3,"scale":"linear"}}]"#,
    )
    .expect("write the space");

    // A study directory (file journal).
    let study_dir = dir.path().join("study");
    let study_s = study_dir.to_str().expect("utf-8");
    let o = autotune(&["ask", "--dir", study_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("there is no study in"),
        "{}",
        text(&o.stderr)
    );
    run_script(&["--dir", study_s], &space);
    let journal = autotune::study::read_journal(study_dir.join("journal.jsonl")).expect("journal");
    check_told(&journal.trials);
    let o = autotune(&["tell", "--dir", study_s, "--trial", "0", "--value", "1"]);
    assert_eq!(o.status.code(), Some(2), "a second tell of trial 0");
    assert!(
        text(&o.stderr).contains("trial 0 is not waiting"),
        "{}",
        text(&o.stderr)
    );
    let o = autotune(&["report", study_s]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("6 of 6 trials (4 complete, 0 pruned, 2 failed"),
        "{}",
        text(&o.stdout)
    );

    // The same script on a shared study.
    let Some(url) = server("ask_and_tell_from_a_shell_script (database part)") else {
        return;
    };
    let name = unique("script");
    run_script(&["--storage", &url, "--study", &name], &space);
    let stored = autotune::study::storage::postgres::stored_study(
        &autotune::study::storage::postgres::PostgresOptions::new(&url, &name),
    )
    .expect("read the study")
    .expect("the study exists");
    check_told(&stored.trials);
    assert_eq!((stored.budget, stored.unfinished), (Some(6), 0));
    let o = autotune(&["ask", "--storage", &url, "--study", &name]);
    assert_eq!(o.status.code(), Some(3), "the budget is asked");
    let o = autotune(&["report", "--storage", &url, "--study", &name]);
    assert!(
        text(&o.stdout).contains("6 of 6 trials (4 complete, 0 pruned, 2 failed"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn bad_urls_wrong_passwords_and_unknown_studies_are_clear_errors() {
    let Some(url) = server("bad_urls_wrong_passwords_and_unknown_studies_are_clear_errors") else {
        return;
    };
    let (head, host) = url.rsplit_once('@').expect("a URL with a password");
    let (user, _password) = head.rsplit_once(':').expect("a URL with a password");
    let wrong = format!("{user}:not-the-password@{host}");
    let name = unique("nope");
    for (args, code, message) in [
        (
            vec!["worker", "--storage", "http://x/y", "--study", &name],
            2,
            "storage URL http://x/y: expected postgres://",
        ),
        (
            vec!["worker", "--storage", &wrong, "--study", &name],
            2,
            "authentication failed for user",
        ),
        (
            vec!["worker", "--storage", &url, "--study", &name],
            2,
            "there is no study",
        ),
        (
            vec![
                "tell",
                "--storage",
                &url,
                "--study",
                &name,
                "--trial",
                "0",
                "--value",
                "1",
            ],
            2,
            "there is no study",
        ),
        (
            vec!["report", "--storage", &url, "--study", &name],
            2,
            "there is no study",
        ),
        (
            vec![
                "worker",
                "--storage",
                "postgres://u:p@127.0.0.1:1/db",
                "--study",
                &name,
            ],
            1,
            "Connection refused",
        ),
    ] {
        let o = autotune(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("not-the-password") && !err.contains("panicked"),
            "{err}"
        );
    }
}

/// A server of this test's own (`.ci/postgres start`), stopped on drop.
struct OwnServer {
    url: String,
    dir: String,
}

impl OwnServer {
    fn start() -> Self {
        let o = Command::new("bash")
            .args([script(), "start"])
            .stderr(Stdio::null())
            .output()
            .expect("run .ci/postgres start");
        assert!(o.status.success(), ".ci/postgres start failed");
        let exports = text(&o.stdout);
        let get = |key: &str| {
            exports
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {key}=")))
                .expect("an export line")
                .to_owned()
        };
        Self {
            url: get("AUTOTUNE_TEST_POSTGRES"),
            dir: get("AUTOTUNE_PG_DIR"),
        }
    }

    fn run(&self, command: &str) {
        let o = Command::new("bash")
            .args([script(), command, &self.dir])
            .stderr(Stdio::null())
            .output()
            .expect("run .ci/postgres");
        assert!(o.status.success(), ".ci/postgres {command} failed");
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.run("stop");
    }
}

fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/postgres")
}

#[test]
fn a_server_that_goes_away_mid_study_loses_nothing_and_the_worker_resumes() {
    if server("a_server_that_goes_away_mid_study_loses_nothing_and_the_worker_resumes").is_none() {
        return;
    }
    let own = OwnServer::start();
    let name = unique("restart");
    let out = tempfile::tempdir().expect("temp dir");
    let out_s = out.path().join("r");
    let out_s = out_s.to_str().expect("utf-8");
    // A grace period longer than the outage: no trial is given up as lost.
    let mut args = tune_args(&own.url, &name, out_s, "10");
    args.extend(["--grace", "30"]);
    let child = spawn(&args);
    let mut db = connect(&own.url);
    let mut id = None;
    wait_for(Duration::from_secs(60), "the study is created", || {
        id = study_id(&mut db, &name);
        id.is_some()
    });
    let id = id.expect("created");
    wait_for(Duration::from_secs(60), "three trials finish", || {
        count(&mut db, id, "state = 'finished'") >= 3
    });
    drop(db);
    own.run("halt");
    let mut child = child;
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the worker waits for the server instead of failing"
    );
    own.run("restart");
    let o = finish(child, Duration::from_secs(120), "the tune run");
    assert!(o.status.success(), "after the restart: {}", text(&o.stderr));
    let mut db = connect(&own.url);
    let rows = db
        .query(
            "SELECT number, state, record FROM autotune_trials WHERE study_id = $1 ORDER BY number",
            &[&id],
        )
        .expect("trials");
    let numbers: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        numbers,
        (0..10).collect::<Vec<i64>>(),
        "nothing lost, nothing twice"
    );
    for r in &rows {
        let record: serde_json::Value =
            serde_json::from_str(&r.get::<_, String>(2)).expect("record");
        assert_eq!(record["state"], "complete", "{record}");
    }
}
