import type { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseError, enableWal, openSqlite } from "../../src/db/database";
import { MIGRATIONS } from "../../src/db/migrations";
import { appliedMigrations, MigrationError, migrate } from "../../src/db/migrator";

const dirs: string[] = [];
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), "mls-db-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tables = (db: Database) =>
  (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );

describe("migrator", () => {
  test("a fresh database gets every migration, in order, recorded", () => {
    const db = openSqlite(":memory:");
    const result = migrate(db);
    expect(result.applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(appliedMigrations(db).map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(tables(db)).toContain("service_info");
  });

  test("a re-run is a no-op", () => {
    const db = openSqlite(":memory:");
    migrate(db);
    const before = db.query("SELECT * FROM schema_migrations").all();
    const again = migrate(db);
    expect(again.applied).toEqual([]);
    expect(db.query("SELECT * FROM schema_migrations").all()).toEqual(before);
  });

  test("a failing migration rolls back and leaves the database as it was", () => {
    const db = openSqlite(":memory:");
    migrate(db);
    const before = tables(db);
    const broken = [
      ...MIGRATIONS,
      { name: "9998_ok_part", sql: "CREATE TABLE fine (id INTEGER);", postgres: "" },
      { name: "9999_broken", sql: "CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);", postgres: "" },
    ];
    expect(() => migrate(db, broken)).toThrow(/migration 9999_broken failed and was rolled back: .*nowhere/);
    // the good migration before it stays applied; the broken one left nothing behind
    expect(tables(db)).toEqual([...before, "fine"].sort());
    expect(appliedMigrations(db).map((r) => r.name)).not.toContain("9999_broken");
  });

  test("refuses a database with a newer schema, untouched", () => {
    const dir = tempDir();
    const file = join(dir, "store.db");
    const db = openSqlite(file);
    migrate(db, [...MIGRATIONS, { name: "9999_future", sql: "CREATE TABLE future (id INTEGER);", postgres: "" }]);
    db.close();
    const reopened = openSqlite(file);
    expect(() => migrate(reopened)).toThrow(MigrationError);
    expect(() => migrate(reopened)).toThrow(/newer than this binary.*9999_future/);
    expect(tables(reopened)).toContain("future");
    reopened.close();
  });

  test("refuses when an applied migration's text was changed", () => {
    const db = openSqlite(":memory:");
    migrate(db);
    const first = MIGRATIONS[0];
    if (!first) throw new Error("no migrations");
    const edited = [{ ...first, sql: `${first.sql}\n-- edited` }, ...MIGRATIONS.slice(1)];
    expect(() => migrate(db, edited)).toThrow(/was changed after it was applied/);
  });
});

describe("openSqlite", () => {
  test("creates the directory; WAL, foreign keys and a busy timeout are on", () => {
    const file = join(tempDir(), "nested", "deeper", "store.db");
    const db = openSqlite(file);
    enableWal(db);
    expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    expect((db.query("PRAGMA foreign_keys").get() as { foreign_keys: number }).foreign_keys).toBe(1);
    expect((db.query("PRAGMA busy_timeout").get() as { timeout: number }).timeout).toBe(5000);
    db.close();
  });

  test("a file that is not a database is refused and not modified", () => {
    const file = join(tempDir(), "notes.db");
    writeFileSync(file, "these are my notes, not a database\n".repeat(200));
    const before = readFileSync(file);
    expect(() => openSqlite(file)).toThrow(DatabaseError);
    expect(() => openSqlite(file)).toThrow(/is unusable/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  test("an unwritable directory is one clear error", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    // a path below a regular file can never be created, whoever runs the test
    expect(() => openSqlite(join(dir, "file", "sub", "store.db"))).toThrow(/cannot create the database directory/);
  });
});
