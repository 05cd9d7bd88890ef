/**
 * The drift check THROUGH THE DATABASE, as `serve` and `mlservice drift-check` run it:
 * 1,000,000 logged predictions × 32 numeric features (JSON inputs in the predictions table,
 * as the prediction log writes them) against a baseline of 100,000 training rows, streamed in
 * keyset pages of 10,000 rows by runDriftCheck. Filling the table is not timed. Reported:
 *   check_s          runDriftCheck wall time (read + JSON.parse + columns + statistics + saving)
 *   read_parse_s     the same pages read and JSON-parsed, nothing else
 *   columns_s        read + parse + building the feature columns
 *   statistics_s     check_s − columns_s: what the accumulator itself costs
 *   peak_rss_mb      highest RSS sampled every 20 ms during the check
 * The machine is shared, so figures are noisy: the best of --runs is reported.
 *
 *   ./node_modules/.bin/bun bench/drift-db.ts [--rows 1000000] [--features 32] [--runs 2] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config";
import { createKysely, enableWal, openSqlite } from "../src/db/database";
import { migrate } from "../src/db/migrator";
import type { FeatureSpec } from "../src/ml/features";
import { Random } from "../src/ml/random";
import { buildBaseline } from "../src/monitoring/baseline";
import { runDriftCheck } from "../src/monitoring/check";
import { driftColumns } from "../src/monitoring/reference";
import { loggedInputs } from "../src/monitoring/window";
import { writeArtifact } from "../src/registry/artifact";
import { ModelCache } from "../src/registry/serving";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg("--rows", 1_000_000);
const FEATURES = arg("--features", 32);
const BASELINE_ROWS = arg("--baseline-rows", 100_000);
const RUNS = arg("--runs", 2);
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
  const artifact = writeArtifact(config.ML_ARTIFACTS_ROOT, {
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
  const insert = sqlite.query(
    "INSERT INTO predictions (model_key, version, created_at, input, prediction, confidence) VALUES ('bench', '1.0.0', ?, ?, '\"a\"', 0.9)",
  );
  const start = now.getTime() - 3_600_000;
  const row: Record<string, number> = {};
  sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      // 6 significant digits, about what a client sends
      for (let f = 0; f < FEATURES; f++)
        row[names[f] as string] = Number((mean(f) + shift(f) + sd(f) * normal(rng)).toPrecision(6));
      insert.run(new Date(start + Math.floor((i * 3_000_000) / ROWS)).toISOString(), JSON.stringify(row));
    }
  })();
  const fillS = (performance.now() - fillStarted) / 1000;
  const bytes = (sqlite.query("SELECT SUM(LENGTH(input)) AS n FROM predictions").get() as { n: number }).n;

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
  const readParse = await best(async () => {
    for await (const _ of loggedInputs(sqlite, window)) {
    }
  });
  const columns = await best(async () => {
    for await (const rows of loggedInputs(sqlite, window)) driftColumns(spec, rows);
  });
  const models = new ModelCache(db, config.ML_ARTIFACTS_ROOT);
  // the window ends "now": the check's clock is the fill's reference time plus a minute
  const deps = { db, sqlite, config, models, now: () => new Date(now.getTime() + 60_000) };
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
    fill_s: round(fillS),
    check_s: round(check),
    read_parse_s: round(readParse),
    columns_s: round(columns),
    statistics_s: round(check - columns),
    rows_per_s: Math.round(ROWS / check),
    rss_before_mb: Math.round(rssBefore),
    peak_rss_mb: Math.round(peak),
    checked_rows: r.rows,
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
