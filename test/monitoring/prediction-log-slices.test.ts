/**
 * The prediction log's own flushes (timer, batch size) write in bounded slices with the event
 * loop free between them; an explicit flush (readers, shutdown, sync mode) still writes all at once.
 */
import { describe, expect, test } from "bun:test";
import type { PredictionBatchRow, PredictionLogStore, PredictionRow } from "../../src/db/stores";
import { createLogger } from "../../src/log";
import { PredictionLog } from "../../src/monitoring/prediction-log";

const quiet = createLogger("error", () => {});

/** A store that keeps what each transaction wrote. */
function recordingStore() {
  const writes: { rows: number; batches: PredictionBatchRow[] }[] = [];
  const ids: number[] = [];
  let next = 1;
  const store: PredictionLogStore = {
    async write(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]) {
      writes.push({ rows: rows.length, batches: [...batches] });
      for (const r of rows) ids.push(r.id);
    },
    async reserveIds(block: number) {
      next += block;
      return next;
    },
    inTransaction: false,
  };
  return { store, writes, ids };
}

const entry = (i: number) => ({
  model_key: "m",
  version: "1.0.0",
  input: { x: i },
  prediction: "a",
  confidence: 0.9,
  latency_ms: 1,
});

describe("prediction log slices", () => {
  test("a full batch is written slice by slice, other work running between slices", async () => {
    const { store, writes, ids } = recordingStore();
    const log = new PredictionLog(store, quiet, { batch: 1000, flushMs: 60_000 });
    const added = await Promise.all(Array.from({ length: 1000 }, (_, i) => log.add(entry(i))));
    const between: number[] = [];
    // each turn of the loop sees how many slices were written before it ran
    const watch = async () => {
      while (log.pending > 0) {
        between.push(writes.length);
        await new Promise((r) => setImmediate(r));
      }
    };
    await watch();
    expect(writes.map((w) => w.rows)).toEqual([256, 256, 256, 232]);
    expect(new Set(between).size).toBeGreaterThan(1);
    expect(ids).toEqual(added);
    // each slice carries its own columnar copy covering exactly its ids
    const covered = writes.map((w) => [w.batches[0]?.first_prediction_id, w.batches[0]?.last_prediction_id]);
    expect(covered[0]).toEqual([added[0], added[255]]);
    expect(covered[3]).toEqual([added[768], added[999]]);
  });

  test("a backlog beyond the batch size is written down below it in one turn: writing never falls behind", async () => {
    const { store, writes } = recordingStore();
    const log = new PredictionLog(store, quiet, { batch: 300, flushMs: 60_000 });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => log.add(entry(i))));
    await new Promise((r) => setImmediate(r));
    expect(log.pending).toBeLessThan(300);
    expect(writes.map((w) => w.rows)).toEqual([256, 256, 256]);
  });

  test("flush() writes everything waiting in one transaction", async () => {
    const { store, writes } = recordingStore();
    const log = new PredictionLog(store, quiet, { batch: 5000, flushMs: 60_000 });
    await Promise.all(Array.from({ length: 700 }, (_, i) => log.add(entry(i))));
    await log.flush();
    expect(writes.map((w) => w.rows)).toEqual([700]);
    expect(log.pending).toBe(0);
  });
});
