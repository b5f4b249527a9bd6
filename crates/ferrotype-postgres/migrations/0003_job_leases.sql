-- A claim holds its job for a lease that its worker renews while the job runs; a job whose
-- lease ran out (its worker died) is put back for another worker. The column held the last
-- heartbeat; it now holds when the lease ends, as the holder chose it.
ALTER TABLE jobs RENAME COLUMN heartbeat_at TO lease_expires_at;
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'active';
