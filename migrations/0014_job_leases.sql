-- Jobs across processes and replicas (src/jobs/lease.ts): a running job is held by the process
-- that claimed it (`claimed_by`: host:pid:random) until `lease_until` (ISO time), which that
-- process renews while it runs. A lease that runs out (its process died) puts the job back in the
-- queue until `attempts` reaches ML_JOB_MAX_ATTEMPTS, then fails it.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_lease ON jobs (status, lease_until);

-- One row per run of a schedule that must happen once across all processes (the daily drift
-- check, the dataset TTL sweep …): the process whose insert of (schedule, slot) succeeds runs it.
CREATE TABLE schedule_runs (
  schedule TEXT NOT NULL,
  slot TEXT NOT NULL,                        -- the planned time of the run, ISO
  claimed_by TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (schedule, slot)
) STRICT;
