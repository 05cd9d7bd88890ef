-- Users, sign-in sessions, named API tokens and the audit log.
-- Times are ISO-8601 UTC text ('2025-01-31T12:00:00.000Z'): they sort as they compare.

-- Soft delete: a deleted user keeps its row (events and tokens still name it) and frees
-- its username. COLLATE NOCASE: "Alice" and "alice" are the same account.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('system_admin', 'admin', 'user')),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX users_username_live ON users (username) WHERE deleted_at IS NULL;
CREATE INDEX users_role ON users (role) WHERE deleted_at IS NULL;

-- Only the SHA-256 of a session token is stored; the CSRF token is not a credential alone.
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_used_at TEXT,
  ip TEXT,
  user_agent TEXT,
  revoked_at TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_used_at TEXT,
  last_used_ip TEXT,
  revoked_at TEXT,
  deleted_at TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The audit log. No foreign keys: an event outlives the user or token it names.
-- input/output are JSON summaries with secret fields removed before they get here.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('api', 'gui', 'system')),
  actor TEXT,
  actor_user_id INTEGER,
  via TEXT,
  subject TEXT,
  ip TEXT,
  user_agent TEXT,
  method TEXT,
  route TEXT,
  path TEXT,
  status INTEGER,
  duration_ms REAL,
  request_id TEXT,
  input TEXT,
  output TEXT,
  suspicious INTEGER NOT NULL DEFAULT 0 CHECK (suspicious IN (0, 1)),
  reason TEXT
) STRICT;
CREATE INDEX events_time ON events (time);
CREATE INDEX events_type_time ON events (type, time);
CREATE INDEX events_actor_time ON events (actor, time);
CREATE INDEX events_ip_time ON events (ip, time);
CREATE INDEX events_suspicious_time ON events (time) WHERE suspicious = 1;
