-- Datasets, models and their versions, the job queue, and the prediction log.

CREATE TABLE datasets (
  id TEXT PRIMARY KEY NOT NULL,              -- ds_<random>; also the stored file's name
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('csv', 'json')),
  original_filename TEXT,
  columns TEXT NOT NULL,                     -- JSON array of column names
  row_count INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  UNIQUE (name, version)
) STRICT;

CREATE TABLE models (
  model_key TEXT PRIMARY KEY NOT NULL,
  task_type TEXT NOT NULL CHECK (task_type IN ('classification', 'regression')),
  target_field TEXT NOT NULL,
  active_version TEXT,
  settings TEXT NOT NULL DEFAULT '{}',       -- JSON: drift thresholds, auto_retrain
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE model_versions (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL REFERENCES models (model_key) ON DELETE CASCADE,
  version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('training', 'ready', 'failed', 'archived')),
  job_id TEXT,
  dataset_id TEXT,
  feature_fields TEXT NOT NULL,              -- JSON array
  hyperparameters TEXT NOT NULL,             -- JSON
  metrics TEXT,                              -- JSON
  backend TEXT,
  train_rows INTEGER,
  training_time_s REAL,
  artifact_file TEXT,                        -- relative to ML_ARTIFACTS_ROOT
  artifact_sha256 TEXT,
  error TEXT,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  completed_at TEXT,
  UNIQUE (model_key, version)
) STRICT;

CREATE TABLE jobs (
  id TEXT PRIMARY KEY NOT NULL,              -- job_<random>
  type TEXT NOT NULL CHECK (type IN ('train', 'predict', 'drift', 'retrain')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  model_key TEXT,
  version TEXT,
  params TEXT NOT NULL,                      -- JSON
  result TEXT,                               -- JSON
  error TEXT,
  stage TEXT,
  progress REAL NOT NULL DEFAULT 0,          -- 0..1
  progress_detail TEXT,                      -- JSON: epoch, loss, validation score
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE INDEX jobs_model ON jobs (model_key, created_at);

CREATE TABLE predictions (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  input TEXT NOT NULL,                       -- JSON row as the model saw it
  prediction TEXT NOT NULL,                  -- JSON value
  confidence REAL,
  latency_ms REAL,
  job_id TEXT
) STRICT;
CREATE INDEX predictions_model_time ON predictions (model_key, created_at);
