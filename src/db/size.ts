/**
 * How big the database is, for /metrics: pages in the file and pages free for reuse (rows a
 * retention sweep deleted free pages; SQLite reuses them before growing the file).
 */
import { type Kysely, sql } from "kysely";
import { isPostgres } from "./dialect";
import type { DB } from "./schema";

export async function databaseSize(db: Kysely<DB>): Promise<{ bytes: number; freeBytes: number }> {
  if (isPostgres(db)) {
    // PostgreSQL reuses dead rows' space within its files (vacuum); the whole database is the size
    const { rows } = await sql<{ bytes: number }>`SELECT pg_database_size(current_database()) AS bytes`.execute(db);
    return { bytes: Number(rows[0]?.bytes ?? 0), freeBytes: 0 };
  }
  const one = async (pragma: "page_count" | "page_size" | "freelist_count") => {
    const { rows } = await sql<Record<string, number>>`${sql.raw(`PRAGMA ${pragma}`)}`.execute(db);
    return Number(rows[0]?.[pragma] ?? 0);
  };
  const pageSize = await one("page_size");
  return { bytes: (await one("page_count")) * pageSize, freeBytes: (await one("freelist_count")) * pageSize };
}
