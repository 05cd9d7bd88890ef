/**
 * The one place that picks the database implementation for the configuration: ML_DATABASE_URL
 * `postgres://…` opens PostgreSQL (postgres/), `sqlite:PATH` or nothing the SQLite file
 * (sqlite/, at ML_DB_PATH when the URL is empty).
 */
import type { Config } from "../config";
import { openPostgresDatabase } from "./postgres/open";
import { openSqliteDatabase } from "./sqlite/open";
import type { OpenDatabase } from "./stores";

/** Which database a configuration names. */
export function databaseTarget(
  config: Pick<Config, "ML_DB_PATH" | "ML_DATABASE_URL">,
): { kind: "sqlite"; path: string } | { kind: "postgres"; url: string } {
  const url = config.ML_DATABASE_URL;
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  if (url.startsWith("sqlite:")) return { kind: "sqlite", path: url.slice("sqlite:".length) };
  return { kind: "sqlite", path: config.ML_DB_PATH };
}

/**
 * Opens and migrates the database; throws ConfigError, DatabaseError or MigrationError with one
 * clear line. ML_DATABASE_TIMEOUT_MS bounds PostgreSQL statements (default QUERY_TIMEOUT_MS).
 */
export async function openDatabase(
  config: Pick<Config, "ML_DB_PATH" | "ML_DATABASE_URL"> & Partial<Pick<Config, "ML_DATABASE_TIMEOUT_MS">>,
): Promise<OpenDatabase> {
  const target = databaseTarget(config);
  return target.kind === "postgres"
    ? openPostgresDatabase(target.url, config.ML_DATABASE_TIMEOUT_MS)
    : openSqliteDatabase(target.path);
}
