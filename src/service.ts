/**
 * Builds the service's long-lived parts from the environment: configuration, logger,
 * database (migrated). Shared by `serve` and every CLI command that touches the store.
 */
import type { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { type Config, loadConfig } from "./config";
import { createKysely, enableWal, openSqlite } from "./db/database";
import { type MigrationResult, migrate } from "./db/migrator";
import type { DB } from "./db/schema";

/** The configuration from the process environment and, if present, `.env` in the working directory. */
export function configFromEnvironment(env: Record<string, string | undefined>, cwd: string): Config {
  const file = join(cwd, ".env");
  return loadConfig(env, existsSync(file) ? readFileSync(file, "utf8") : "");
}

export interface Store {
  sqlite: Database;
  db: Kysely<DB>;
  migration: MigrationResult;
  close(): Promise<void>;
}

/** Opens and migrates the database; throws DatabaseError or MigrationError with one clear line. */
export function openStore(config: Config): Store {
  const sqlite = openSqlite(config.ML_DB_PATH);
  let migration: MigrationResult;
  try {
    // migrate refuses a newer or altered schema before writing anything
    migration = migrate(sqlite);
    enableWal(sqlite);
  } catch (e) {
    sqlite.close();
    throw e;
  }
  const db = createKysely(sqlite);
  return {
    sqlite,
    db,
    migration,
    // Kysely's destroy closes the underlying bun:sqlite handle
    close: () => db.destroy(),
  };
}
