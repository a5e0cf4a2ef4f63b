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
    /// `$1` study, `$2` seen, `$3` worker: the trials finished after
    /// `seen` (record, sequence) and the configurations the others run or
    /// wait to run (params, state), in one snapshot.
    pub update: Statement,
    /// `$1` study, `$2` how many: takes up to that many new numbers within
    /// the budget under the study row's lock; returns the first number,
    /// how many were taken.
    pub take: Statement,
    /// `$1` study, `$2` numbers, `$3` configurations, `$4` worker: the new trials.
    pub insert: Statement,
    /// `$1` study, `$2` worker: trials others run (with a heartbeat) or wait to run.
    pub others: Statement,
    /// `$1` study, `$2` number, `$3` record, `$4` worker: records a finished
    /// trial with the next finish sequence number, in one statement (its
    /// own transaction, under the study row's lock).
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
            update: client.prepare(
                "SELECT record, finish_seq, NULL::text, NULL::text FROM autotune_trials \
                     WHERE study_id = $1 AND finish_seq > $2 \
                 UNION ALL \
                 SELECT NULL::text, NULL::bigint, params, state FROM autotune_trials \
                     WHERE study_id = $1 \
                     AND state IN ('waiting', 'running') AND worker IS DISTINCT FROM $3",
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
            // (A data-modifying WITH runs exactly once, whether or not the
            // trial is found: a lost trial leaves a gap in the sequence.)
            finish: client.prepare(
                "WITH seq AS ( \
                     UPDATE autotune_studies SET finished = finished + 1 WHERE id = $1 \
                     RETURNING finished) \
                 UPDATE autotune_trials SET state = 'finished', record = $3, \
                     finish_seq = (SELECT finished FROM seq), finished_at = now() \
                 WHERE study_id = $1 AND number = $2 AND state = 'running' AND worker = $4",
            )?,
        })
    }
}
