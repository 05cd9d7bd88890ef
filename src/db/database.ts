/**
 * Opens the SQLite file the service owns: WAL, a busy timeout, foreign keys on. Every way
 * this can fail (unwritable directory, not a database, corrupt pages) becomes one
 * DatabaseError line for the operator, and nothing is written to a file we cannot trust.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { kyselySqlite } from "./bun-sqlite";
import type { DB } from "./schema";

export class DatabaseError extends Error {
  override name = "DatabaseError";
}

/**
 * Opens (creating if needed) and checks the file. WAL is switched on only by `enableWal`,
 * after the schema was found acceptable: turning it on rewrites the file header.
 */
export function openSqlite(path: string): Database {
  const file = path === ":memory:" ? path : resolve(path);
  if (file !== ":memory:") {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (e) {
      throw new DatabaseError(`cannot create the database directory ${dirname(file)}: ${(e as Error).message}`);
    }
  }
  let db: Database;
  try {
    db = new Database(file, { create: true, strict: true });
  } catch (e) {
    throw new DatabaseError(`cannot open the database ${file}: ${(e as Error).message}`);
  }
  try {
    // first: another process (a sibling, the log's writer thread closing its connection and
    // checkpointing) may hold the file for a moment, and quick_check must wait for it, not fail
    db.exec("PRAGMA busy_timeout = 5000");
    // quick_check reads every page: a corrupt or foreign file fails here, before any write
    const check = db.query("PRAGMA quick_check").get() as { quick_check: string } | null;
    if (check?.quick_check !== "ok") throw new Error(check?.quick_check ?? "no answer");
    db.exec("PRAGMA foreign_keys = ON");
  } catch (e) {
    db.close();
    throw new DatabaseError(`the database ${file} is unusable: ${(e as Error).message}`);
  }
  return db;
}

/** Whether `db` lives in memory (`:memory:`, or Bun's empty name for it): no file, no WAL, no second connection. */
export function isInMemory(db: Database): boolean {
  return db.filename === "" || db.filename === ":memory:";
}

/** Write-ahead logging: readers never block the writer; NORMAL sync is safe in WAL mode. */
export function enableWal(db: Database): void {
  if (isInMemory(db)) return;
  const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode.journal_mode !== "wal") throw new DatabaseError(`cannot use WAL: journal mode is ${mode.journal_mode}`);
  db.exec("PRAGMA synchronous = NORMAL");
}

/** Kysely over an open bun:sqlite database; closing the Kysely instance closes the file. */
export function createKysely(sqlite: Database): Kysely<DB> {
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: kyselySqlite(sqlite) }) });
}
