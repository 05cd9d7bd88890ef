/**
 * Opens the service's SQLite database: checked, migrated (refusing a newer or altered schema
 * before writing anything), WAL on; then the one Kysely handle and the hot-path stores over
 * the same connection. Closing the Kysely handle closes the file.
 */
import { createKysely, enableWal, openSqlite } from "../database";
import { type MigrationResult, migrate } from "../migrator";
import type { OpenDatabase } from "../stores";
import { sqliteStores } from "./stores";

/** Throws DatabaseError or MigrationError with one clear line. */
export function openSqliteDatabase(path: string): OpenDatabase {
  const sqlite = openSqlite(path);
  let migration: MigrationResult;
  try {
    migration = migrate(sqlite);
    enableWal(sqlite);
  } catch (e) {
    sqlite.close();
    throw e;
  }
  const db = createKysely(sqlite);
  const stores = sqliteStores(sqlite);
  const close = async () => {
    await stores.predictionLog.close?.();
    await db.destroy();
  };
  return { db, stores, migration, close };
}
