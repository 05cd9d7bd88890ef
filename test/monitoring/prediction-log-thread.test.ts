/**
 * The prediction log on a SQLite file writes on its own thread (src/db/sqlite/prediction-log-thread.ts):
 * every row added reaches the file, a write the thread fails or a thread that crashes loses
 * nothing (the rows wait and the next flush writes them), and what is in flight counts as
 * unwritten until it is committed.
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteDatabase } from "../../src/db/sqlite/open";
import { SqlitePredictionLogStore } from "../../src/db/sqlite/prediction-log-store";
import type { OpenDatabase } from "../../src/db/stores";
import { PredictionLog } from "../../src/monitoring/prediction-log";

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const entry = (i: number) => ({
  model_key: "m",
  version: "1.0.0",
  input: { x: i, label: `row ${i}` },
  prediction: "a",
  confidence: 0.5,
  latency_ms: 1,
});

let dir = "";
let file = "";
let opened: OpenDatabase | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mls-log-thread-"));
  file = join(dir, "ml.db");
  opened = openSqliteDatabase(file);
});
/** the database beforeEach opened */
function database(): OpenDatabase {
  if (!opened) throw new Error("beforeEach opened no database");
  return opened;
}
afterEach(async () => {
  await opened?.close();
  opened = null;
  rmSync(dir, { recursive: true, force: true });
});

// a fresh connection: what another reader of the file sees, not this process's cache
async function loggedIds(): Promise<number[]> {
  const reader = openSqliteDatabase(file);
  try {
    const rows = await reader.db.selectFrom("predictions").select("id").orderBy("id").execute();
    return rows.map((r) => r.id);
  } finally {
    await reader.close();
  }
}

async function batchedRows(): Promise<number> {
  const rows = await database().db.selectFrom("prediction_batches").select("row_count").execute();
  return rows.reduce((n, r) => n + r.row_count, 0);
}

describe("prediction log writer thread (SQLite file)", () => {
  test("every row added is in the file after a flush, written by the thread", async () => {
    const store = database().stores.predictionLog as SqlitePredictionLogStore;
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    const ids = await Promise.all(Array.from({ length: 1500 }, (_, i) => log.add(entry(i))));
    await log.flush();
    expect(log.pending).toBe(0);
    expect(await loggedIds()).toEqual(ids.toSorted((a, b) => a - b));
    expect(await batchedRows()).toBe(1500);
    expect(store.thread?.started).toBe(1);
    await log.stop();
  });

  test("a write the thread fails is kept and written by the next flush; in flight counts as pending", async () => {
    const log = new PredictionLog(database().stores.predictionLog, quiet, { batch: 1000, flushMs: 60_000 });
    const admin = new Database(file);
    admin.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
    );
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => log.add(entry(i))));
    const waiting = log.committed();
    expect(log.pending).toBe(40);
    await expect(waiting).rejects.toThrow("refused for the test");
    expect(log.pending).toBe(40);
    expect(await loggedIds()).toEqual([]);

    admin.exec("DROP TRIGGER refuse");
    admin.close();
    await log.flush();
    expect(log.pending).toBe(0);
    expect(await loggedIds()).toEqual(ids);
    await log.stop();
  });

  test("a thread that crashes fails its write; the rows wait and a new thread writes them", async () => {
    writeFileSync(`${file}.crash-once`, "");
    const connection = new Database(file);
    const store = new SqlitePredictionLogStore(
      connection,
      new URL("../fixtures/crashing-log-worker.ts", import.meta.url).href,
    );
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => log.add(entry(i))));
    await expect(log.committed()).rejects.toThrow("crashed");
    expect(log.pending).toBe(25);
    await log.flush();
    expect(log.pending).toBe(0);
    expect(store.thread?.started).toBe(2);
    expect(await loggedIds()).toEqual(ids);
    await log.stop();
    connection.close();
  });

  test("rows handed to the store count as unwritten until the write commits (the kill -9 loss /metrics reports)", async () => {
    let commit = () => {};
    const store = {
      inTransaction: false,
      reserveIds: async (block: number) => 1 + block,
      write: () => new Promise<void>((resolve) => (commit = resolve)),
    };
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => log.add(entry(i))));
    const flushed = log.flush();
    await new Promise((r) => setImmediate(r));
    expect(log.pending).toBe(30);
    commit();
    await flushed;
    expect(log.pending).toBe(0);
    expect(log.written).toBe(30);
  });

  test("a write that arrives while the thread closes is written by a new one", async () => {
    const store = database().stores.predictionLog as SqlitePredictionLogStore;
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => log.add(entry(i))));
    await log.flush();
    const closing = store.close();
    const second = await Promise.all(Array.from({ length: 5 }, (_, i) => log.add(entry(i))));
    await Promise.all([closing, log.flush()]);
    expect(log.pending).toBe(0);
    expect(store.thread?.started).toBe(2);
    expect(await loggedIds()).toEqual([...first, ...second]);
    await log.stop();
  });

  test("stop() writes what waits and ends the thread; writing again starts a new one", async () => {
    const store = database().stores.predictionLog as SqlitePredictionLogStore;
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => log.add(entry(i))));
    await log.stop();
    expect(await loggedIds()).toEqual(first);
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => log.add(entry(i))));
    await log.stop();
    expect(store.thread?.started).toBe(2);
    expect(await loggedIds()).toEqual([...first, ...second]);
  });
});
