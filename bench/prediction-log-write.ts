/**
 * The serving thread's cost of writing the prediction log, per row: `store.write` of 256-row
 * slices (the log's slice size) on a SQLite file, timed on the calling thread only.
 *   bun bench/prediction-log-write.ts [ROOT ...]
 * Each ROOT is a checkout (default: this one; e.g. an unpacked `git archive` of an older commit,
 * with node_modules), measured in turn in this one run. Where the checkout writes on its own
 * thread, "calling thread" is what the serving thread spends (packing the slice and posting it)
 * and "until committed" is the wall time to the commit; in-thread both are the same.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SLICE = 256;
const SLICES = 200;
const roots = process.argv.slice(2);
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

const table: Record<string, Record<string, string>> = {};
for (const root of roots) {
  const r = await measure(root);
  for (const [stage, us] of Object.entries(r)) {
    table[stage] ??= {};
    (table[stage] as Record<string, string>)[root] = us.toFixed(2);
  }
}
console.table(table);
