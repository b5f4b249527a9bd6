//! The job queue's SQL for SQLite. Each function runs inside the caller's connection (and, where
//! it matters, transaction); the `Catalog` impl wraps them.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, JobRepo, job_not_held};
use ferrotype_core::jobs::{
    AssetSelection, Job, JobEnd, JobState, JobWakeups, NewJob, QueueCounts, QueueName, QueueStatus,
    names,
};
use ferrotype_core::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::time::Duration;

use super::{SqliteCatalog, parse_ts, parse_uuid, ts};

pub(crate) fn insert(conn: &Connection, jobs: &[NewJob]) -> rusqlite::Result<u64> {
    let now = Utc::now();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key, max_attempts, run_after,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT DO NOTHING",
    )?;
    // A delayed job enqueued again while one waits restarts that one's wait (Immich removes
    // the waiting job and adds the new one).
    let mut again = conn.prepare_cached(
        "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key, max_attempts, run_after,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (dedupe_key) WHERE status = 'waiting'
         DO UPDATE SET payload = excluded.payload, run_after = excluded.run_after,
            updated_at = excluded.updated_at",
    )?;
    let mut added = 0;
    for job in jobs {
        let run_after = job
            .delay
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map_or(now, |d| now + d);
        let values = params![
            job.queue.as_str(),
            job.name,
            job.asset_id.map(|u| u.to_string()),
            job.payload.to_string(),
            job.dedupe_key,
            job.max_attempts,
            ts(&run_after),
            ts(&now),
        ];
        added += if job.delay.is_some() {
            again.execute(values)?
        } else {
            stmt.execute(values)?
        } as u64;
    }
    Ok(added)
}

pub(crate) fn insert_for_assets(
    conn: &Connection,
    queue: QueueName,
    name: &str,
    selection: AssetSelection,
) -> rusqlite::Result<u64> {
    let missing = match selection {
        AssetSelection::All => None,
        AssetSelection::MissingMetadata => Some(names::EXTRACT_METADATA),
        AssetSelection::MissingThumbnails => Some(names::GENERATE_THUMBNAILS),
    };
    let now = ts(&Utc::now());
    let n = conn.execute(
        "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key, max_attempts, run_after,
                created_at, updated_at)
             SELECT ?1, ?2, a.id, '{}', ?2 || ':' || a.id, 3, ?3, ?3, ?3
             FROM assets a
             WHERE a.deleted_at IS NULL
               AND (?4 IS NULL OR NOT EXISTS (
                    SELECT 1 FROM asset_job_status s WHERE s.asset_id = a.id AND s.job = ?4))
             ORDER BY a.created_at
             ON CONFLICT DO NOTHING",
        params![queue.as_str(), name, now, missing],
    )?;
    Ok(n as u64)
}

const JOB_COLUMNS: &str = "id, queue, name, asset_id, payload, attempts, max_attempts, last_error, created_at, status, run_after, worker";

fn job_at(r: &Row<'_>) -> rusqlite::Result<(Job, JobState)> {
    let queue: String = r.get(1)?;
    let payload: String = r.get(4)?;
    let asset_id: Option<String> = r.get(3)?;
    let status: String = r.get(9)?;
    let run_after = parse_ts(&r.get::<_, String>(10)?)?;
    let state = match status.as_str() {
        "active" => JobState::Active,
        "failed" => JobState::Failed,
        _ if run_after > Utc::now() => JobState::Delayed,
        _ => JobState::Waiting,
    };
    let job = Job {
        id: r.get(0)?,
        queue: QueueName::parse(&queue).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown queue {queue}").into(),
            )
        })?,
        name: r.get(2)?,
        asset_id: asset_id.as_deref().map(parse_uuid).transpose()?,
        payload: serde_json::from_str(&payload).unwrap_or_default(),
        attempts: r.get(5)?,
        max_attempts: r.get(6)?,
        last_error: r.get(7)?,
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
        holder: if state == JobState::Active {
            r.get(11)?
        } else {
            None
        },
    };
    Ok((job, state))
}

fn is_paused(conn: &Connection, queue: QueueName) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT is_paused FROM queue_state WHERE queue = ?1",
            [queue.as_str()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

pub(crate) fn claim_batch(
    conn: &mut Connection,
    queue: QueueName,
    worker: &str,
    n: u32,
    lease: Duration,
) -> rusqlite::Result<Vec<Job>> {
    if n == 0 || is_paused(conn, queue)? {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let until = ts(&lease_end(now, lease));
    let now = ts(&now);
    // SQLite has one writer, so picking the ids first and then taking them is atomic; on
    // PostgreSQL the picking carries `FOR UPDATE SKIP LOCKED`.
    let tx = conn.transaction()?;
    let ids: Vec<i64> = {
        let mut pick = tx.prepare_cached(
            "SELECT id FROM jobs
             WHERE queue = ?1 AND status = 'waiting' AND run_after <= ?2
             ORDER BY run_after, id LIMIT ?3",
        )?;
        pick.query_map(params![queue.as_str(), now, n], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut jobs = Vec::with_capacity(ids.len());
    {
        let mut take = tx.prepare_cached(&format!(
            "UPDATE jobs SET status = 'active', attempts = attempts + 1, worker = ?2,
                lease_expires_at = ?3, updated_at = ?4
             WHERE id = ?1
             RETURNING {JOB_COLUMNS}"
        ))?;
        for id in ids {
            jobs.push(take.query_row(params![id, worker, until, now], |r| {
                job_at(r).map(|(job, _)| job)
            })?);
        }
    }
    tx.commit()?;
    Ok(jobs)
}

/// When a lease taken or renewed `now` ends.
fn lease_end(now: Timestamp, lease: Duration) -> Timestamp {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(1))
}

/// Whether `worker` holds job `id` (it is active and claimed by it).
fn holds(conn: &Connection, id: i64, worker: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM jobs WHERE id = ?1 AND status = 'active' AND worker = ?2",
            params![id, worker],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub(crate) fn renew(
    conn: &Connection,
    id: i64,
    worker: &str,
    lease: Duration,
) -> rusqlite::Result<bool> {
    let until = ts(&lease_end(Utc::now(), lease));
    Ok(conn.execute(
        "UPDATE jobs SET lease_expires_at = ?3
         WHERE id = ?1 AND status = 'active' AND worker = ?2",
        params![id, worker, until],
    )? > 0)
}

/// Returns false (and changes nothing) when `worker` does not hold the job.
pub(crate) fn complete(conn: &mut Connection, id: i64, worker: &str) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    if !complete_in(&tx, id, worker)? {
        return Ok(false);
    }
    tx.commit()?;
    Ok(true)
}

/// Completes the job in the caller's transaction; false when `worker` does not hold it.
fn complete_in(conn: &Connection, id: i64, worker: &str) -> rusqlite::Result<bool> {
    let queue: Option<String> = conn
        .query_row(
            "DELETE FROM jobs WHERE id = ?1 AND status = 'active' AND worker = ?2
             RETURNING queue",
            params![id, worker],
            |r| r.get(0),
        )
        .optional()?;
    let Some(queue) = queue else {
        return Ok(false);
    };
    conn.execute(
        "INSERT INTO queue_state (queue, completed) VALUES (?1, 1)
         ON CONFLICT (queue) DO UPDATE SET completed = completed + 1",
        [queue],
    )?;
    Ok(true)
}

/// Records a job's end in the caller's transaction (see `JobEnd`); false, with nothing
/// enqueued, when its worker no longer holds it: the caller rolls back.
pub(crate) fn end_in(conn: &Connection, end: &JobEnd) -> rusqlite::Result<bool> {
    if let Some((id, worker)) = &end.completes
        && !complete_in(conn, *id, worker)?
    {
        return Ok(false);
    }
    insert(conn, &end.next)?;
    Ok(true)
}

/// Returns false (and changes nothing) when `worker` does not hold the job.
pub(crate) fn fail(
    conn: &mut Connection,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<Timestamp>,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    if !holds(&tx, id, worker)? {
        return Ok(false);
    }
    let now = ts(&Utc::now());
    match retry_at {
        Some(at) => {
            // Back to waiting, unless an identical job is already waiting (then this one goes).
            let moved = tx.execute(
                "UPDATE OR IGNORE jobs SET status = 'waiting', run_after = ?2, last_error = ?3,
                    worker = NULL, lease_expires_at = NULL, updated_at = ?4
                 WHERE id = ?1",
                params![id, ts(&at), error, now],
            )?;
            if moved == 0 {
                tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
            }
        }
        None => {
            tx.execute(
                "UPDATE jobs SET status = 'failed', last_error = ?2, worker = NULL,
                    lease_expires_at = NULL, updated_at = ?3
                 WHERE id = ?1",
                params![id, error, now],
            )?;
        }
    }
    tx.commit()?;
    Ok(true)
}

/// Returns false (and changes nothing) when `worker` does not hold the job.
pub(crate) fn release_held(conn: &mut Connection, id: i64, worker: &str) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    if !holds(&tx, id, worker)? {
        return Ok(false);
    }
    release(&tx, id)?;
    tx.commit()?;
    Ok(true)
}

/// Back to waiting without counting the attempt, whoever held it.
fn release(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let now = ts(&Utc::now());
    let moved = conn.execute(
        "UPDATE OR IGNORE jobs SET status = 'waiting', attempts = MAX(attempts - 1, 0),
            worker = NULL, lease_expires_at = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'active'",
        params![id, now],
    )?;
    if moved == 0 {
        // An identical job is already waiting: it will do the same work.
        conn.execute("DELETE FROM jobs WHERE id = ?1 AND status = 'active'", [id])?;
    }
    Ok(())
}

/// Releases the active jobs `condition` selects (its `?1` is now).
fn requeue_where(conn: &mut Connection, condition: &str) -> rusqlite::Result<u64> {
    let tx = conn.transaction()?;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare(&format!(
            "SELECT id FROM jobs WHERE status = 'active' AND {condition}"
        ))?;
        stmt.query_map([ts(&Utc::now())], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        release(&tx, *id)?;
    }
    tx.commit()?;
    Ok(ids.len() as u64)
}

pub(crate) fn requeue_active(conn: &mut Connection) -> rusqlite::Result<u64> {
    requeue_where(conn, "?1 IS NOT NULL")
}

pub(crate) fn requeue_expired(conn: &mut Connection) -> rusqlite::Result<u64> {
    requeue_where(conn, "lease_expires_at < ?1")
}

pub(crate) fn status(conn: &Connection, queue: QueueName) -> rusqlite::Result<QueueStatus> {
    let now = ts(&Utc::now());
    let (active, failed, ready, delayed): (i64, i64, i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(status = 'active'), 0), COALESCE(SUM(status = 'failed'), 0),
                COALESCE(SUM(status = 'waiting' AND run_after <= ?2), 0),
                COALESCE(SUM(status = 'waiting' AND run_after > ?2), 0)
         FROM jobs WHERE queue = ?1",
        params![queue.as_str(), now],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let (is_paused, completed): (bool, i64) = conn
        .query_row(
            "SELECT is_paused, completed FROM queue_state WHERE queue = ?1",
            [queue.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((false, 0));
    // As in Immich (BullMQ): while a queue is paused, its waiting jobs count as paused.
    let (waiting, paused) = if is_paused { (0, ready) } else { (ready, 0) };
    Ok(QueueStatus {
        counts: QueueCounts {
            active,
            completed,
            failed,
            delayed,
            waiting,
            paused,
        },
        is_paused,
    })
}

pub(crate) fn set_paused(
    conn: &Connection,
    queue: QueueName,
    paused: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO queue_state (queue, is_paused) VALUES (?1, ?2)
         ON CONFLICT (queue) DO UPDATE SET is_paused = ?2",
        params![queue.as_str(), paused],
    )?;
    Ok(())
}

pub(crate) fn empty(conn: &Connection, queue: QueueName) -> rusqlite::Result<u64> {
    Ok(conn.execute(
        "DELETE FROM jobs WHERE queue = ?1 AND status = 'waiting'",
        [queue.as_str()],
    )? as u64)
}

pub(crate) fn clear_failed(conn: &Connection, queue: QueueName) -> rusqlite::Result<u64> {
    Ok(conn.execute(
        "DELETE FROM jobs WHERE queue = ?1 AND status = 'failed'",
        [queue.as_str()],
    )? as u64)
}

pub(crate) fn list(
    conn: &Connection,
    queue: QueueName,
    states: &[JobState],
    limit: u32,
) -> rusqlite::Result<Vec<(Job, JobState)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE queue = ?1 ORDER BY id LIMIT ?2"
    ))?;
    // Filter after the state is worked out: `delayed` and `waiting` share a status column.
    let rows = stmt.query_map(params![queue.as_str(), i64::MAX], job_at)?;
    let mut out = Vec::new();
    for row in rows {
        let (job, state) = row?;
        if states.is_empty() || states.contains(&state) {
            out.push((job, state));
            if out.len() >= limit as usize {
                break;
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl JobRepo for SqliteCatalog {
    async fn enqueue_jobs(&self, new: &[NewJob]) -> CatalogResult<u64> {
        let new = new.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let n = insert(&tx, &new)?;
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn enqueue_asset_jobs(
        &self,
        queue: QueueName,
        name: &'static str,
        selection: AssetSelection,
    ) -> CatalogResult<u64> {
        self.write(move |conn| insert_for_assets(conn, queue, name, selection))
            .await
    }

    async fn claim_batch(
        &self,
        queue: QueueName,
        worker: &str,
        n: u32,
        lease: Duration,
    ) -> CatalogResult<Vec<Job>> {
        let worker = worker.to_string();
        self.write(move |conn| claim_batch(conn, queue, &worker, n, lease))
            .await
    }

    async fn renew_job_lease(&self, id: i64, worker: &str, lease: Duration) -> CatalogResult<bool> {
        let worker = worker.to_string();
        self.write(move |conn| renew(conn, id, &worker, lease))
            .await
    }

    async fn requeue_expired_jobs(&self) -> CatalogResult<u64> {
        self.write(requeue_expired).await
    }

    async fn complete_job(&self, id: i64, worker: &str) -> CatalogResult<()> {
        let held = worker.to_string();
        let done = self.write(move |conn| complete(conn, id, &held)).await?;
        held_by(done, id, worker)
    }

    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()> {
        let (held, error) = (worker.to_string(), error.to_string());
        let done = self
            .write(move |conn| fail(conn, id, &held, &error, retry_at))
            .await?;
        held_by(done, id, worker)
    }

    async fn release_job(&self, id: i64, worker: &str) -> CatalogResult<()> {
        let held = worker.to_string();
        let done = self
            .write(move |conn| release_held(conn, id, &held))
            .await?;
        held_by(done, id, worker)
    }

    async fn requeue_active_jobs(&self) -> CatalogResult<u64> {
        self.write(requeue_active).await
    }

    fn job_wakeups(&self) -> &JobWakeups {
        self.wakeups()
    }

    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus> {
        self.read(move |conn| status(conn, queue)).await
    }

    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()> {
        self.write(move |conn| set_paused(conn, queue, paused))
            .await?;
        if !paused {
            // Workers idle on a paused queue look again.
            self.wakeups().wake(queue);
        }
        Ok(())
    }

    async fn empty_queue(&self, queue: QueueName) -> CatalogResult<u64> {
        self.write(move |conn| empty(conn, queue)).await
    }

    async fn clear_failed_jobs(&self, queue: QueueName) -> CatalogResult<u64> {
        self.write(move |conn| clear_failed(conn, queue)).await
    }

    async fn list_jobs(
        &self,
        queue: QueueName,
        states: &[JobState],
        limit: u32,
    ) -> CatalogResult<Vec<(Job, JobState)>> {
        let states = states.to_vec();
        self.read(move |conn| list(conn, queue, &states, limit))
            .await
    }
}

/// `CatalogError::Conflict` when the worker did not hold the job.
/// After a write that recorded `end` (`held`): its announcements sent (the bus is this
/// process's channel, and a crash takes every listener with it), or a `Conflict` when its job
/// was not held.
pub(crate) fn end_held(catalog: &SqliteCatalog, held: bool, end: &JobEnd) -> CatalogResult<()> {
    if let Some((id, worker)) = &end.completes {
        held_by(held, *id, worker)?;
    }
    for message in &end.announce {
        // No subscriber is not an error: nobody is listening.
        let _ = catalog.inner.bus.send(message.to_text().into());
    }
    Ok(())
}

fn held_by(done: bool, id: i64, worker: &str) -> CatalogResult<()> {
    if done {
        Ok(())
    } else {
        Err(job_not_held(id, worker))
    }
}
