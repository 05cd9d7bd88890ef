-- Monitoring: daily drift checks, alerts, retrainings, rollbacks and labelled feedback.
-- Times are ISO-8601 UTC text; JSON columns hold what the API returns.

-- One row per model per day (check_date in ML_DRIFT_TIMEZONE); a re-check the same day
-- replaces it. drifted is NULL when the check could not decide (status 'undecided').
CREATE TABLE drift_checks (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  check_date TEXT NOT NULL,                  -- YYYY-MM-DD
  version TEXT,                              -- the active version checked; NULL: none was ready
  status TEXT NOT NULL CHECK (status IN ('decided', 'undecided')),
  drifted INTEGER CHECK (drifted IN (0, 1)),
  reason TEXT NOT NULL,
  rows INTEGER NOT NULL,
  share_drifted REAL NOT NULL DEFAULT 0,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  report TEXT NOT NULL,                      -- JSON DriftReport with per-feature statistics
  created_at TEXT NOT NULL,
  UNIQUE (model_key, check_date)
) STRICT;
CREATE INDEX drift_checks_date ON drift_checks (check_date);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('drift_detected', 'model_degradation', 'training_failed')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  model_key TEXT,
  version TEXT,
  message TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',        -- JSON
  created_at TEXT NOT NULL,
  acknowledged_by TEXT,                      -- username; non-critical alerts only (via /ws)
  acknowledged_at TEXT,
  dismissed_by TEXT,
  dismissed_at TEXT
) STRICT;
CREATE INDEX alerts_open ON alerts (dismissed_at, created_at);
CREATE INDEX alerts_model ON alerts (model_key, created_at);

CREATE TABLE retrainings (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  source_version TEXT NOT NULL,
  new_version TEXT,
  job_id TEXT,
  trigger TEXT NOT NULL CHECK (trigger IN ('drift', 'manual')),
  old_metrics TEXT,                          -- JSON, on the shared held-out rows
  new_metrics TEXT,                          -- JSON, on the same rows
  delta REAL,                                -- the score change the decision used
  status TEXT NOT NULL CHECK (status IN ('activated', 'rejected', 'failed')),
  reason TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',        -- JSON: row counts, per-part scores
  reverted_at TEXT,                          -- a rollback moved away from new_version
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX retrainings_model ON retrainings (model_key, created_at);

CREATE TABLE rollbacks (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  from_version TEXT,
  to_version TEXT NOT NULL,
  by TEXT NOT NULL,                          -- username, or 'system'
  at TEXT NOT NULL
) STRICT;
CREATE INDEX rollbacks_model ON rollbacks (model_key, at);

-- Ground truth from clients: a label for a logged prediction (prediction_id), or a labelled
-- row of features (input) for the model.
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  prediction_id INTEGER,
  model_key TEXT NOT NULL,
  version TEXT,
  input TEXT,                                -- JSON features; NULL: those of the prediction
  label TEXT NOT NULL,                       -- JSON value
  created_at TEXT NOT NULL,
  created_by TEXT
) STRICT;
CREATE INDEX feedback_model ON feedback (model_key, id);
CREATE INDEX feedback_prediction ON feedback (prediction_id);

-- The drift window is read per model and version in time order (keyset pages).
CREATE INDEX predictions_model_version_time ON predictions (model_key, version, created_at);
