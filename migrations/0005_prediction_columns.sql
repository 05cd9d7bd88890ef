-- A columnar copy of the prediction log for drift checks. PredictionLog.flush() writes one row
-- per (model_key, version) per flush, in the same transaction as the per-row `predictions`
-- inserts (which stay: feedback, client data and the UI need whole rows). A flush covers at
-- most ~200 ms of traffic (or 1,000 entries), so a batch is narrow in time.
-- Layout of `data`: src/monitoring/columns.ts.
CREATE TABLE prediction_batches (
  id INTEGER PRIMARY KEY,
  model_key TEXT NOT NULL,
  version TEXT NOT NULL,
  first_prediction_id INTEGER NOT NULL,      -- smallest predictions.id in the batch
  last_prediction_id INTEGER NOT NULL,       -- largest predictions.id in the batch
  created_from TEXT NOT NULL,                -- ISO time of the earliest entry
  created_to TEXT NOT NULL,                  -- ISO time of the latest entry
  row_count INTEGER NOT NULL,                -- rows in every column (entries whose input is an object)
  columns TEXT NOT NULL,                     -- JSON [{name, kind: "f32" | "f64" | "bool" | "json"}]
  data BLOB NOT NULL
) STRICT;
CREATE INDEX prediction_batches_window ON prediction_batches (model_key, version, created_to);
