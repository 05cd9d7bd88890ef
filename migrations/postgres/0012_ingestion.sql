-- Ingestion (seed 003): rows that arrived through POST /ingest/batch and /ingest/stream, counted
-- per model per UTC day for GET /stats. The rows themselves are in `predictions` (logged for
-- drift) and, when labelled, in `feedback` (client data for retraining).
CREATE TABLE ingest_counts (
  model_key TEXT NOT NULL,
  day TEXT NOT NULL,                         -- YYYY-MM-DD, UTC
  accepted BIGINT NOT NULL DEFAULT 0,       -- rows predicted and logged
  labelled BIGINT NOT NULL DEFAULT 0,       -- of which carried a label (kept as feedback)
  rejected BIGINT NOT NULL DEFAULT 0,       -- rows refused (bad fields, bad label, bad JSON line)
  last_arrival_at TEXT NOT NULL,             -- ISO time of the latest row, accepted or not
  PRIMARY KEY (model_key, day)
);
