-- Facts about this installation: when it was created, an instance id for logs and metrics.
CREATE TABLE service_info (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

INSERT INTO service_info (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
INSERT INTO service_info (key, value) VALUES ('instance_id', lower(hex(randomblob(8))));
