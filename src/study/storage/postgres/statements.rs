//! The statements of the hot path (ask, tell), prepared once per
//! connection: each call is then one round trip to the server instead of
//! two (parse, then execute), which matters most inside the study row's lock.

use postgres::{Client, Statement};

/// The prepared statements of one connection.
#[derive(Debug, Clone)]
pub struct Statements {
    /// `$1` study, `$2` worker, `$3` how many: claims waiting trials.
    pub claim: Statement,
    /// `$1` study, `$2` seen: trials finished after `seen`.
    pub finished: Statement,
    /// `$1` study, `$2` worker: configurations the others run or wait to run.
    pub pending: Statement,
    /// `$1` study, `$2` how many: takes up to that many new numbers within
    /// the budget under the study row's lock; returns the first number,
    /// how many were taken.
    pub take: Statement,
    /// `$1` study, `$2` numbers, `$3` configurations, `$4` worker: the new trials.
    pub insert: Statement,
    /// `$1` study, `$2` worker: trials others run (with a heartbeat) or wait to run.
    pub others: Statement,
    /// `$1` study: the next finish sequence number (under the study row's lock).
    pub finish_seq: Statement,
    /// `$1` study, `$2` number, `$3` record, `$4` sequence, `$5` worker.
    pub finish: Statement,
}

impl Statements {
    /// Prepares the statements on `client`.
    pub fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Self {
            claim: client.prepare(
                "UPDATE autotune_trials SET state = 'running', worker = $2, \
                     heartbeat = now(), started_at = now() \
                 WHERE study_id = $1 AND number IN ( \
                     SELECT number FROM autotune_trials \
                     WHERE study_id = $1 AND state = 'waiting' \
                     ORDER BY number LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING number, params",
            )?,
            finished: client.prepare(
                "SELECT record, finish_seq FROM autotune_trials \
                 WHERE study_id = $1 AND finish_seq > $2 ORDER BY finish_seq",
            )?,
            pending: client.prepare(
                "SELECT params FROM autotune_trials WHERE study_id = $1 \
                 AND state IN ('waiting', 'running') AND worker IS DISTINCT FROM $2",
            )?,
            take: client.prepare(
                "WITH old AS ( \
                     SELECT next_number, \
                         LEAST($2::bigint, GREATEST(0::bigint, \
                             COALESCE(budget - (next_number - retried), $2::bigint))) AS n \
                     FROM autotune_studies WHERE id = $1 FOR UPDATE) \
                 UPDATE autotune_studies s SET next_number = old.next_number + old.n \
                 FROM old WHERE s.id = $1 \
                 RETURNING old.next_number, old.n",
            )?,
            insert: client.prepare(
                "INSERT INTO autotune_trials \
                     (study_id, number, state, params, worker, started_at, heartbeat) \
                 SELECT $1, n, 'running', p, $4, now(), now() \
                 FROM unnest($2::bigint[], $3::text[]) AS t (n, p)",
            )?,
            others: client.prepare(
                "SELECT count(*) FROM autotune_trials WHERE study_id = $1 \
                 AND (state = 'waiting' OR (state = 'running' AND worker <> $2))",
            )?,
            finish_seq: client.prepare(
                "UPDATE autotune_studies SET finished = finished + 1 WHERE id = $1 \
                 RETURNING finished",
            )?,
            finish: client.prepare(
                "UPDATE autotune_trials SET state = 'finished', record = $3, finish_seq = $4, \
                     finished_at = now() \
                 WHERE study_id = $1 AND number = $2 AND state = 'running' AND worker = $5",
            )?,
        })
    }
}
