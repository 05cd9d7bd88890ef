-- Alerts that reach people: webhooks (admins' and those of ML_ALERT_WEBHOOK_URLS) and a log
-- of every delivery attempt; two more alert types (high_error_rate, queue_backup), which the
-- CHECK of 0004 refuses, so the alerts table is rebuilt with the same columns and indexes.
CREATE TABLE alerts_v2 (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('drift_detected', 'model_degradation', 'training_failed',
                                     'high_error_rate', 'queue_backup')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  model_key TEXT,
  version TEXT,
  message TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',        -- JSON
  created_at TEXT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at TEXT,
  dismissed_by TEXT,
  dismissed_at TEXT
) STRICT;
INSERT INTO alerts_v2 SELECT id, type, severity, model_key, version, message, details, created_at,
  acknowledged_by, acknowledged_at, dismissed_by, dismissed_at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v2 RENAME TO alerts;
CREATE INDEX alerts_open ON alerts (dismissed_at, created_at);
CREATE INDEX alerts_model ON alerts (model_key, created_at);
CREATE INDEX alerts_type_open ON alerts (type, dismissed_at);

CREATE TABLE alert_webhooks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('json', 'slack')),
  secret TEXT,                               -- HMAC key; NULL for env webhooks (ML_ALERT_WEBHOOK_SECRET)
  source TEXT NOT NULL CHECK (source IN ('api', 'env')),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  deleted_at TEXT                            -- kept so that its delivery log stays readable
) STRICT;
CREATE INDEX alert_webhooks_live ON alert_webhooks (deleted_at);

CREATE TABLE alert_webhook_deliveries (
  id INTEGER PRIMARY KEY,
  webhook_id INTEGER NOT NULL REFERENCES alert_webhooks (id),
  alert_id INTEGER,                          -- NULL for a "send test" delivery
  event TEXT NOT NULL CHECK (event IN ('alert', 'test')),
  attempt INTEGER NOT NULL,                  -- 1, 2, … up to ML_ALERT_WEBHOOK_MAX_ATTEMPTS
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
  status_code INTEGER,                       -- NULL when no answer came (timeout, refused)
  error TEXT,
  duration_ms REAL NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX alert_webhook_deliveries_hook ON alert_webhook_deliveries (webhook_id, id);
