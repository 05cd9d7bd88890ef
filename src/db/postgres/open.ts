/**
 * Opens the service's PostgreSQL database (ML_DATABASE_URL): connects, migrates under the
 * advisory lock, then the one Kysely handle and the hot-path stores over one Bun.SQL pool.
 * A bad URL, wrong credentials or an unreachable server is one ConfigError line naming the
 * setting, with the password left out.
 */
import { SQL } from "bun";
import { Kysely } from "kysely";
import { ConfigError } from "../../config";
import { MigrationError, type MigrationResult } from "../migrator";
import type { DB } from "../schema";
import type { OpenDatabase } from "../stores";
import { guardWithin, QUERY_TIMEOUT_MS } from "../unavailable";
import { BunPostgresDialect } from "./bun-sql-driver";
import { migratePostgres } from "./migrator";
import { postgresStores } from "./stores";

/** The URL as logs and errors may show it: the password replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}

/** Connections a replica keeps at most. */
const POOL_SIZE = 10;

/**
 * Throws ConfigError (cannot connect) or MigrationError with one clear line. `timeoutMs`
 * (ML_DATABASE_TIMEOUT_MS) bounds each connect and each statement after start-up: past it, or
 * when the server is gone, a statement fails with DatabaseUnavailable (503) instead of waiting.
 */
export async function openPostgresDatabase(url: string, timeoutMs = QUERY_TIMEOUT_MS): Promise<OpenDatabase> {
  const connectionTimeout = Math.max(1, Math.ceil(timeoutMs / 1000));
  const pool = new SQL(url, { max: POOL_SIZE, connectionTimeout, idleTimeout: 60 });
  try {
    await pool.unsafe("SELECT 1");
  } catch (e) {
    await pool.close().catch(() => {});
    const why = ((e as Error).message ?? String(e)).replaceAll(url, redactDatabaseUrl(url));
    throw new ConfigError(`ML_DATABASE_URL=${redactDatabaseUrl(url)}: cannot connect (${why})`);
  }
  let migration: MigrationResult;
  try {
    migration = await migratePostgres(pool);
  } catch (e) {
    await pool.close().catch(() => {});
    if (e instanceof MigrationError) throw e;
    throw new MigrationError(`migrations could not run: ${(e as Error).message}`);
  }
  const guard = guardWithin(timeoutMs);
  const db = new Kysely<DB>({ dialect: new BunPostgresDialect(pool, guard) });
  return { db, stores: postgresStores(pool, guard), migration, close: () => db.destroy() };
}
