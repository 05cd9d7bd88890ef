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

describe("prediction ids", () => {
  test(
    "are not issued again after a process died with predictions still buffered",
    withDatabase((path) => {
      const first = open(path);
      const log = new PredictionLog(sqliteStores(first).predictionLog, quiet, { flushMs: 3_600_000, idBlock: 50 });
      const flushed = Array.from({ length: 30 }, () => log.add(entry));
      log.flush();
      // answered to clients, never written: the process is killed before the next flush
      const lost = Array.from({ length: 40 }, () => log.add(entry));
      first.close();

      const second = open(path);
      const again = new PredictionLog(sqliteStores(second).predictionLog, quiet, { flushMs: 3_600_000, idBlock: 50 });
      const after = Array.from({ length: 100 }, () => again.add(entry));
      again.stop();
      const before = new Set([...flushed, ...lost]);
      expect(after.filter((id) => before.has(id))).toEqual([]);
      expect(new Set(after).size).toBe(after.length);
      second.close();
    }),
  );

  test(
    "are not issued again after old predictions were deleted",
    withDatabase((path) => {
      const first = open(path);
      const log = new PredictionLog(sqliteStores(first).predictionLog, quiet, { idBlock: 10 });
      const old = Array.from({ length: 25 }, () => log.add(entry));
      log.stop();
      first.exec("DELETE FROM predictions");
      first.close();

      const second = open(path);
      const again = new PredictionLog(sqliteStores(second).predictionLog, quiet, { idBlock: 10 });
      const fresh = Array.from({ length: 25 }, () => again.add(entry));
      again.stop();
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
      const ids = Array.from({ length: 6 }, () => log.add(entry));
      // another request's transaction is open on the same connection while predictions use up the block
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto("service_info").values({ key: "probe", value: "1" }).execute();
          for (let i = 0; i < 10; i++) ids.push(log.add(entry));
          throw new Error("rolled back");
        })
        .catch(() => {});
      // and the process dies before its buffer is written
      const restarted = new PredictionLog(sqliteStores(sqlite).predictionLog, quiet, {
        flushMs: 3_600_000,
        idBlock: 10,
      });
      const after = Array.from({ length: 30 }, () => restarted.add(entry));
      restarted.stop();
      expect(after.filter((id) => ids.includes(id))).toEqual([]);
      await db.destroy();
    }),
  );
});
