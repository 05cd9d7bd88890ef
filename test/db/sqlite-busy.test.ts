/**
 * SQLite's side of "a database that goes away": a file another process holds the write lock on
 * past the busy timeout is DatabaseUnavailable (503 `database_unavailable`, Retry-After), not a
 * 500; once the lock is released the same handle writes again. A transaction that reads and
 * then writes is not failed by another process's commit in between (SQLite transactions begin
 * IMMEDIATE: the other writer waits for it instead).
 */

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKysely, enableWal, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { DatabaseUnavailable } from "../../src/db/unavailable";

const dir = mkdtempSync(join(tmpdir(), "mls-busy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a write lock held past the busy timeout is a 503 database_unavailable; released, writes go on", async () => {
  const path = join(dir, "store.db");
  const sqlite = openSqlite(path);
  migrate(sqlite);
  enableWal(sqlite);
  // the service waits 5 s for a lock; this test need not
  sqlite.exec("PRAGMA busy_timeout = 50");
  const db = createKysely(sqlite);
  const row = { name: "busy-test", checksum: "x", applied_at: new Date().toISOString() };

  const other = new Database(path);
  other.exec("BEGIN IMMEDIATE");
  try {
    const err = await db
      .insertInto("schema_migrations")
      .values(row)
      .execute()
      .catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailable);
    expect(err.status).toBe(503);
    expect(err.code).toBe("database_unavailable");
    expect(err.headers["Retry-After"]).toBe("5");
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  await db.insertInto("schema_migrations").values(row).execute();
  const names = await db.selectFrom("schema_migrations").select("name").where("name", "=", "busy-test").execute();
  expect(names).toEqual([{ name: "busy-test" }]);
  await db.destroy();
});

test("a transaction that reads then writes holds the write lock from its start: another process's write waits", async () => {
  const path = join(dir, "snapshot.db");
  const sqlite = openSqlite(path);
  migrate(sqlite);
  enableWal(sqlite);
  const db = createKysely(sqlite);
  const other = new Database(path);
  // the other process does not wait here, so the test sees whether it could write in between
  other.exec("PRAGMA busy_timeout = 0");
  const row = (name: string) => ({ name, checksum: "x", applied_at: new Date().toISOString() });
  let between: unknown = null;
  try {
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom("schema_migrations").select("name").execute();
      try {
        other.query("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('other', 'x', 'now')").run();
      } catch (e) {
        between = e;
      }
      await trx.insertInto("schema_migrations").values(row("mine")).execute();
    });
    expect((between as { code?: string } | null)?.code).toBe("SQLITE_BUSY");
    other.query("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('other', 'x', 'now')").run();
    const names = await db
      .selectFrom("schema_migrations")
      .select("name")
      .where("name", "in", ["mine", "other"])
      .orderBy("name")
      .execute();
    expect(names).toEqual([{ name: "mine" }, { name: "other" }]);
  } finally {
    other.close();
    await db.destroy();
  }
});
