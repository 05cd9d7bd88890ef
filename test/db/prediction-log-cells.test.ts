import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteDatabase } from "../../src/db/sqlite/open";
import { packSlice, ROWS_PER_INSERT, writeSlice } from "../../src/db/sqlite/prediction-log-cells";
import type { PredictionRow } from "../../src/db/stores";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A migrated file and a second connection to it, as the writer thread has. */
async function connection(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), "mls-cells-"));
  dirs.push(dir);
  const file = join(dir, "store.db");
  await openSqliteDatabase(file).close();
  return new Database(file, { readwrite: true, create: false, strict: true });
}

/** Every column different from row to row, nulls included, so that a value in the wrong place shows. */
function row(i: number): PredictionRow {
  return {
    id: 1000 + i,
    model_key: `model-${i % 3}`,
    version: `v${i}`,
    created_at: new Date(Date.UTC(2026, 10, 30, 12, 0, i)).toISOString(),
    input: JSON.stringify({ x: i, label: `row ${i} "quoted"` }),
    prediction: JSON.stringify(i % 2 ? `class-${i}` : i * 1.5),
    confidence: i % 5 === 0 ? null : i / 100,
    latency_ms: i / 7,
    job_id: i % 4 === 0 ? `job-${i}` : null,
    created_by: i % 6 === 0 ? null : i,
    batch_first_id: i % 7 === 0 ? null : 900 + i,
    batch_row: i % 7 === 0 ? null : i * 2,
  };
}

describe("the prediction log's INSERTs on SQLite", () => {
  // whole multi-row statements, then the rest row by row, and a slice smaller than one statement
  for (const n of [2 * ROWS_PER_INSERT + 7, ROWS_PER_INSERT, 5]) {
    test(`${n} rows read back column for column as they were given`, async () => {
      const db = await connection();
      const rows = Array.from({ length: n }, (_, i) => row(i));
      const batch = {
        model_key: "model-0",
        version: "v0",
        first_prediction_id: 1000,
        last_prediction_id: 1000 + n - 1,
        created_from: rows[0]?.created_at as string,
        created_to: rows[n - 1]?.created_at as string,
        row_count: n,
        columns: "[]",
        data: new Uint8Array([1, 2, 3]),
      };
      writeSlice(db, packSlice(rows, [batch]));
      const back = db
        .query(
          `SELECT id, model_key, version, created_at, input, prediction, confidence, latency_ms, job_id, created_by,
             batch_first_id, batch_row
           FROM predictions ORDER BY id`,
        )
        .all();
      expect(back).toEqual(rows);
      const batches = db
        .query("SELECT first_prediction_id, last_prediction_id, row_count FROM prediction_batches")
        .all();
      expect(batches).toEqual([{ first_prediction_id: 1000, last_prediction_id: 1000 + n - 1, row_count: n }]);
      db.close();
    });
  }

  test("a slice that fails part-way writes nothing", async () => {
    const db = await connection();
    // the last row repeats the first id, after a whole multi-row statement has gone in
    const rows = [...Array.from({ length: ROWS_PER_INSERT + 3 }, (_, i) => row(i)), row(0)];
    expect(() => writeSlice(db, packSlice(rows, []))).toThrow();
    expect(db.query("SELECT count(*) AS n FROM predictions").get()).toEqual({ n: 0 });
    db.close();
  });
});
