-- Prediction ids come from the database, never from a process's memory: a process reserves a
-- block of ids here (committed before it hands any of them out) and the next block starts after
-- the last one reserved, so no id is issued twice, not after kill -9 nor after old rows are
-- deleted. Ids skipped by a process that died are gaps, never reused.
CREATE TABLE id_sequences (
  name TEXT PRIMARY KEY NOT NULL,            -- the table whose ids it issues
  next_id BIGINT NOT NULL                   -- the first id not yet reserved by any process
);
INSERT INTO id_sequences (name, next_id) SELECT 'predictions', COALESCE(MAX(id), 0) + 1 FROM predictions;

-- Who asked for each prediction (users.id; NULL before 0007): its results are theirs and the admins'.
ALTER TABLE predictions ADD COLUMN created_by BIGINT;
