/**
 * Applies migrations/NNNN_name.sql in name order, each inside its own transaction, and
 * records each with a checksum. A database that knows a migration this binary does not
 * (a newer schema) or whose recorded migration text differs is refused, untouched.
 */
import type { Database } from "bun:sqlite";
import { MIGRATIONS, type Migration } from "./migrations";

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrationResult {
  applied: string[];
  current: string | null;
}

/** sha256 of a migration's text, as recorded in schema_migrations. */
export const checksum = (sql: string) => new Bun.CryptoHasher("sha256").update(sql).digest("hex");

export function appliedMigrations(db: Database): { name: string; checksum: string }[] {
  const exists = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  return db.query("SELECT name, checksum FROM schema_migrations ORDER BY name").all() as {
    name: string;
    checksum: string;
  }[];
}

/**
 * The refusal rules, the same on every database: a recorded migration unknown to this binary, or
 * whose text (`textOf`, the dialect's own) changed since, is refused. Returns the names applied.
 */
export function checkApplied(
  done: readonly { name: string; checksum: string }[],
  migrations: readonly Migration[],
  textOf: (m: Migration) => string,
): Set<string> {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of done) {
    const m = known.get(row.name);
    if (!m) {
      throw new MigrationError(
        `the database schema is newer than this binary (it has migration ${row.name}, unknown here); use a newer mlservice`,
      );
    }
    if (checksum(textOf(m)) !== row.checksum) {
      throw new MigrationError(`migration ${row.name} was changed after it was applied; restore the original file`);
    }
  }
  return new Set(done.map((r) => r.name));
}

/** Brings the schema up to date; a re-run with nothing pending changes nothing. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const doneNames = checkApplied(appliedMigrations(db), migrations, (m) => m.sql);
  const applied: string[] = [];
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  for (const m of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    if (doneNames.has(m.name)) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.query("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)").run(
          m.name,
          checksum(m.sql),
          new Date().toISOString(),
        );
      })();
    } catch (e) {
      throw new MigrationError(`migration ${m.name} failed and was rolled back: ${(e as Error).message}`);
    }
    applied.push(m.name);
  }
  const all = appliedMigrations(db);
  return { applied, current: all.at(-1)?.name ?? null };
}
