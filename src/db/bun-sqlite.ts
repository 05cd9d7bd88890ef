/**
 * Adapts `bun:sqlite` to the small database interface Kysely's SqliteDialect drives
 * (prepare → all / run / iterate, with `reader` telling whether a statement returns rows).
 * A file another writer still holds after the busy timeout is DatabaseUnavailable (503).
 * Transactions begin IMMEDIATE: in WAL a deferred one that read, then writes after another
 * process committed fails at once with SQLITE_BUSY_SNAPSHOT, past any busy timeout; taking the
 * write lock at BEGIN makes it wait like any other write (ML_HTTP_PROCESSES share the file).
 */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { asUnavailable } from "./unavailable";

function mapped<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw asUnavailable(e);
  }
}

export function kyselySqlite(db: Database): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      // db.query caches the compiled statement by its SQL text
      const stmt = db.query(sql === "begin" ? "BEGIN IMMEDIATE" : sql);
      const bind = (params: readonly unknown[]) => params as SQLQueryBindings[];
      return {
        reader: stmt.columnNames.length > 0,
        all: (params) => mapped(() => stmt.all(...bind(params)) as unknown[]),
        run: (params) =>
          mapped(() => {
            const { changes, lastInsertRowid } = stmt.run(...bind(params));
            return { changes, lastInsertRowid };
          }),
        iterate: (params) => stmt.iterate(...bind(params)) as IterableIterator<unknown>,
      };
    },
  };
}
