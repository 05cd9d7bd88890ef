-- Every drift check is kept (issue #15). drift_checks stays the daily summary, one row per
-- model per day; a later check that day replaces it only if it is at least as grave (drift >
-- decided no drift > undecided), so a decided drift is never lost to a later undecided check.

CREATE TABLE drift_check_runs (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  version TEXT,                              -- the active version judged; NULL: none was ready
  check_date TEXT NOT NULL,                  -- YYYY-MM-DD in ML_DRIFT_TIMEZONE
  status TEXT NOT NULL CHECK (status IN ('decided', 'undecided')),
  drifted INTEGER CHECK (drifted IN (0, 1)),
  reason TEXT NOT NULL,
  rows INTEGER NOT NULL,
  share_drifted REAL NOT NULL DEFAULT 0,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  report TEXT NOT NULL,                      -- JSON DriftReport, or null when nothing was compared
  alert_id INTEGER,
  retrain_job_id TEXT,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX drift_check_runs_model ON drift_check_runs (model_key, created_at);
CREATE INDEX drift_check_runs_date ON drift_check_runs (check_date);

-- the checks before this migration, one per day, become the first of the history
INSERT INTO drift_check_runs (id, model_key, version, check_date, status, drifted, reason, rows, share_drifted,
                              window_start, window_end, report, created_at)
SELECT id, model_key, version, check_date, status, drifted, reason, rows, share_drifted,
       window_start, window_end, report, created_at
FROM drift_checks;

ALTER TABLE drift_checks ADD COLUMN run_id INTEGER;              -- the check the summary shows
ALTER TABLE drift_checks ADD COLUMN checks INTEGER NOT NULL DEFAULT 1;  -- checks run that day
UPDATE drift_checks SET run_id = id;
