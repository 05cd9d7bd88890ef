/**
 * The one place that picks the database implementation for the configuration. Today that is
 * the SQLite file at ML_DB_PATH; a PostgreSQL URL will map to a postgres/ folder here.
 */
import type { Config } from "../config";
import { openSqliteDatabase } from "./sqlite/open";
import type { OpenDatabase } from "./stores";

/** Opens and migrates the database; throws DatabaseError or MigrationError with one clear line. */
export function openDatabase(config: Pick<Config, "ML_DB_PATH">): OpenDatabase {
  return openSqliteDatabase(config.ML_DB_PATH);
}
