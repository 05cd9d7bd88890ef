-- The retention sweep (src/monitoring/retention.ts) deletes logged predictions and their
-- columnar batches by age, a few thousand at a time: each batch must find its rows through an
-- index on the time alone (the existing ones lead with model_key). Audit events already have
-- events_time.
CREATE INDEX predictions_time ON predictions (created_at);
CREATE INDEX prediction_batches_time ON prediction_batches (created_to);
