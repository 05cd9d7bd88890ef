import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { migrate } from "../../src/db/migrator";
import { sqliteStores } from "../../src/db/sqlite/stores";
import { createLogger } from "../../src/log";
import type { FeatureSpec } from "../../src/ml/features";
import { Random } from "../../src/ml/random";
import { buildBaseline } from "../../src/monitoring/baseline";
import { type DecodedColumn, decodeBatch, encodeBatch } from "../../src/monitoring/columns";
import { createDriftAccumulator, type DriftReport } from "../../src/monitoring/drift";
import { PredictionLog } from "../../src/monitoring/prediction-log";
import { driftColumns } from "../../src/monitoring/reference";
import { type LogWindow, loggedColumns, loggedInputs } from "../../src/monitoring/window";

const values = (cols: Map<string, DecodedColumn>, name: string) => Array.from(cols.get(name)?.values ?? []);

describe("monitoring/columns codec", () => {
  test("picks the narrowest lossless kind per column and round-trips every value", () => {
    const fn = () => 1;
    const rows = [
      { i: 1, d: 0.1, b: true, s: "x", m: 1, n: null, u: undefined, f: fn },
      { i: -2.5, d: Number.POSITIVE_INFINITY, b: null, s: 3, m: "2" },
      { d: null, b: false, s: { deep: [1] }, m: true },
    ];
    const enc = encodeBatch(rows);
    expect(enc.row_count).toBe(3);
    // u and f are dropped as JSON drops them; n (null only) is a present, all-missing column
    expect(JSON.parse(enc.columns)).toEqual([
      { name: "i", kind: "f32" },
      { name: "d", kind: "f64" },
      { name: "b", kind: "bool" },
      { name: "s", kind: "json" },
      { name: "m", kind: "json" },
      { name: "n", kind: "f32" },
    ]);
    const dec = decodeBatch(enc.row_count, enc.columns, enc.data);
    expect(values(dec, "i")).toEqual([1, -2.5, Number.NaN]);
    expect(values(dec, "d")).toEqual([0.1, Number.NaN, Number.NaN]);
    expect(values(dec, "b")).toEqual([1, 255, 0]);
    expect(dec.get("s")?.values).toEqual(["x", 3, { deep: [1] }]);
    expect(dec.get("m")?.values).toEqual([1, "2", true]);
    expect(values(dec, "n")).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  test("layout: sections start at multiples of 8 bytes, little-endian, json with a u32 length", () => {
    const enc = encodeBatch([{ a: 1, s: "é" }, { a: 2 }, { a: 3 }]);
    // a: 3 × f32 = 12 bytes, padded to 16; s: u32 length then '["é",null,null]' (16 bytes in UTF-8)
    expect(enc.data.length).toBe(16 + 4 + 16);
    const view = new DataView(enc.data.buffer);
    expect([view.getFloat32(0, true), view.getFloat32(4, true), view.getFloat32(8, true)]).toEqual([1, 2, 3]);
    expect(view.getUint32(16, true)).toBe(16);
    expect(new TextDecoder().decode(enc.data.subarray(20))).toBe('["é",null,null]');
  });

  test("a blob at an unaligned offset is copied, a truncated one refused", () => {
    const enc = encodeBatch([{ a: 0.1 }, { a: 0.2 }]);
    const shifted = new Uint8Array(enc.data.length + 1).subarray(1);
    shifted.set(enc.data);
    expect(values(decodeBatch(2, enc.columns, shifted), "a")).toEqual([0.1, 0.2]);
    expect(() => decodeBatch(2, enc.columns, enc.data.subarray(0, 10))).toThrow(/truncated/);
  });
});

const spec: FeatureSpec = {
  version: 1,
  width: 0,
  features: [
    { name: "a", kind: "numeric", count: 0, missing: 0, mean: 0, std: 1 },
    { name: "k", kind: "numeric", count: 0, missing: 0, mean: 0, std: 1 },
    { name: "flag", kind: "boolean", count: 0, missing: 0, rate: 0.5 },
    { name: "city", kind: "categorical", count: 0, missing: 0, categories: ["paris", "lyon", "7"] },
    { name: "note", kind: "text", count: 0, missing: 0, dims: 8 },
    { name: "gone", kind: "numeric", count: 0, missing: 0, mean: 0, std: 1 },
  ],
};

class Custom {
  a = 0.25;
  city = "lyon";
}

/** Awkward traffic: mixed types per key, missing and absent values, non-object inputs. */
function trafficRow(rng: Random, i: number): unknown {
  const u = rng.nextFloat();
  if (i % 97 === 5) return [1, 2];
  if (i % 89 === 3) return null;
  if (i % 83 === 7) return new Custom();
  const row: Record<string, unknown> = {};
  if (u > 0.05) row.a = u < 0.1 ? null : u < 0.12 ? "0.75" : u < 0.13 ? Number.NaN : rng.nextFloat() * 3 - 1;
  row.k = Math.floor(rng.nextFloat() * 20) - 5;
  row.flag = u < 0.5 ? rng.nextFloat() > 0.3 : u < 0.52 ? "yes" : u < 0.53 ? 1 : null;
  if (u > 0.02) row.city = u < 0.04 ? 7 : u < 0.06 ? "" : ["paris", "lyon", "nice", "rome"][Math.floor(u * 40) % 4];
  row.note = u < 0.03 ? 12345 : "x".repeat(Math.floor(rng.nextFloat() * 30));
  row.extra = { nested: [u] };
  return row;
}

function setup() {
  const sqlite = new Database(":memory:");
  migrate(sqlite);
  const rng = new Random(3);
  const n = 5000;
  const num = (f: () => number) => Float64Array.from({ length: n }, f);
  const baseline = buildBaseline(
    {
      numeric: {
        a: num(() => rng.nextFloat() * 2 - 1),
        k: num(() => Math.floor(rng.nextFloat() * 20)),
        flag: num(() => (rng.nextFloat() > 0.5 ? 1 : 0)),
        note: num(() => Math.floor(rng.nextFloat() * 25)),
        gone: num(() => rng.nextFloat()),
      },
      categorical: { city: Array.from({ length: n }, (_, i) => ["paris", "lyon", "7"][i % 3] as string) },
    },
    { bins: 10 },
  );
  return { sqlite, baseline };
}

/** Through the columnar path, with batches joined into chunks of ~500 rows and of the default size. */
async function columnarReport(sqlite: Database, baseline: ReturnType<typeof setup>["baseline"], w: LogWindow) {
  const reports: DriftReport[] = [];
  for (const chunkRows of [500, undefined]) {
    const acc = createDriftAccumulator(baseline, { minRows: 50 });
    for await (const c of loggedColumns(sqliteStores(sqlite).driftWindow, w, spec, {
      pageRows: 300,
      pageBatches: 3,
      chunkRows,
    }))
      acc.add(c);
    reports.push(acc.finish());
  }
  expect(reports[0]).toEqual(reports[1] as DriftReport);
  return reports[0] as DriftReport;
}

/** The drift check as it read the log before prediction_batches: JSON rows, parsed. */
async function jsonReport(sqlite: Database, baseline: ReturnType<typeof setup>["baseline"], w: LogWindow) {
  const acc = createDriftAccumulator(baseline, { minRows: 50 });
  for await (const rows of loggedInputs(sqliteStores(sqlite).driftWindow, w, 10_000)) acc.add(driftColumns(spec, rows));
  return acc.finish();
}

describe("monitoring/columns: the drift check from prediction_batches", () => {
  const t0 = Date.parse("2025-03-01T00:00:00.000Z");
  const iso = (ms: number) => new Date(t0 + ms).toISOString();

  async function logged(o: { legacyRows?: number; legacyAt?: number } = {}) {
    const { sqlite, baseline } = setup();
    const rng = new Random(9);
    // rows logged before migration 0005: in predictions only, no batch
    const legacy = sqlite.query(
      "INSERT INTO predictions (model_key, version, created_at, input, prediction) VALUES ('m', '1', ?, ?, '\"a\"')",
    );
    for (let i = 0; i < (o.legacyRows ?? 0); i++)
      legacy.run(iso((o.legacyAt ?? 0) + i), JSON.stringify(trafficRow(rng, i)));
    let clock = 10_000;
    const log = new PredictionLog(
      sqliteStores(sqlite).predictionLog,
      createLogger("error", () => {}),
      {
        batch: Number.MAX_SAFE_INTEGER,
        flushMs: 3_600_000,
        now: () => new Date(t0 + clock),
      },
    );
    const versions = [
      ["m", "1"],
      ["m", "2"],
      ["other", "1"],
    ] as const;
    for (let i = 0; i < 4000; i++) {
      const [model_key, version] = versions[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0] as (typeof versions)[number];
      await log.add({
        model_key,
        version,
        input: trafficRow(rng, i),
        prediction: "a",
        confidence: null,
        latency_ms: 1,
      });
      // several entries share a millisecond, so batches share created_to across keyset pages
      if (i % 3 === 0) clock += 1;
      if (i % 37 === 36) await log.flush();
    }
    await log.stop();
    return { sqlite, baseline };
  }

  const expectSame = (a: DriftReport, b: DriftReport) => {
    expect(a.rows).toBeGreaterThan(0);
    expect(a).toEqual(b);
  };

  test("the report equals the one from the JSON rows: every statistic and sample size", async () => {
    const { sqlite, baseline } = await logged();
    const batches = sqlite.query("SELECT COUNT(*) AS n FROM prediction_batches").get() as { n: number };
    expect(batches.n).toBeGreaterThan(100);
    for (const version of ["1", "2"]) {
      const w = { modelKey: "m", version, start: iso(0), end: iso(100_000) };
      const columnar = await columnarReport(sqlite, baseline, w);
      expectSame(columnar, await jsonReport(sqlite, baseline, w));
      const f = columnar.features.find((x) => x.feature === "gone");
      expect(f?.reasons).toContain("missing from current data");
    }
  });

  test("window edges through the middle of batches: rows filtered one by one, as before", async () => {
    const { sqlite, baseline } = await logged();
    for (const [start, end] of [
      [10_100, 11_000],
      [10_333, 10_334],
      [10_050, 10_950],
    ] as const) {
      const w = { modelKey: "m", version: "1", start: iso(start), end: iso(end) };
      expectSame(await columnarReport(sqlite, baseline, w), await jsonReport(sqlite, baseline, w));
    }
  });

  test("rows logged before the migration (no batch) are still counted, once", async () => {
    const { sqlite, baseline } = await logged({ legacyRows: 700, legacyAt: 5_000 });
    const w = { modelKey: "m", version: "1", start: iso(0), end: iso(100_000) };
    const columnar = await columnarReport(sqlite, baseline, w);
    expectSame(columnar, await jsonReport(sqlite, baseline, w));
    const late = { ...w, start: iso(9_000) }; // the legacy rows are older than this window
    expectSame(await columnarReport(sqlite, baseline, late), await jsonReport(sqlite, baseline, late));
    expect(columnar.rows).toBeGreaterThan((await columnarReport(sqlite, baseline, late)).rows);
  });

  test("a flush writes its batches in the same transaction as the rows", async () => {
    const { sqlite } = await logged();
    const sum = sqlite
      .query("SELECT SUM(last_prediction_id - first_prediction_id + 1) AS span, COUNT(*) AS n FROM prediction_batches")
      .get() as { span: number; n: number };
    expect(sum.n).toBeGreaterThan(0);
    const log = new PredictionLog(
      sqliteStores(sqlite).predictionLog,
      createLogger("error", () => {}),
      { flushMs: 3_600_000 },
    );
    sqlite.exec("CREATE TRIGGER fail BEFORE INSERT ON prediction_batches BEGIN SELECT RAISE(ABORT, 'no'); END");
    const before = (sqlite.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n;
    await log.add({ model_key: "m", version: "1", input: { a: 1 }, prediction: 1, confidence: null, latency_ms: 1 });
    await log.flush();
    expect((sqlite.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n).toBe(before);
    expect(log.pending).toBe(1);
    sqlite.exec("DROP TRIGGER fail");
    await log.stop();
    expect((sqlite.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n).toBe(before + 1);
  });
});
