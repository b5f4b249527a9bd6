//! The job queue's SQL for SQLite. Each function runs inside the caller's connection (and, where
//! it matters, transaction); the `Catalog` impl wraps them.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, JobRepo};
use ferrotype_core::jobs::{
    AssetSelection, Job, JobState, NewJob, QueueCounts, QueueName, QueueStatus,
};
use ferrotype_core::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

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
    let filter = match selection {
        AssetSelection::All => "1",
        AssetSelection::MissingMetadata => "s.metadata_extracted_at IS NULL",
        AssetSelection::MissingThumbnails => "s.thumbnails_generated_at IS NULL",
    };
    let now = ts(&Utc::now());
    let n = conn.execute(
        &format!(
            "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key, max_attempts, run_after,
                created_at, updated_at)
             SELECT ?1, ?2, a.id, '{{}}', ?2 || ':' || a.id, 3, ?3, ?3, ?3
             FROM assets a LEFT JOIN asset_job_status s ON s.asset_id = a.id
             WHERE a.deleted_at IS NULL AND {filter}
             ORDER BY a.created_at
             ON CONFLICT DO NOTHING"
        ),
        params![queue.as_str(), name, now],
    )?;
    Ok(n as u64)
}

const JOB_COLUMNS: &str = "id, queue, name, asset_id, payload, attempts, max_attempts, last_error, created_at, status, run_after";

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

pub(crate) fn claim(
    conn: &Connection,
    queue: QueueName,
    worker: &str,
) -> rusqlite::Result<Option<Job>> {
    if is_paused(conn, queue)? {
        return Ok(None);
    }
    let now = ts(&Utc::now());
    // On PostgreSQL the inner SELECT carries `FOR UPDATE SKIP LOCKED`; SQLite has one writer.
    conn.query_row(
        &format!(
            "UPDATE jobs SET status = 'active', attempts = attempts + 1, worker = ?3,
                heartbeat_at = ?2, updated_at = ?2
             WHERE id = (SELECT id FROM jobs
                         WHERE queue = ?1 AND status = 'waiting' AND run_after <= ?2
                         ORDER BY run_after, id LIMIT 1)
             RETURNING {JOB_COLUMNS}"
        ),
        params![queue.as_str(), now, worker],
        |r| job_at(r).map(|(job, _)| job),
    )
    .optional()
}

pub(crate) fn complete(conn: &mut Connection, id: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let queue: Option<String> = tx
        .query_row(
            "DELETE FROM jobs WHERE id = ?1 RETURNING queue",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(queue) = queue {
        tx.execute(
            "INSERT INTO queue_state (queue, completed) VALUES (?1, 1)
             ON CONFLICT (queue) DO UPDATE SET completed = completed + 1",
            [queue],
        )?;
    }
    tx.commit()
}

pub(crate) fn fail(
    conn: &Connection,
    id: i64,
    error: &str,
    retry_at: Option<Timestamp>,
) -> rusqlite::Result<()> {
    let now = ts(&Utc::now());
    match retry_at {
        Some(at) => {
            // Back to waiting, unless an identical job is already waiting (then this one goes).
            let moved = conn.execute(
                "UPDATE OR IGNORE jobs SET status = 'waiting', run_after = ?2, last_error = ?3,
                    worker = NULL, updated_at = ?4
                 WHERE id = ?1",
                params![id, ts(&at), error, now],
            )?;
            if moved == 0 {
                conn.execute("DELETE FROM jobs WHERE id = ?1 AND status = 'active'", [id])?;
            }
        }
        None => {
            conn.execute(
                "UPDATE jobs SET status = 'failed', last_error = ?2, worker = NULL, updated_at = ?3
                 WHERE id = ?1",
                params![id, error, now],
            )?;
        }
    }
    Ok(())
}

pub(crate) fn release(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let now = ts(&Utc::now());
    let moved = conn.execute(
        "UPDATE OR IGNORE jobs SET status = 'waiting', attempts = MAX(attempts - 1, 0),
            worker = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'active'",
        params![id, now],
    )?;
    if moved == 0 {
        // An identical job is already waiting: it will do the same work.
        conn.execute("DELETE FROM jobs WHERE id = ?1 AND status = 'active'", [id])?;
    }
    Ok(())
}

pub(crate) fn requeue_active(conn: &mut Connection) -> rusqlite::Result<u64> {
    let tx = conn.transaction()?;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM jobs WHERE status = 'active'")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        release(&tx, *id)?;
    }
    tx.commit()?;
    Ok(ids.len() as u64)
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

    async fn claim_job(&self, queue: QueueName, worker: &str) -> CatalogResult<Option<Job>> {
        let worker = worker.to_string();
        self.write(move |conn| claim(conn, queue, &worker)).await
    }

    async fn complete_job(&self, id: i64) -> CatalogResult<()> {
        self.write(move |conn| complete(conn, id)).await
    }

    async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()> {
        let error = error.to_string();
        self.write(move |conn| fail(conn, id, &error, retry_at))
            .await
    }

    async fn release_job(&self, id: i64) -> CatalogResult<()> {
        self.write(move |conn| release(conn, id)).await
    }

    async fn requeue_active_jobs(&self) -> CatalogResult<u64> {
        self.write(requeue_active).await
    }

    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus> {
        self.read(move |conn| status(conn, queue)).await
    }

    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()> {
        self.write(move |conn| set_paused(conn, queue, paused))
            .await
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
