/**
 * The drift check THROUGH THE DATABASE, as `serve` and `mlservice drift-check` run it:
 * 1,000,000 predictions × 32 numeric features logged through the real PredictionLog (per-row
 * JSON in `predictions` plus the columnar prediction_batches, one flush per 1,000 rows)
 * against a baseline of 100,000 training rows. Filling the tables is not timed. Reported:
 *   check_s          runDriftCheck wall time (read + decode + statistics + saving)
 *   read_decode_s    the window's batches read and decoded into drift columns, nothing else
 *   statistics_s     check_s − read_decode_s: what the accumulator itself costs
 *   peak_rss_mb      highest RSS sampled every 20 ms during the check
 * With --compare-json also the old path over the JSON rows (json_read_parse_s, json_columns_s,
 * json_check_s) and whether its report equals the columnar one (same_report).
 * The machine is shared, so figures are noisy: the best of --runs is reported.
 *
 *   ./node_modules/.bin/bun bench/drift-db.ts [--rows 1000000] [--features 32] [--runs 2] [--compare-json] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config";
import { createKysely, enableWal, openSqlite } from "../src/db/database";
import { migrate } from "../src/db/migrator";
import { sqliteStores } from "../src/db/sqlite/stores";
import type { FeatureSpec } from "../src/ml/features";
import { Random } from "../src/ml/random";
import { buildBaseline } from "../src/monitoring/baseline";
import { runDriftCheck } from "../src/monitoring/check";
import { createDriftAccumulator } from "../src/monitoring/drift";
import { PredictionLog } from "../src/monitoring/prediction-log";
import { driftColumns } from "../src/monitoring/reference";
import { driftOptionsFor, modelSettings } from "../src/monitoring/settings";
import { loggedColumns, loggedInputs } from "../src/monitoring/window";
import { writeArtifact } from "../src/registry/artifact";
import { ModelCache } from "../src/registry/serving";
import { artifactStore } from "../src/storage/open";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg("--rows", 1_000_000);
const FEATURES = arg("--features", 32);
const BASELINE_ROWS = arg("--baseline-rows", 100_000);
const RUNS = arg("--runs", 2);
const COMPARE = process.argv.includes("--compare-json");
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

// feature f ~ N(f/8, 1 + f/32) at training; every 4th shifted by 0.05 sd in the traffic (as bench/drift.ts)
const mean = (f: number) => f / 8;
const sd = (f: number) => 1 + f / 32;
const shift = (f: number) => (f % 4 === 0 ? 0.05 * sd(f) : 0);
function normal(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
}

const dir = mkdtempSync(join(tmpdir(), "mls-drift-db-"));
const config = loadConfig({ ML_DB_PATH: join(dir, "store.db"), ML_ARTIFACTS_ROOT: join(dir, "artifacts") });
const sqlite = openSqlite(config.ML_DB_PATH);
migrate(sqlite);
enableWal(sqlite);
const db = createKysely(sqlite);
const stores = sqliteStores(sqlite);
const names = Array.from({ length: FEATURES }, (_, f) => `x${f}`);

try {
  const rng = new Random(1);
  const train: Record<string, Float64Array> = {};
  for (let f = 0; f < FEATURES; f++) {
    const col = new Float64Array(BASELINE_ROWS);
    for (let i = 0; i < BASELINE_ROWS; i++) col[i] = mean(f) + sd(f) * normal(rng);
    train[names[f] as string] = col;
  }
  const baseline = buildBaseline({ numeric: train }, { bins: config.ML_DRIFT_BINS });
  const spec: FeatureSpec = {
    version: 1,
    features: names.map((name, f) => ({
      name,
      kind: "numeric",
      count: BASELINE_ROWS,
      missing: 0,
      mean: mean(f),
      std: sd(f),
    })),
    width: 2 * FEATURES,
  };
  const now = new Date();
  let jsonReport: unknown = null;
  const artifact = await writeArtifact(artifactStore(config), {
    modelKey: "bench",
    version: "1.0.0",
    createdAt: now.toISOString(),
    spec,
    target: { field: "y", task: "classification" },
    model: {
      task: "classification",
      classes: ["a", "b"],
      activation: "relu",
      nFeatures: 2 * FEATURES,
      nOutputs: 2,
      layers: [{ rows: 2 * FEATURES, cols: 2, weights: new Float32Array(4 * FEATURES), bias: new Float32Array(2) }],
      nIter: 0,
      lossCurve: [],
    },
    baseline,
  });
  const at = now.toISOString();
  await db
    .insertInto("models")
    .values({
      model_key: "bench",
      task_type: "classification",
      target_field: "y",
      active_version: "1.0.0",
      created_by: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto("model_versions")
    .values({
      model_key: "bench",
      version: "1.0.0",
      status: "ready",
      job_id: null,
      dataset_id: null,
      feature_fields: JSON.stringify(names),
      hyperparameters: "{}",
      metrics: null,
      backend: null,
      train_rows: BASELINE_ROWS,
      training_time_s: null,
      artifact_file: artifact.file,
      artifact_sha256: artifact.sha256,
      error: null,
      created_by: null,
      created_at: at,
      completed_at: at,
    })
    .execute();

  const fillStarted = performance.now();
  const start = now.getTime() - 3_600_000;
  let loggedAt = start;
  const quiet = { error() {}, warn() {}, info() {}, debug() {} } as unknown as ConstructorParameters<
    typeof PredictionLog
  >[1];
  // flushed by hand every 1,000 rows, as the size trigger would; timers never fire in this loop
  const log = new PredictionLog(stores.predictionLog, quiet, {
    batch: Number.MAX_SAFE_INTEGER,
    flushMs: 3_600_000,
    now: () => new Date(loggedAt),
  });
  for (let i = 0; i < ROWS; i++) {
    // 6 significant digits, about what a client sends
    const row: Record<string, number> = {};
    for (let f = 0; f < FEATURES; f++)
      row[names[f] as string] = Number((mean(f) + shift(f) + sd(f) * normal(rng)).toPrecision(6));
    loggedAt = start + Math.floor((i * 3_000_000) / ROWS);
    await log.add({
      model_key: "bench",
      version: "1.0.0",
      input: row,
      prediction: "a",
      confidence: 0.9,
      latency_ms: 1,
    });
    if (log.pending >= 1000) await log.flush();
  }
  await log.stop();
  const fillS = (performance.now() - fillStarted) / 1000;
  const bytes = (sqlite.query("SELECT SUM(LENGTH(input)) AS n FROM predictions").get() as { n: number }).n;
  const batchBytes = (sqlite.query("SELECT SUM(LENGTH(data)) AS n FROM prediction_batches").get() as { n: number }).n;

  const window = {
    modelKey: "bench",
    version: "1.0.0",
    start: new Date(start - 1).toISOString(),
    end: new Date(now.getTime() + 1).toISOString(),
  };
  const timed = async (work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    return (performance.now() - t0) / 1000;
  };
  const best = async (work: () => Promise<unknown>) => {
    const all: number[] = [];
    for (let r = 0; r < RUNS; r++) all.push(await timed(work));
    return Math.min(...all);
  };
  const readDecode = await best(async () => {
    for await (const _ of loggedColumns(stores.driftWindow, window, spec)) {
    }
  });
  const json = COMPARE
    ? {
        readParse: await best(async () => {
          for await (const _ of loggedInputs(stores.driftWindow, window)) {
          }
        }),
        columns: await best(async () => {
          for await (const rows of loggedInputs(stores.driftWindow, window)) driftColumns(spec, rows);
        }),
        check: await best(async () => {
          const acc = createDriftAccumulator(baseline, driftOptionsFor(config, await modelSettings(db, "bench")));
          for await (const rows of loggedInputs(stores.driftWindow, window)) acc.add(driftColumns(spec, rows));
          jsonReport = acc.finish();
        }),
      }
    : null;
  const models = new ModelCache(db, artifactStore(config));
  // the window ends "now": the check's clock is the fill's reference time plus a minute
  const deps = { db, driftWindow: stores.driftWindow, config, models, now: () => new Date(now.getTime() + 60_000) };
  Bun.gc(true);
  const rssBefore = rssMb();
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, 20);
  let report: Awaited<ReturnType<typeof runDriftCheck>> | null = null;
  const check = await best(async () => {
    report = await runDriftCheck(deps, "bench");
  });
  clearInterval(sampler);
  peak = Math.max(peak, rssMb());
  const r = report as unknown as Awaited<ReturnType<typeof runDriftCheck>>;
  const figures = {
    rows: ROWS,
    features: FEATURES,
    baseline_rows: BASELINE_ROWS,
    logged_json_mb: Math.round(bytes / 2 ** 20),
    logged_columns_mb: Math.round(batchBytes / 2 ** 20),
    fill_s: round(fillS),
    check_s: round(check),
    read_decode_s: round(readDecode),
    statistics_s: round(check - readDecode),
    rows_per_s: Math.round(ROWS / check),
    rss_before_mb: Math.round(rssBefore),
    peak_rss_mb: Math.round(peak),
    checked_rows: r.rows,
    ...(json
      ? {
          json_read_parse_s: round(json.readParse),
          json_columns_s: round(json.columns),
          json_check_s: round(json.check),
          same_report: Bun.deepEquals(jsonReport, r.report),
        }
      : {}),
    drifted_features: r.drifted_features.length,
  };
  if (process.argv.includes("--json")) console.log(JSON.stringify(figures));
  else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(18)} ${v}`);
} finally {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}

function round(x: number) {
  return Math.round(x * 1000) / 1000;
}
