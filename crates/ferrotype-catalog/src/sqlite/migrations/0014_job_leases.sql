-- Many workers (issue #12): a claim holds its job for a lease that its worker renews while the
-- job runs; a job whose lease ran out (its worker died) is put back for another. The column
-- held the last heartbeat; it now holds when the lease ends, as the holder chose it.
ALTER TABLE jobs RENAME COLUMN heartbeat_at TO lease_expires_at;
CREATE INDEX jobs_leases ON jobs(lease_expires_at) WHERE status = 'active';

-- Per-asset job status as rows (one per asset and job name, as on PostgreSQL), not one column
-- per job: a new kind of job needs no migration.
CREATE TABLE asset_job_status_rows (
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    job TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, job)
) WITHOUT ROWID;
INSERT INTO asset_job_status_rows (asset_id, job, done_at)
    SELECT asset_id, 'AssetExtractMetadata', metadata_extracted_at FROM asset_job_status
    WHERE metadata_extracted_at IS NOT NULL;
INSERT INTO asset_job_status_rows (asset_id, job, done_at)
    SELECT asset_id, 'AssetGenerateThumbnails', thumbnails_generated_at FROM asset_job_status
    WHERE thumbnails_generated_at IS NOT NULL;
DROP TABLE asset_job_status;
ALTER TABLE asset_job_status_rows RENAME TO asset_job_status;
