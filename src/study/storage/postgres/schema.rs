//! The versioned schema, created on first use.
//!
//! `autotune_schema` holds one row, the schema version. Creation runs under a
//! transaction-level advisory lock, so workers starting together create it
//! once. A database whose version is newer than [`SCHEMA_VERSION`] is refused.

use postgres::Client;

/// The schema version this program writes.
pub const SCHEMA_VERSION: i32 = 2;

/// The key of the advisory lock taken while the schema is created.
const SCHEMA_LOCK: i64 = 0x6175_746f_7475_6e65; // "autotune"

/// Version 1: studies (their header, budget and counters) and trials (one
/// row each, numbers unique per study by a constraint).
const V1: &str = "
CREATE TABLE autotune_studies (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    header        text NOT NULL,
    budget        bigint,
    next_number   bigint NOT NULL DEFAULT 0,
    finished      bigint NOT NULL DEFAULT 0,
    retried       bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE autotune_trials (
    study_id      bigint NOT NULL REFERENCES autotune_studies (id) ON DELETE CASCADE,
    number        bigint NOT NULL,
    state         text NOT NULL CHECK (state IN ('waiting', 'running', 'finished')),
    params        text NOT NULL,
    record        text,
    worker        text,
    attempt       integer NOT NULL DEFAULT 0,
    retry_of      bigint,
    started_at    timestamptz,
    heartbeat     timestamptz,
    finished_at   timestamptz,
    finish_seq    bigint,
    UNIQUE (study_id, number),
    CHECK ((state = 'finished') = (record IS NOT NULL))
);
CREATE INDEX autotune_trials_state ON autotune_trials (study_id, state);
CREATE UNIQUE INDEX autotune_trials_finish_seq ON autotune_trials (study_id, finish_seq);
";

/// Version 2: a study's metadata (text its creator stores with it: the
/// command line keeps its settings there, so a worker needs only the URL and
/// the study name).
const V2: &str = "ALTER TABLE autotune_studies ADD COLUMN metadata text;";

/// Creates the schema if the database has none, and upgrades a version-1
/// schema; returns the version found (`None` when it was created now).
pub fn ensure(client: &mut Client) -> Result<Option<i32>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS autotune_schema (version integer NOT NULL)")?;
    let found: Option<i32> = tx
        .query_opt("SELECT max(version) FROM autotune_schema", &[])?
        .and_then(|r| r.get(0));
    if found.is_none() {
        tx.batch_execute(V1)?;
        tx.execute("INSERT INTO autotune_schema (version) VALUES (1)", &[])?;
    }
    if found.is_none_or(|v| v < 2) {
        tx.batch_execute(V2)?;
        tx.execute("UPDATE autotune_schema SET version = 2", &[])?;
    }
    tx.commit()?;
    Ok(found)
}
