import { describe, expect, test } from "bun:test";
import { openSqlite } from "../../src/db/database";
import { MIGRATIONS } from "../../src/db/migrations";
import { migrate } from "../../src/db/migrator";

const BEFORE = MIGRATIONS.filter((m) => m.name < "0015_dataset_formats");
const THROUGH = MIGRATIONS.filter((m) => m.name <= "0015_dataset_formats");

const INSERT = `INSERT INTO datasets (id, name, version, format, original_filename, columns, row_count, size_bytes,
  sha256, created_by, created_at, last_used_at, profile) VALUES (?, ?, ?, ?, 'sales.csv', '["a","b"]', 3, 42, 'abc',
  ?, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '{"rows":3}')`;

describe("migration 0015_dataset_formats", () => {
  test("keeps every stored dataset row and its constraints, and widens format to ndjson and parquet", () => {
    const db = openSqlite(":memory:");
    migrate(db, BEFORE);
    db.query(
      "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('u', 'x', 'user', 'now', 'now')",
    ).run();
    const add = (id: string, name: string, version: number, format: string, by: number | null = 1) =>
      db.query(INSERT).run(id, name, version, format, by);
    add("ds_1", "sales", 1, "csv");
    add("ds_2", "rows", 1, "json", null);
    expect(() => add("ds_3", "p", 1, "parquet")).toThrow(/CHECK/);
    const before = db.query("SELECT * FROM datasets ORDER BY id").all();

    expect(migrate(db, THROUGH).applied).toEqual(["0015_dataset_formats"]);

    expect(db.query("SELECT * FROM datasets ORDER BY id").all()).toEqual(before);
    add("ds_3", "lines", 1, "ndjson");
    add("ds_4", "cols", 1, "parquet");
    expect(() => add("ds_5", "x", 1, "xml")).toThrow(/CHECK/);
    expect(() => add("ds_6", "sales", 1, "csv")).toThrow(/UNIQUE/);
    expect(() => add("ds_7", "other", 1, "csv", 99)).toThrow(/FOREIGN KEY/);
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  });
});
