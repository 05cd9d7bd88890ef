-- Facts about this installation: when it was created, an instance id for logs and metrics.
CREATE TABLE service_info (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
);

INSERT INTO service_info (key, value) VALUES ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
INSERT INTO service_info (key, value) VALUES ('instance_id', substr(md5(random()::text || clock_timestamp()::text), 1, 16));
