//! A study shared by many processes and machines through PostgreSQL.
//!
//! Every worker process builds the same study with
//! [`StudyBuilder::postgres`](crate::study::StudyBuilder::postgres) and
//! runs [`Study::optimize`](crate::study::Study::optimize); the database
//! makes them one study:
//! - **numbers unique by construction**: a worker claims numbers by updating
//!   its study's counter row in the same transaction as the INSERT of the
//!   trials, and `UNIQUE (study_id, number)` backs it up;
//! - **the whole study in every suggestion**: just before it takes numbers,
//!   a worker reads, in one snapshot, the trials finished since it last
//!   looked and the configurations the others are running (the sampler's
//!   pending trials); the study row is locked only to take the numbers,
//!   suggest and insert the batch;
//! - **results in one transaction each** (one statement);
//! - **a lost connection re-established** (the server restarting): for up
//!   to [`PostgresOptions::reconnect`], the interrupted call is made again;
//! - **lost workers noticed**: each worker stamps its running trials with the
//!   server's clock (`now()`) from a heartbeat thread; a running trial with
//!   no stamp within the grace period is marked failed and re-run, as a new
//!   trial with the same configuration, up to a number of retries. Trials
//!   waiting to be re-run are claimed with `SELECT ... FOR UPDATE SKIP
//!   LOCKED`, so two workers never take the same one;
//! - **a budget** of trials for the whole study: a worker whose `ask` finds
//!   the budget spent waits while others still run trials (one of them may
//!   be lost and need a re-run), then ends.
//!
//! A limit: a batch is suggested under the study row's lock (its numbers
//! seed the suggestion), so the workers suggest one at a time. With the
//! random sampler that costs microseconds; with the GP sampler at many
//! trials (suggestions of tens of milliseconds) it bounds the rate at which
//! the whole study starts trials to about one per suggestion time, which
//! matters only when trials are that short.
//!
//! The schema is versioned and created on first use (table `autotune_schema`). A worker
//! joining a study must have its settings (the journal header's fields,
//! stored with the study): another space, seed, sampler... is refused.

mod heartbeat;
mod options;
mod schema;
mod statements;

pub use options::PostgresOptions;

use super::{Batch, Storage, Suggest, Update, numbered};
use crate::Result;
use crate::error::StudyError;
use crate::history::{TrialRecord, TrialState};
use crate::space::Params;
use crate::study::journal::{AskedTrial, JournalHeader};
use heartbeat::Heartbeat;
use postgres::error::SqlState;
use postgres::{Client, Config, GenericClient, NoTls, Transaction};
use statements::Statements;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A worker's connection to a shared study.
pub(crate) struct Postgres {
    client: Client,
    /// The hot path's statements, prepared on `client`.
    statements: Statements,
    /// When this worker last looked for lost trials.
    lost_checked: Option<std::time::Instant>,
    /// To connect again after the connection broke.
    config: Config,
    /// How long to try connecting again.
    reconnect: Duration,
    /// The URL without its password.
    url: String,
    name: String,
    study_id: i64,
    /// Unique to this worker: host, process, and a number unique in the process.
    worker: String,
    grace: Duration,
    max_retries: i32,
    /// The highest `finish_seq` this worker has read.
    seen: i64,
    /// Trials this worker runs, stamped by the heartbeat.
    running: Arc<Mutex<BTreeSet<i64>>>,
    _heartbeat: Heartbeat,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("url", &self.url)
            .field("study", &self.name)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What opening a shared study gives: the storage, the trials finished so
/// far, and the stored header (to be checked against the study's).
pub(crate) struct Opened {
    pub storage: Postgres,
    pub trials: Vec<TrialRecord>,
    pub header: JournalHeader,
}

/// A connection, with what made it.
struct Connected {
    config: Config,
    client: Client,
    /// The URL without its password.
    url: String,
    user: String,
}

/// Checks `options`, parses the URL, connects, and creates (or upgrades) the
/// schema.
fn connect(options: &PostgresOptions) -> Result<Connected> {
    options.check()?;
    let url = options.redacted_url();
    if !(options.url.starts_with("postgres://") || options.url.starts_with("postgresql://")) {
        return Err(StudyError::StorageUrl {
            url,
            reason: "expected postgres://user:password@host:port/database".into(),
        }
        .into());
    }
    let config: Config =
        options
            .url
            .parse()
            .map_err(|e: postgres::Error| StudyError::StorageUrl {
                url: url.clone(),
                reason: e.to_string(),
            })?;
    let user = config.get_user().unwrap_or("").to_owned();
    let db = |e: postgres::Error| db_error(&url, &user, &e);
    let mut client = config.connect(NoTls).map_err(db)?;
    match schema::ensure(&mut client).map_err(db)? {
        Some(found) if found > schema::SCHEMA_VERSION => {
            return Err(StudyError::SchemaVersion {
                url,
                found,
                supported: schema::SCHEMA_VERSION,
            }
            .into());
        }
        _ => {}
    }
    Ok(Connected {
        config,
        client,
        url,
        user,
    })
}

/// A study as stored in the database, read without joining it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStudy {
    /// The study's settings (a journal's header).
    pub header: JournalHeader,
    /// Its budget of trials, if it has one.
    pub budget: Option<usize>,
    /// The metadata its creator stored ([`PostgresOptions::metadata`]).
    pub metadata: Option<String>,
    /// Its finished trials (lost ones included, as failed), in number order.
    pub trials: Vec<TrialRecord>,
    /// How many of its trials are running or waiting to be re-run.
    pub unfinished: usize,
}

/// Reads the study `options` names (only its URL and study name are used),
/// or `None` if the database has no study of that name. Creates the schema
/// if the database has none.
///
/// # Errors
/// As [`StudyBuilder::postgres`](crate::study::StudyBuilder::postgres)'s
/// `build`: [`StudyError::StorageUrl`], [`StudyError::DatabaseAuth`],
/// [`StudyError::Database`], [`StudyError::SchemaVersion`].
pub fn stored_study(options: &PostgresOptions) -> Result<Option<StoredStudy>> {
    let Connected {
        mut client,
        url,
        user,
        ..
    } = connect(options)?;
    let db = |e: postgres::Error| db_error(&url, &user, &e);
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(db)?;
    let Some(row) = tx
        .query_opt(
            "SELECT id, header, budget, metadata FROM autotune_studies WHERE name = $1",
            &[&options.study],
        )
        .map_err(db)?
    else {
        return Ok(None);
    };
    let (study_id, header, budget, metadata): (i64, String, Option<i64>, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let header: JournalHeader =
        serde_json::from_str(&header).map_err(|e| StudyError::Database {
            url: url.clone(),
            reason: format!(
                "study {}: its stored header does not parse: {e}",
                options.study
            ),
        })?;
    let mut trials = Vec::new();
    for r in tx
        .query(
            "SELECT record FROM autotune_trials \
             WHERE study_id = $1 AND state = 'finished' ORDER BY number",
            &[&study_id],
        )
        .map_err(db)?
    {
        trials.push(decode_record(&url, r.get(0))?);
    }
    let unfinished: i64 = tx
        .query_one(
            "SELECT count(*) FROM autotune_trials WHERE study_id = $1 AND state <> 'finished'",
            &[&study_id],
        )
        .map_err(db)?
        .get(0);
    tx.commit().map_err(db)?;
    Ok(Some(StoredStudy {
        header,
        budget: budget.map(to_usize),
        metadata,
        trials,
        unfinished: to_usize(unfinished),
    }))
}

impl Postgres {
    /// Connects to `options`' database, creates the schema if needed, and
    /// creates the study with `header` or joins it.
    ///
    /// # Errors
    /// [`StudyError::StorageUrl`], [`StudyError::DatabaseAuth`],
    /// [`StudyError::Database`], [`StudyError::SchemaVersion`];
    /// [`StudyError::HeaderMismatch`] for a budget other than the study's.
    pub fn open(options: &PostgresOptions, header: &JournalHeader) -> Result<Opened> {
        let Connected {
            config,
            mut client,
            url,
            user,
        } = connect(options)?;
        let db = |e: postgres::Error| db_error(&url, &user, &e);
        let header_json = serde_json::to_string(header).map_err(|e| StudyError::Database {
            url: url.clone(),
            reason: format!("cannot encode the study header: {e}"),
        })?;
        let budget = options.budget.map(to_i64);
        let mut tx = client.transaction().map_err(db)?;
        tx.execute(
            "INSERT INTO autotune_studies (name, header, budget, metadata) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
            &[&options.study, &header_json, &budget, &options.metadata],
        )
        .map_err(db)?;
        let row = tx
            .query_one(
                "SELECT id, header, budget FROM autotune_studies WHERE name = $1",
                &[&options.study],
            )
            .map_err(db)?;
        let (study_id, stored, stored_budget): (i64, String, Option<i64>) =
            (row.get(0), row.get(1), row.get(2));
        let location = format!("{url} study {}", options.study);
        if budget.is_some() && budget != stored_budget {
            return Err(StudyError::HeaderMismatch {
                path: location,
                field: "budget",
                journal: format!("{stored_budget:?}"),
                study: format!("{budget:?}"),
            }
            .into());
        }
        let stored: JournalHeader =
            serde_json::from_str(&stored).map_err(|e| StudyError::Database {
                url: url.clone(),
                reason: format!(
                    "study {}: its stored header does not parse: {e}",
                    options.study
                ),
            })?;
        let rows = tx
            .query(
                "SELECT record, finish_seq FROM autotune_trials \
                 WHERE study_id = $1 AND state = 'finished' ORDER BY number",
                &[&study_id],
            )
            .map_err(db)?;
        let mut trials = Vec::with_capacity(rows.len());
        let mut seen = 0;
        for r in rows {
            trials.push(decode_record(&url, r.get(0))?);
            seen = seen.max(r.get::<_, i64>(1));
        }
        tx.commit().map_err(db)?;
        let worker = worker_id();
        let running = Arc::new(Mutex::new(BTreeSet::new()));
        let config_copy = config.clone();
        let heartbeat = Heartbeat::start(
            config,
            study_id,
            worker.clone(),
            Arc::clone(&running),
            options.heartbeat,
        )
        .map_err(|e| StudyError::ThreadPool {
            workers: 1,
            reason: format!("the heartbeat thread: {e}"),
        })?;
        let statements = Statements::prepare(&mut client).map_err(db)?;
        Ok(Opened {
            storage: Self {
                client,
                statements,
                lost_checked: None,
                config: config_copy,
                reconnect: options.reconnect,
                url,
                name: options.study.clone(),
                study_id,
                worker,
                grace: options.grace,
                max_retries: i32::try_from(options.max_retries).unwrap_or(i32::MAX),
                seen,
                running,
                _heartbeat: heartbeat,
            },
            trials,
            header: stored,
        })
    }

    /// Claims up to `q` trials waiting to be run (retries), skipping those
    /// another worker is claiming at this moment.
    fn claim_waiting(&mut self, q: usize) -> Result<Vec<AskedTrial>, StudyError> {
        let rows = self
            .client
            .query(
                &self.statements.claim,
                &[&self.study_id, &self.worker, &to_i64(q)],
            )
            .map_err(|e| db_error(&self.url, "", &e))?;
        let mut trials = rows
            .into_iter()
            .map(|r| {
                Ok(AskedTrial {
                    number: to_usize(r.get(0)),
                    params: decode_params(&self.url, r.get(1))?,
                })
            })
            .collect::<Result<Vec<_>, StudyError>>()?;
        trials.sort_by_key(|t| t.number);
        Ok(trials)
    }
}

/// Marks the running trials with no heartbeat within `grace` failed, and
/// queues a re-run of each that has retries left. Runs under the study
/// row's lock. Returns how many re-runs were queued.
fn give_up_lost(
    tx: &mut Transaction<'_>,
    study_id: i64,
    grace: Duration,
    max_retries: i32,
) -> Result<usize, postgres::Error> {
    let lost = tx.query(
        "SELECT number, params, attempt, worker, \
             extract(epoch FROM (heartbeat - started_at))::float8 \
         FROM autotune_trials \
         WHERE study_id = $1 AND state = 'running' \
             AND heartbeat < now() - make_interval(secs => $2) \
         ORDER BY number FOR UPDATE",
        &[&study_id, &grace.as_secs_f64()],
    )?;
    let mut retried = 0;
    for row in lost {
        let (number, params, attempt, worker, secs): (i64, String, i32, Option<String>, f64) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let params_value: Params = serde_json::from_str(&params).unwrap_or_default();
        let record = TrialRecord {
            number: to_usize(number),
            params: params_value,
            state: TrialState::Failed {
                reason: format!(
                    "lost: no heartbeat from worker {} within {} s",
                    worker.as_deref().unwrap_or("?"),
                    grace.as_secs_f64()
                ),
            },
            intermediate: Vec::new(),
            scored_step: None,
            duration_secs: secs.max(0.0),
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        let seq: i64 = tx
            .query_one(
                "UPDATE autotune_studies SET finished = finished + 1 WHERE id = $1 RETURNING finished",
                &[&study_id],
            )?
            .get(0);
        tx.execute(
            "UPDATE autotune_trials SET state = 'finished', record = $3, finish_seq = $4, \
                 finished_at = now() WHERE study_id = $1 AND number = $2",
            &[&study_id, &number, &json, &seq],
        )?;
        if attempt < max_retries {
            let next: i64 = tx
                .query_one(
                    "UPDATE autotune_studies SET next_number = next_number + 1, retried = retried + 1 \
                     WHERE id = $1 RETURNING next_number - 1",
                    &[&study_id],
                )?
                .get(0);
            tx.execute(
                "INSERT INTO autotune_trials (study_id, number, state, params, attempt, retry_of) \
                 VALUES ($1, $2, 'waiting', $3, $4, $5)",
                &[&study_id, &next, &params, &(attempt + 1), &number],
            )?;
            retried += 1;
        }
    }
    Ok(retried)
}

impl Storage for Postgres {
    fn location(&self) -> String {
        format!("{} study {}", self.url, self.name)
    }

    fn ask(&mut self, q: usize, suggest: &mut Suggest<'_>) -> Result<Batch> {
        let mut since = None;
        loop {
            match self.ask_once(q, suggest) {
                Err(e) if self.reconnected(&mut since) => drop(e),
                done => return done,
            }
        }
    }

    fn tell(&mut self, record: &TrialRecord) -> Result<(), StudyError> {
        let mut since = None;
        let mut retry = false;
        loop {
            match self.tell_once(record, retry) {
                Err(e) if self.reconnected(&mut since) => {
                    drop(e);
                    retry = true;
                }
                done => return done,
            }
        }
    }

    fn detach(&mut self, number: usize) -> Result<(), StudyError> {
        let n = to_i64(number);
        let mut since = None;
        loop {
            let done = self.client.execute(
                "UPDATE autotune_trials SET worker = NULL, heartbeat = NULL \
                 WHERE study_id = $1 AND number = $2 AND state = 'running' AND worker = $3",
                &[&self.study_id, &n, &self.worker],
            );
            match done {
                Err(_) if self.reconnected(&mut since) => {}
                Err(e) => return Err(db_error(&self.url, "", &e)),
                Ok(_) => {
                    lock(&self.running).remove(&n);
                    return Ok(());
                }
            }
        }
    }

    fn adopt(&mut self, number: usize) -> Result<Option<Params>, StudyError> {
        let n = to_i64(number);
        let mut since = None;
        loop {
            let row = self.client.query_opt(
                "UPDATE autotune_trials SET worker = $3, heartbeat = now() \
                 WHERE study_id = $1 AND number = $2 AND state = 'running' AND worker IS NULL \
                 RETURNING params",
                &[&self.study_id, &n, &self.worker],
            );
            match row {
                Err(_) if self.reconnected(&mut since) => {}
                Err(e) => return Err(db_error(&self.url, "", &e)),
                Ok(None) => return Ok(None),
                Ok(Some(r)) => {
                    let params = decode_params(&self.url, r.get(0))?;
                    lock(&self.running).insert(n);
                    return Ok(Some(params));
                }
            }
        }
    }
}

impl Postgres {
    /// After a failed call: whether the connection had broken and is back
    /// (tried for up to the reconnect patience, counted from `since`, the
    /// first failure of this call). `false` for a failure of another kind,
    /// or a server that stayed away.
    fn reconnected(&mut self, since: &mut Option<std::time::Instant>) -> bool {
        if !self.client.is_closed() {
            return false;
        }
        let start = *since.get_or_insert_with(std::time::Instant::now);
        loop {
            if let Ok(mut c) = self.config.connect(NoTls)
                && let Ok(st) = Statements::prepare(&mut c)
            {
                self.client = c;
                self.statements = st;
                return true;
            }
            let left = self.reconnect.saturating_sub(start.elapsed());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(left.min(Duration::from_millis(500)));
        }
    }

    fn ask_once(&mut self, q: usize, suggest: &mut Suggest<'_>) -> Result<Batch> {
        let poll = (self.grace / 4).min(Duration::from_secs(1));
        loop {
            let url = self.url.clone();
            let db = |e: postgres::Error| db_error(&url, "", &e);
            let st = self.statements.clone();
            let (study_id, worker, seen) = (self.study_id, self.worker.clone(), self.seen);
            // Outside the study row's lock (as short as can be): what
            // finished and what the others run or wait to run. Finish
            // numbers are given and committed under that lock, so a view
            // that holds one holds every smaller one: nothing is skipped.
            let mut finished = Vec::new();
            let mut pending = Vec::new();
            let mut new_seen = seen;
            let mut any_waiting = false;
            for r in self
                .client
                .query(&st.update, &[&study_id, &seen, &worker])
                .map_err(db)?
            {
                match (r.get::<_, Option<String>>(0), r.get::<_, Option<i64>>(1)) {
                    (Some(record), Some(seq)) => {
                        finished.push((seq, decode_record(&url, record)?));
                        new_seen = new_seen.max(seq);
                    }
                    _ => {
                        let params: Option<String> = r.get(2);
                        any_waiting |= r.get::<_, Option<String>>(3).as_deref() == Some("waiting");
                        pending.push(decode_params(&url, params.unwrap_or_default())?);
                    }
                }
            }
            finished.sort_by_key(|(seq, _)| *seq);
            let finished: Vec<TrialRecord> = finished.into_iter().map(|(_, t)| t).collect();
            // Re-runs of lost trials first (one seen waiting: claim it).
            if any_waiting {
                let waiting = self.claim_waiting(q)?;
                if !waiting.is_empty() {
                    lock(&self.running).extend(waiting.iter().map(|t| to_i64(t.number)));
                    self.seen = new_seen;
                    return Ok(Batch {
                        first: waiting[0].number,
                        trials: waiting,
                        finished,
                    });
                }
            }
            // Lost trials are looked for every `poll`, and always before
            // the budget is found spent.
            let check_lost = self.lost_checked.is_none_or(|t| t.elapsed() >= poll);
            let mut tx = self.client.transaction().map_err(db)?;
            if check_lost {
                self.lost_checked = Some(std::time::Instant::now());
                tx.execute(
                    "SELECT 1 FROM autotune_studies WHERE id = $1 FOR UPDATE",
                    &[&study_id],
                )
                .map_err(db)?;
                if give_up_lost(&mut tx, study_id, self.grace, self.max_retries).map_err(db)? > 0 {
                    tx.commit().map_err(db)?;
                    continue; // claim the re-runs
                }
            }
            let row = tx
                .query_one(&st.take, &[&study_id, &to_i64(q)])
                .map_err(db)?;
            let (next, room): (i64, i64) = (row.get(0), row.get(1));
            if room == 0 {
                if !check_lost {
                    drop(tx);
                    self.lost_checked = None;
                    continue;
                }
                let others: i64 = tx
                    .query_one(&st.others, &[&study_id, &worker])
                    .map_err(db)?
                    .get(0);
                // (Under the lock: the trials that finished meanwhile too.)
                let (mut late, newest) = read_finished(&mut tx, &st, &url, study_id, new_seen)?;
                tx.commit().map_err(db)?;
                if others == 0 {
                    let mut finished = finished;
                    finished.append(&mut late);
                    self.seen = newest;
                    return Ok(Batch {
                        first: to_usize(next),
                        trials: Vec::new(),
                        finished,
                    });
                }
                std::thread::sleep(poll);
                continue;
            }
            let first = to_usize(next);
            let update = Update { finished, pending };
            let trials = numbered(first, suggest(first, to_usize(room), update)?);
            let numbers: Vec<i64> = trials.iter().map(|t| to_i64(t.number)).collect();
            let params = trials
                .iter()
                .map(|t| {
                    serde_json::to_string(&t.params).map_err(|e| StudyError::Database {
                        url: url.clone(),
                        reason: format!("cannot encode trial {}: {e}", t.number),
                    })
                })
                .collect::<Result<Vec<String>, StudyError>>()?;
            if trials.len() != to_usize(room) {
                return Err(StudyError::Sampler {
                    reason: format!("asked for {room} configurations, got {}", trials.len()),
                }
                .into());
            }
            tx.execute(&st.insert, &[&study_id, &numbers, &params, &worker])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            self.seen = new_seen;
            lock(&self.running).extend(numbers);
            return Ok(Batch {
                first,
                trials,
                finished: Vec::new(),
            });
        }
    }

    /// Records `record`; `retry`: a previous attempt may have committed
    /// before the connection broke (then the stored record is this one).
    fn tell_once(&mut self, record: &TrialRecord, retry: bool) -> Result<(), StudyError> {
        let number = to_i64(record.number);
        let json = serde_json::to_string(record).map_err(|e| StudyError::Database {
            url: self.url.clone(),
            reason: format!("cannot encode trial {}: {e}", record.number),
        })?;
        let url = self.url.clone();
        let db = |e: postgres::Error| db_error(&url, "", &e);
        let st = self.statements.clone();
        let updated = self
            .client
            .execute(&st.finish, &[&self.study_id, &number, &json, &self.worker])
            .map_err(db)?;
        if updated == 0 && retry {
            let stored: Option<String> = self
                .client
                .query_opt(
                    "SELECT record FROM autotune_trials \
                     WHERE study_id = $1 AND number = $2 AND state = 'finished' AND worker = $3",
                    &[&self.study_id, &number, &self.worker],
                )
                .map_err(db)?
                .and_then(|r| r.get(0));
            if stored.as_deref() == Some(json.as_str()) {
                lock(&self.running).remove(&number);
                return Ok(());
            }
        }
        if updated == 0 {
            lock(&self.running).remove(&number);
            return Err(StudyError::TrialLost {
                storage: self.location(),
                number: record.number,
                grace_secs: self.grace.as_secs_f64(),
            });
        }
        lock(&self.running).remove(&number);
        Ok(())
    }
}

/// The trials finished after `seen` (in the order they finished) and the
/// new highest `finish_seq`.
fn read_finished(
    client: &mut impl GenericClient,
    st: &Statements,
    url: &str,
    study_id: i64,
    seen: i64,
) -> Result<(Vec<TrialRecord>, i64), StudyError> {
    let rows = client
        .query(&st.finished, &[&study_id, &seen])
        .map_err(|e| db_error(url, "", &e))?;
    let mut finished = Vec::with_capacity(rows.len());
    let mut last = seen;
    for r in rows {
        finished.push(decode_record(url, r.get(0))?);
        last = last.max(r.get::<_, i64>(1));
    }
    Ok((finished, last))
}

/// A database error as a [`StudyError`]: authentication failures apart.
fn db_error(url: &str, user: &str, e: &postgres::Error) -> StudyError {
    let reason = match e.as_db_error() {
        Some(d) => d.message().to_owned(),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s = format!("{s}: {inner}");
                source = inner.source();
            }
            s
        }
    };
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            StudyError::DatabaseAuth {
                url: url.to_owned(),
                user: user.to_owned(),
                reason,
            }
        }
        _ => StudyError::Database {
            url: url.to_owned(),
            reason,
        },
    }
}

fn decode_record(url: &str, json: String) -> Result<TrialRecord, StudyError> {
    serde_json::from_str(&json).map_err(|e| StudyError::Database {
        url: url.to_owned(),
        reason: format!("a stored trial does not parse: {e}"),
    })
}

fn decode_params(url: &str, json: String) -> Result<Params, StudyError> {
    serde_json::from_str(&json).map_err(|e| StudyError::Database {
        url: url.to_owned(),
        reason: format!("a stored configuration does not parse: {e}"),
    })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// `host:pid:n`, unique to this study value among all workers.
fn worker_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{host}:{}:{}:{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
