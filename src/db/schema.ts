/** Table types for Kysely, one interface per table, named as in migrations/. */
import type { Generated } from "kysely";
import type { AliasTables } from "./tables/aliases";
import type { ModelTables } from "./tables/models";
import type { MonitoringTables } from "./tables/monitoring";
import type { PredictionColumnTables } from "./tables/prediction-columns";
import type { ScheduleTables } from "./tables/schedules";
import type { WebhookTables } from "./tables/webhooks";

export interface ServiceInfoTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

export interface MigrationsTable {
  name: string;
  checksum: string;
  applied_at: string;
}

export type Role = "system_admin" | "admin" | "user";

/** 0/1 integers: SQLite STRICT tables have no boolean type. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: Role;
  is_active: Generated<number>;
  must_change_password: Generated<number>;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  deleted_at: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  ip: string | null;
  user_agent: string | null;
  revoked_at: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
  deleted_at: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  time: string;
  type: string;
  source: "api" | "gui" | "system";
  actor: string | null;
  actor_user_id: number | null;
  via: string | null;
  subject: string | null;
  ip: string | null;
  user_agent: string | null;
  method: string | null;
  route: string | null;
  path: string | null;
  status: number | null;
  duration_ms: number | null;
  request_id: string | null;
  input: string | null;
  output: string | null;
  suspicious: Generated<number>;
  reason: string | null;
}

export interface DB
  extends ModelTables,
    MonitoringTables,
    PredictionColumnTables,
    AliasTables,
    WebhookTables,
    ScheduleTables {
  service_info: ServiceInfoTable;
  schema_migrations: MigrationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  events: EventsTable;
}
