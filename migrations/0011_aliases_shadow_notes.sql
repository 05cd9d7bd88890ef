-- Named aliases per model (champion, challenger, …), shadow traffic and its logged predictions,
-- per-epoch training curves, and free-text notes and tags on versions (issue 18).

-- An alias names one version of a model; /predict takes it (`alias` or `model_key@alias`).
-- A version an alias points at is kept by retention.
CREATE TABLE model_aliases (
  model_key TEXT NOT NULL REFERENCES models (model_key) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  version TEXT NOT NULL,
  updated_by TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model_key, alias)
) STRICT;

-- At most one shadow per model: the version its alias names gets a copy of live traffic.
CREATE TABLE model_shadows (
  model_key TEXT PRIMARY KEY NOT NULL REFERENCES models (model_key) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  started_by TEXT,
  started_at TEXT NOT NULL
) STRICT;

-- A shadow's prediction for a row the serving version answered (prediction_id is the live
-- prediction's id, so feedback on it labels both). Never returned to the client.
CREATE TABLE shadow_predictions (
  id INTEGER PRIMARY KEY,
  prediction_id INTEGER NOT NULL,
  model_key TEXT NOT NULL,
  version TEXT NOT NULL,                     -- the shadow version
  live_version TEXT NOT NULL,                -- the version that answered
  prediction TEXT NOT NULL,                  -- JSON value
  confidence REAL,
  live_prediction TEXT NOT NULL,             -- JSON value, as answered
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX shadow_predictions_model_version ON shadow_predictions (model_key, version, id);
CREATE INDEX shadow_predictions_time ON shadow_predictions (created_at);

-- curves: JSON {"loss": [...], "validation_score": [...]} per epoch, written when a fit ends.
ALTER TABLE model_versions ADD COLUMN curves TEXT;
ALTER TABLE model_versions ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';  -- JSON array of strings
