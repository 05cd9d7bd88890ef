/** Table types for Kysely, one interface per table, named as in migrations/. */
import type { Generated } from "kysely";

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

export interface DB {
  service_info: ServiceInfoTable;
  schema_migrations: MigrationsTable;
}
