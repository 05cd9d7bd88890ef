-- A logged input that its batch (prediction_batches, 0005) holds exactly is stored once, there:
-- the row names its batch by the batch's first_prediction_id and its place in the batch's
-- columns, and its `input` is '' (the empty text, never valid JSON, so never a real input).
-- Rows whose input the batch cannot give back as it was (null values, keys missing or in
-- another order than the batch's columns) keep their JSON text and still name their batch.
-- src/monitoring/batched-inputs.ts reads them back. Rows logged before keep their text and
-- leave both columns NULL. `input` keeps its NOT NULL: SQLite cannot drop it without copying
-- the whole log.
ALTER TABLE predictions ADD COLUMN batch_first_id INTEGER;
ALTER TABLE predictions ADD COLUMN batch_row INTEGER;
CREATE INDEX prediction_batches_first ON prediction_batches (first_prediction_id);
