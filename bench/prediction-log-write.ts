/**
 * The prediction log's cost per row on SQLite, two ways:
 *  - `store.write` of 256-row slices (the log's slice size), timed on the calling thread only;
 *  - the whole log (PredictionLog.add of digits-like rows, 64 integer pixels, flushed as the
 *    service flushes): CPU of the serving thread and of the other threads (the writer) per row,
 *    from /proc, and the database file's bytes per row afterwards.
 *   bun bench/prediction-log-write.ts [ROOT ...]
 * Each ROOT is a checkout (default: this one; e.g. an unpacked `git archive` of an older commit,
 * with node_modules), measured in turn in this one run. Where the checkout writes on its own
 * thread, "calling thread" is what the serving thread spends (packing the slice and posting it)
 * and "until committed" is the wall time to the commit; in-thread both are the same.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const SLICE = 256;
const SLICES = 200;
const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length === 0) roots.push(join(import.meta.dir, ".."));

/** ~700-byte input JSON, as a digits row (64 pixel features) is */
const input = JSON.stringify(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`pixel_${i}`, (i * 7) % 17])));

async function measure(root: string): Promise<Record<string, number>> {
  const { openSqliteDatabase } = await import(join(root, "src", "db", "sqlite", "open.ts"));
  const dir = mkdtempSync(join(tmpdir(), "mls-logbench-"));
  const opened = openSqliteDatabase(join(dir, "bench.db"));
  try {
    const store = opened.stores.predictionLog;
    let id = 1;
    const slice = () => {
      const rows = Array.from({ length: SLICE }, () => ({
        id: id++,
        model_key: "digits",
        version: "1.0.0",
        created_at: new Date().toISOString(),
        input,
        prediction: '"3"',
        confidence: 0.9,
        latency_ms: 0.1,
        job_id: null,
        created_by: 1,
      }));
      const batches = [
        {
          model_key: "digits",
          version: "1.0.0",
          first_prediction_id: rows[0]?.id ?? 0,
          last_prediction_id: rows.at(-1)?.id ?? 0,
          created_from: rows[0]?.created_at ?? "",
          created_to: rows.at(-1)?.created_at ?? "",
          row_count: SLICE,
          columns: "[]",
          data: new Uint8Array(SLICE * 64 * 8),
        },
      ];
      return { rows, batches };
    };
    for (let i = 0; i < 10; i++) {
      const s = slice();
      await store.write(s.rows, s.batches);
    }
    let calling = 0;
    const t0 = performance.now();
    for (let i = 0; i < SLICES; i++) {
      const s = slice();
      const a = performance.now();
      const done = store.write(s.rows, s.batches);
      calling += performance.now() - a;
      await done;
    }
    const total = performance.now() - t0;
    const check = new Database(join(dir, "bench.db"), { readonly: true });
    const n = (check.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n;
    check.close();
    if (n !== (SLICES + 10) * SLICE) throw new Error(`${n} rows written, ${(SLICES + 10) * SLICE} expected`);
    const rows = SLICES * SLICE;
    return {
      "calling thread, µs per row": (calling / rows) * 1000,
      "until committed, µs per row": (total / rows) * 1000,
    };
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time of one thread of this process, in µs */
function threadCpu(tid: string): number {
  const f = (readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

const threadTimes = () => new Map(readdirSync("/proc/self/task").map((t) => [t, threadCpu(t)]));

/** The whole log, as the service runs it: add, flush on its timer or at 1,000 rows, the writer thread. */
async function measureLog(root: string): Promise<Record<string, number>> {
  const { openSqliteDatabase } = await import(join(root, "src", "db", "sqlite", "open.ts"));
  const { PredictionLog } = await import(join(root, "src", "monitoring", "prediction-log.ts"));
  const dir = mkdtempSync(join(tmpdir(), "mls-logbench-"));
  const file = join(dir, "bench.db");
  const opened = openSqliteDatabase(file);
  const quiet = { error() {}, warn() {}, info() {}, debug() {}, child: () => quiet };
  const log = new PredictionLog(opened.stores.predictionLog, quiet);
  const inputs = Array.from({ length: 64 }, (_, k) =>
    Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`pixel_${i}`, (i * 7 + k) % 17])),
  );
  const texts = inputs.map((x) => JSON.stringify(x));
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const k = i & 63;
      log.add({
        model_key: "digits",
        version: "1.0.0",
        input: inputs[k],
        input_json: texts[k],
        prediction: String(k % 10),
        confidence: 0.9,
        latency_ms: 0.1,
        created_by: 1,
      });
      // a turn of the event loop every 32 rows, as requests arrive
      if (i % 32 === 31) await new Promise((r) => setImmediate(r));
    }
    await log.flush();
  };
  try {
    await run(20_000);
    const rows = 200_000;
    const before = threadTimes();
    await run(rows);
    const after = threadTimes();
    const main = String(process.pid);
    let others = 0;
    for (const [t, us] of after) if (t !== main) others += us - (before.get(t) ?? 0);
    await log.stop();
    await opened.close();
    const db = new Database(file);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const pages = db.query("PRAGMA page_count").get() as { page_count: number };
    const size = db.query("PRAGMA page_size").get() as { page_size: number };
    const n = (db.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n;
    db.close();
    return {
      "whole log: serving thread, µs per row": ((after.get(main) ?? 0) - (before.get(main) ?? 0)) / rows,
      "whole log: other threads (writer), µs per row": others / rows,
      "whole log: database bytes per row": (pages.page_count * size.page_size) / n,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const table: Record<string, Record<string, string>> = {};
for (const root of roots) {
  const r = { ...(await measure(root)), ...(await measureLog(root)) };
  for (const [stage, us] of Object.entries(r)) {
    table[stage] ??= {};
    (table[stage] as Record<string, string>)[root] = us.toFixed(2);
  }
}
console.table(table);
