/**
 * The migrator on PostgreSQL: the same files' PostgreSQL texts (migrations/postgres/), the same
 * checksums (of that text) and refusal rules as on SQLite (../migrator.ts). Replicas that start
 * together take turns on a session advisory lock, so exactly one applies what is pending and the
 * others then find nothing to do. Each migration runs in its own transaction (PostgreSQL DDL is
 * transactional).
 */
import type { SQL } from "bun";
import { MIGRATIONS, type Migration } from "../migrations";
import { checkApplied, checksum, MigrationError, type MigrationResult } from "../migrator";

/** pg_advisory_lock key: "mlservice migrate" as a fixed 63-bit number */
const LOCK_KEY = 7_358_902_114_512_337n;

type Applied = { name: string; checksum: string }[];

async function applied(db: SQL): Promise<Applied> {
  const [exists] = await db.unsafe("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists?.present) return [];
  return (await db.unsafe("SELECT name, checksum FROM schema_migrations ORDER BY name")) as Applied;
}

/** The names of the applied migrations, in order (for /health's schema). */
export async function appliedPostgresMigrations(db: SQL): Promise<string[]> {
  return (await applied(db)).map((r) => r.name);
}

/** Brings the schema up to date; a re-run with nothing pending changes nothing. */
export async function migratePostgres(
  pool: SQL,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const db = await pool.reserve();
  try {
    await db.unsafe("SELECT pg_advisory_lock($1)", [LOCK_KEY.toString()]);
    try {
      const doneNames = checkApplied(await applied(db), migrations, (m) => m.postgres);
      await db.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const done: string[] = [];
      for (const m of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
        if (doneNames.has(m.name)) continue;
        try {
          await db.unsafe("BEGIN");
          await db.unsafe(m.postgres).simple();
          await db.unsafe("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ($1, $2, $3)", [
            m.name,
            checksum(m.postgres),
            new Date().toISOString(),
          ]);
          await db.unsafe("COMMIT");
        } catch (e) {
          await db.unsafe("ROLLBACK").catch(() => {});
          throw new MigrationError(`migration ${m.name} failed and was rolled back: ${(e as Error).message}`);
        }
        done.push(m.name);
      }
      const all = await applied(db);
      return { applied: done, current: all.at(-1)?.name ?? null };
    } finally {
      await db.unsafe("SELECT pg_advisory_unlock($1)", [LOCK_KEY.toString()]).catch(() => {});
    }
  } finally {
    db.release();
  }
}
