-- Datasets may be stored as NDJSON or Parquet as well as CSV and JSON rows. SQLite cannot change
-- a CHECK in place: the table is rebuilt with the same columns, keys and constraints, its rows
-- copied as they are. No other table has a foreign key to datasets.

CREATE TABLE datasets_0015 (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('csv', 'json', 'ndjson', 'parquet')),
  original_filename TEXT,
  columns TEXT NOT NULL,
  row_count INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  profile TEXT,
  UNIQUE (name, version)
) STRICT;

INSERT INTO datasets_0015 (id, name, version, format, original_filename, columns, row_count, size_bytes, sha256,
  created_by, created_at, last_used_at, profile)
SELECT id, name, version, format, original_filename, columns, row_count, size_bytes, sha256,
  created_by, created_at, last_used_at, profile
FROM datasets;

DROP TABLE datasets;
ALTER TABLE datasets_0015 RENAME TO datasets;
