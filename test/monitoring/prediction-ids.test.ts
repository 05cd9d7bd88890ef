/**
 * Prediction ids come from blocks reserved in the database: a process that dies with entries
 * still buffered, or rows deleted later, never make an id come back.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKysely, enableWal, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { sqliteStores } from "../../src/db/sqlite/stores";
import { createLogger } from "../../src/log";
import { PredictionLog } from "../../src/monitoring/prediction-log";

const quiet = createLogger("error", () => {});
const entry = { model_key: "m", version: "1.0.0", input: { x: 1 }, prediction: "a", confidence: 0.9, latency_ms: 1 };

function withDatabase(f: (path: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "mls-ids-"));
    try {
      await f(join(dir, "store.db"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function open(path: string) {
  const sqlite = openSqlite(path);
  migrate(sqlite);
  enableWal(sqlite);
  return sqlite;
}

/** `n` entries added one after another, as requests arrive; their ids. */
async function addMany(log: PredictionLog, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(await log.add(entry));
  return ids;
}

describe("prediction ids", () => {
  test(
    "are not issued again after a process died with predictions still buffered",
    withDatabase(async (path) => {
      const first = open(path);
      const log = new PredictionLog(sqliteStores(first).predictionLog, quiet, { flushMs: 3_600_000, idBlock: 50 });
      const flushed = await addMany(log, 30);
      await log.flush();
      // answered to clients, never written: the process is killed before the next flush
      const lost = await addMany(log, 40);
      first.close();

      const second = open(path);
      const again = new PredictionLog(sqliteStores(second).predictionLog, quiet, { flushMs: 3_600_000, idBlock: 50 });
      const after = await addMany(again, 100);
      await again.stop();
      const before = new Set([...flushed, ...lost]);
      expect(after.filter((id) => before.has(id))).toEqual([]);
      expect(new Set(after).size).toBe(after.length);
      second.close();
    }),
  );

  test(
    "are not issued again after old predictions were deleted",
    withDatabase(async (path) => {
      const first = open(path);
      const log = new PredictionLog(sqliteStores(first).predictionLog, quiet, { idBlock: 10 });
      const old = await addMany(log, 25);
      await log.stop();
      first.exec("DELETE FROM predictions");
      first.close();

      const second = open(path);
      const again = new PredictionLog(sqliteStores(second).predictionLog, quiet, { idBlock: 10 });
      const fresh = await addMany(again, 25);
      await again.stop();
      expect(Math.min(...fresh)).toBeGreaterThan(Math.max(...old));
      second.close();
    }),
  );

  test(
    "stay unique when a transaction that was open while they were handed out rolls back",
    withDatabase(async (path) => {
      const sqlite = open(path);
      const db = createKysely(sqlite);
      const log = new PredictionLog(sqliteStores(sqlite).predictionLog, quiet, { flushMs: 3_600_000, idBlock: 10 });
      const ids = await addMany(log, 6);
      // another request's transaction is open on the same connection while predictions use up the block
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto("service_info").values({ key: "probe", value: "1" }).execute();
          for (let i = 0; i < 10; i++) ids.push(await log.add(entry));
          throw new Error("rolled back");
        })
        .catch(() => {});
      // and the process dies before its buffer is written
      const restarted = new PredictionLog(sqliteStores(sqlite).predictionLog, quiet, {
        flushMs: 3_600_000,
        idBlock: 10,
      });
      const after = await addMany(restarted, 30);
      await restarted.stop();
      expect(after.filter((id) => ids.includes(id))).toEqual([]);
      await db.destroy();
    }),
  );
});
