-- Datasets may be stored as NDJSON or Parquet as well as CSV and JSON rows.
ALTER TABLE datasets
  DROP CONSTRAINT IF EXISTS datasets_format_check,
  ADD CONSTRAINT datasets_format_check CHECK (format IN ('csv', 'json', 'ndjson', 'parquet'));
