//! The job queue, shared by any number of worker processes. A claim takes the oldest runnable
//! job with `FOR UPDATE SKIP LOCKED`, so workers never wait for each other nor take the same
//! job; a job that becomes waiting NOTIFYs its queue (the `jobs_notify` trigger) so idle workers
//! wake at once (`job_wakeups`). A claim holds its job for a lease its worker renews; a job
//! whose lease ran out is put back for another (`requeue_expired_jobs`).

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::JobRepo;
use ferrotype_core::catalog::{CatalogError, CatalogResult, job_not_held};
use ferrotype_core::jobs::{
    AssetSelection, Job, JobEnd, JobState, JobWakeups, NewJob, QueueCounts, QueueName, QueueStatus,
    names,
};
use ferrotype_core::model::Timestamp;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::{PgCatalog, is_unique_violation, map_error, ms, now};

const INSERT: &str = "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key,
        max_attempts, run_after, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT DO NOTHING";

/// A delayed job enqueued again while one waits restarts that one's wait (Immich removes the
/// waiting job and adds the new one).
const INSERT_AGAIN: &str = "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key,
        max_attempts, run_after, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (dedupe_key) WHERE status = 'waiting'
     DO UPDATE SET payload = excluded.payload, run_after = excluded.run_after,
        updated_at = excluded.updated_at";

/// Enqueues `jobs` on the caller's connection or transaction; returns how many were added.
pub(crate) async fn insert(
    client: &impl deadpool_postgres::GenericClient,
    jobs: &[NewJob],
) -> Result<u64, tokio_postgres::Error> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let now = now();
    let insert = client.prepare_cached(INSERT).await?;
    let again = client.prepare_cached(INSERT_AGAIN).await?;
    let mut added = 0;
    for job in jobs {
        let run_after = job
            .delay
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map_or(now, |d| now + d);
        let max_attempts = job.max_attempts as i32;
        let params: [&(dyn ToSql + Sync); 8] = [
            &job.queue.as_str(),
            &job.name,
            &job.asset_id,
            &job.payload,
            &job.dedupe_key,
            &max_attempts,
            &run_after,
            &now,
        ];
        let statement = if job.delay.is_some() { &again } else { &insert };
        added += client.execute(statement, &params).await?;
    }
    Ok(added)
}

/// Completes the job in the caller's transaction; a `Conflict` when `worker` does not hold it.
async fn complete_in(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
    worker: &str,
) -> CatalogResult<()> {
    let queue: String = client
        .query_opt(
            "DELETE FROM jobs WHERE id = $1 AND status = 'active' AND worker = $2
             RETURNING queue",
            &[&id, &worker],
        )
        .await
        .map_err(map_error)?
        .map(|r| r.get(0))
        .ok_or_else(|| job_not_held(id, worker))?;
    client
        .execute(
            "INSERT INTO queue_state (queue, completed) VALUES ($1, 1)
             ON CONFLICT (queue) DO UPDATE SET completed = queue_state.completed + 1",
            &[&queue],
        )
        .await
        .map_err(map_error)?;
    Ok(())
}

/// Records a job's end in the caller's transaction (see `JobEnd`); a `Conflict`, with nothing
/// enqueued, when its worker no longer holds it: the caller's transaction is dropped unused.
pub(crate) async fn end_in(
    client: &impl deadpool_postgres::GenericClient,
    end: &JobEnd,
) -> CatalogResult<()> {
    if let Some((id, worker)) = &end.completes {
        complete_in(client, *id, worker).await?;
    }
    insert(client, &end.next).await.map_err(map_error)?;
    for message in &end.announce {
        crate::bus::publish_in(client, &message.to_text()).await?;
    }
    Ok(())
}

const JOB_COLUMNS: &str = "id, queue, name, asset_id, payload, attempts, max_attempts, \
    last_error, created_at, status, run_after, worker";

fn job_at(r: &Row) -> CatalogResult<(Job, JobState)> {
    let queue: String = r.get(1);
    let status: String = r.get(9);
    let run_after: Timestamp = r.get(10);
    let state = match status.as_str() {
        "active" => JobState::Active,
        "failed" => JobState::Failed,
        _ if run_after > Utc::now() => JobState::Delayed,
        _ => JobState::Waiting,
    };
    let job = Job {
        id: r.get(0),
        queue: QueueName::parse(&queue)
            .ok_or_else(|| CatalogError::Backend(format!("unknown queue {queue}")))?,
        name: r.get(2),
        asset_id: r.get(3),
        payload: r.get(4),
        attempts: r.get::<_, i32>(5) as u32,
        max_attempts: r.get::<_, i32>(6) as u32,
        last_error: r.get(7),
        created_at: r.get(8),
        holder: if state == JobState::Active {
            r.get(11)
        } else {
            None
        },
    };
    Ok((job, state))
}

#[async_trait]
impl JobRepo for PgCatalog {
    /// Returns how many were added (a job whose dedupe key already waits is skipped).
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> CatalogResult<u64> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let n = insert(&tx, jobs).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(n)
    }

    /// Enqueues one job per selected asset (deduplicated as usual).
    async fn enqueue_asset_jobs(
        &self,
        queue: QueueName,
        name: &'static str,
        selection: AssetSelection,
    ) -> CatalogResult<u64> {
        let missing = match selection {
            AssetSelection::All => None,
            AssetSelection::MissingMetadata => Some(names::EXTRACT_METADATA),
            AssetSelection::MissingThumbnails => Some(names::GENERATE_THUMBNAILS),
        };
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO jobs (queue, name, asset_id, payload, dedupe_key, max_attempts,
                run_after, created_at, updated_at)
             SELECT $1, $2, a.id, '{}', $2 || ':' || a.id::text, 3, $3, $3, $3
             FROM assets a
             WHERE a.deleted_at IS NULL
               AND ($4::text IS NULL OR NOT EXISTS (
                    SELECT 1 FROM asset_job_status s WHERE s.asset_id = a.id AND s.job = $4))
             ORDER BY a.created_at
             ON CONFLICT DO NOTHING",
            &[&queue.as_str(), &name, &now(), &missing],
        )
        .await
        .map_err(map_error)
    }

    /// Jobs other workers hold locked are skipped, not waited for.
    async fn claim_batch(
        &self,
        queue: QueueName,
        worker: &str,
        n: u32,
        lease: Duration,
    ) -> CatalogResult<Vec<Job>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let now = now();
        let until = lease_end(now, lease);
        let conn = self.conn().await?;
        // `ARRAY(...)`: the picking runs once, before the update (an InitPlan).
        let rows = conn
            .query(
                &format!(
                    "UPDATE jobs SET status = 'active', attempts = attempts + 1, worker = $3,
                        lease_expires_at = $4, updated_at = $2
                     WHERE id = ANY(ARRAY(
                        SELECT id FROM jobs
                        WHERE queue = $1 AND status = 'waiting' AND run_after <= $2
                          AND NOT EXISTS (SELECT 1 FROM queue_state q
                                          WHERE q.queue = $1 AND q.is_paused)
                        ORDER BY run_after, id LIMIT $5
                        FOR UPDATE SKIP LOCKED))
                     RETURNING {JOB_COLUMNS}"
                ),
                &[&queue.as_str(), &now, &worker, &until, &(n as i64)],
            )
            .await
            .map_err(map_error)?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            let run_after: Timestamp = row.get(10);
            jobs.push((run_after, job_at(row)?.0));
        }
        // RETURNING has no order: oldest first, as picked.
        jobs.sort_by_key(|(run_after, job)| (*run_after, job.id));
        Ok(jobs.into_iter().map(|(_, job)| job).collect())
    }

    async fn renew_job_lease(&self, id: i64, worker: &str, lease: Duration) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "UPDATE jobs SET lease_expires_at = $3
                 WHERE id = $1 AND status = 'active' AND worker = $2",
                &[&id, &worker, &lease_end(now(), lease)],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }

    async fn requeue_expired_jobs(&self) -> CatalogResult<u64> {
        self.requeue_where("status = 'active' AND lease_expires_at < $1", &[&now()])
            .await
    }

    async fn complete_job(&self, id: i64, worker: &str) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        complete_in(&tx, id, worker).await?;
        tx.commit().await.map_err(map_error)
    }

    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()> {
        let conn = self.conn().await?;
        let changed = match retry_at {
            Some(at) => {
                let moved = conn
                    .execute(
                        "UPDATE jobs SET status = 'waiting', run_after = $3, last_error = $4,
                            worker = NULL, lease_expires_at = NULL, updated_at = $5
                         WHERE id = $1 AND status = 'active' AND worker = $2",
                        &[&id, &worker, &ms(&at), &error, &now()],
                    )
                    .await;
                // An identical job is already waiting: it will do the same work.
                match moved {
                    Err(e) if is_unique_violation(&e) => conn
                        .execute(
                            "DELETE FROM jobs WHERE id = $1 AND status = 'active' AND worker = $2",
                            &[&id, &worker],
                        )
                        .await
                        .map_err(map_error)?,
                    other => other.map_err(map_error)?,
                }
            }
            None => conn
                .execute(
                    "UPDATE jobs SET status = 'failed', last_error = $3, worker = NULL,
                        lease_expires_at = NULL, updated_at = $4
                     WHERE id = $1 AND status = 'active' AND worker = $2",
                    &[&id, &worker, &error, &now()],
                )
                .await
                .map_err(map_error)?,
        };
        if changed == 0 {
            return Err(job_not_held(id, worker));
        }
        Ok(())
    }

    async fn release_job(&self, id: i64, worker: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        if release(&conn, id, Some(worker)).await.map_err(map_error)? {
            Ok(())
        } else {
            Err(job_not_held(id, worker))
        }
    }

    async fn requeue_active_jobs(&self) -> CatalogResult<u64> {
        self.requeue_where("status = 'active'", &[]).await
    }

    fn job_wakeups(&self) -> &JobWakeups {
        self.wakeups()
    }

    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT count(*) FILTER (WHERE status = 'active'),
                        count(*) FILTER (WHERE status = 'failed'),
                        count(*) FILTER (WHERE status = 'waiting' AND run_after <= $2),
                        count(*) FILTER (WHERE status = 'waiting' AND run_after > $2),
                        COALESCE((SELECT is_paused FROM queue_state WHERE queue = $1), false),
                        COALESCE((SELECT completed FROM queue_state WHERE queue = $1), 0)
                 FROM jobs WHERE queue = $1",
                &[&queue.as_str(), &Utc::now()],
            )
            .await
            .map_err(map_error)?;
        let (active, failed, ready, delayed): (i64, i64, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let is_paused: bool = row.get(4);
        // As in Immich (BullMQ): while a queue is paused, its waiting jobs count as paused.
        let (waiting, paused) = if is_paused { (0, ready) } else { (ready, 0) };
        Ok(QueueStatus {
            counts: QueueCounts {
                active,
                completed: row.get(5),
                failed,
                delayed,
                waiting,
                paused,
            },
            is_paused,
        })
    }

    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute(
            "INSERT INTO queue_state (queue, is_paused) VALUES ($1, $2)
             ON CONFLICT (queue) DO UPDATE SET is_paused = $2",
            &[&queue.as_str(), &paused],
        )
        .await
        .map_err(map_error)?;
        if !paused {
            // Workers idle on a paused queue look again.
            tx.execute("SELECT pg_notify('ferrotype_jobs', $1)", &[&queue.as_str()])
                .await
                .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)
    }

    /// Removes waiting and delayed jobs; returns how many.
    async fn empty_queue(&self, queue: QueueName) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM jobs WHERE queue = $1 AND status = 'waiting'",
            &[&queue.as_str()],
        )
        .await
        .map_err(map_error)
    }

    /// Removes failed jobs; returns how many.
    async fn clear_failed_jobs(&self, queue: QueueName) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM jobs WHERE queue = $1 AND status = 'failed'",
            &[&queue.as_str()],
        )
        .await
        .map_err(map_error)
    }

    async fn list_jobs(
        &self,
        queue: QueueName,
        states: &[JobState],
        limit: u32,
    ) -> CatalogResult<Vec<(Job, JobState)>> {
        // The states as stored: `delayed` and `waiting` share a status, told apart by run_after.
        let mut statuses: Vec<&str> = Vec::new();
        for state in states {
            statuses.push(match state {
                JobState::Waiting | JobState::Delayed => "waiting",
                JobState::Active => "active",
                JobState::Failed => "failed",
            });
        }
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE queue = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2))
                     ORDER BY id"
                ),
                &[&queue.as_str(), &statuses],
            )
            .await
            .map_err(map_error)?;
        let mut out = Vec::new();
        for row in &rows {
            let (job, state) = job_at(row)?;
            if states.is_empty() || states.contains(&state) {
                out.push((job, state));
                if out.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
}

impl PgCatalog {
    async fn requeue_where(
        &self,
        condition: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        let ids: Vec<i64> = conn
            .query(&format!("SELECT id FROM jobs WHERE {condition}"), params)
            .await
            .map_err(map_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // One statement each (not one transaction): a job whose twin already waits is deleted
        // instead, which is a unique violation to recover from, not to abort on.
        for id in &ids {
            release(&conn, *id, None).await.map_err(map_error)?;
        }
        Ok(ids.len() as u64)
    }
}

/// Back to waiting without counting the attempt; deleted instead when an identical job
/// already waits (it will do the same work). Only when `worker` holds it, if given; returns
/// whether it was active (and held).
async fn release(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
    worker: Option<&str>,
) -> Result<bool, tokio_postgres::Error> {
    let moved = client
        .execute(
            "UPDATE jobs SET status = 'waiting', attempts = GREATEST(attempts - 1, 0),
                worker = NULL, lease_expires_at = NULL, updated_at = $2
             WHERE id = $1 AND status = 'active' AND ($3::text IS NULL OR worker = $3)",
            &[&id, &now(), &worker],
        )
        .await;
    match moved {
        Err(e) if is_unique_violation(&e) => Ok(client
            .execute(
                "DELETE FROM jobs
                 WHERE id = $1 AND status = 'active' AND ($2::text IS NULL OR worker = $2)",
                &[&id, &worker],
            )
            .await?
            > 0),
        other => other.map(|n| n > 0),
    }
}

/// When a lease taken or renewed `now` ends.
fn lease_end(now: Timestamp, lease: Duration) -> Timestamp {
    ms(&(now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(1))))
}
