/**
 * `mlservice train`: fit an MLP on a data file offline and report how well and how fast it did.
 * The file is read by the service's reader (CSV, gzip, NDJSON, Parquet) and encoded by the
 * service's feature spec (features.ts: numbers standardised, a missing flag where any is missing, categories,
 * text, dates; IDs and constants left out), so what is trained here is what the server would
 * train. The metric is accuracy (classification) or R² (regression) on --test, else on the
 * early-stopping validation split, else on the training rows.
 */

import type { Backend } from "../compute/backend";
import { type ComputeSetting, computeOptions, type PickOptions, pickBackend } from "../compute/pick";
import { type Config, ConfigError, loadConfig } from "../config";
import type { CompactColumn, Float32Column, NumberColumn } from "../datasets/reader";
import { ServiceError } from "../errors";
import { encodeColumns, encodeInPlace, FeatureError, type FeatureSpec, inferSpecOf, isMissing } from "../ml/features";
import { accuracy, r2Score } from "../ml/metrics";
import { type MlpOptions, type Progress, predict, predictLabels, TrainingError, trainMlp } from "../ml/mlp";
import { type Label, MIN_EARLY_STOPPING_ROWS, type MlpModel, resolveOptions, type Task } from "../ml/model";
import { cellsOfNumeric, isNumericCells, type NumericCells } from "../ml/numeric-cells";
import { planFit } from "../ml/plan";
import { cellsAt, DataFileError, readTrainingFile } from "./data-file";
import { EXIT, type Io, parseArgs } from "./io";

export type BackendChoice = ComputeSetting;
const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "cpu", "cpu-native", "cpu-wasm"];

/** What the command needs from the outside, replaceable in tests. */
export interface TrainDeps {
  /** pickBackend, or a fake in tests; workSize is planFit's training FLOPs (≈ 6 · rows · weights · epochs) */
  openBackend(opts: PickOptions): Promise<{ backend: Backend; reason: string }>;
}

const VALUES = [
  "csv",
  "register",
  "test",
  "target",
  "task",
  "hidden",
  "epochs",
  "batch",
  "lr",
  "alpha",
  "seed",
  "backend",
] as const;
const FLAGS = ["no-early-stopping", "json", "help"] as const;

export function usage(): string {
  return `Usage: mlservice train --csv TRAIN --target COL [options]

Train an MLP on a data file and report the metric and speed. The file is CSV (any of , ; tab |,
optionally gzip-compressed), NDJSON or Parquet; columns are typed as the server types them.

Options:
  --csv PATH             training data (CSV, CSV.gz, NDJSON or Parquet)
  --test PATH            held-out data with the same columns (metric is computed on it)
  --target COL           the column to predict
  --task T               classification | regression (default: classification when the target is
                         text or has at most 20 distinct integers, else regression)
  --hidden SIZES         hidden layer sizes, comma separated (default: the service's choice from
                         the row count, 128,64 under 10,000 rows)
  --epochs N             maximum epochs (default 200)
  --batch N              rows per step (default min(200, rows))
  --lr X                 Adam learning rate (default 0.001)
  --alpha X              L2 penalty (default 0.0001)
  --seed N               random seed (default 0)
  --backend B            auto | webgpu | cpu | cpu-native | cpu-wasm (default: ML_COMPUTE, else auto)
  --no-early-stopping    run all epochs (stop on the training-loss rule only)
  --register KEY         store the model as the next version of model KEY in the registry
                         (ML_DB_PATH, ML_ARTIFACTS_ROOT) and make it active: \`serve\` then serves it
  --json                 print one JSON line: backend, train_s, rows_per_s_train, epochs,
                         metric_name, metric, predict_s

Examples:
  mlservice train --csv data/iris_train.csv --test data/iris_test.csv --target species
  mlservice train --csv digits_train.csv --target label --hidden 128,64 --epochs 100 --no-early-stopping --json
  mlservice train --csv houses.csv --target price --task regression --backend cpu
  mlservice train --csv churn.parquet --target churned --register churn`;
}

class UsageError extends Error {}

export async function run(args: string[], io: Io, deps: TrainDeps = defaultDeps): Promise<number> {
  const parsed = parseArgs(args, { values: VALUES, flags: FLAGS });
  if (parsed.flags.has("help")) {
    io.out(usage());
    return EXIT.ok;
  }
  let backend: Backend | undefined;
  try {
    if (parsed.unknown.length > 0) throw new UsageError(parsed.unknown.join("; "));
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
    const opts = readOptions(parsed.values, parsed.flags);
    const config = loadConfig(io.env);
    const train = await loadData(io, config, opts.csv, opts.target, undefined, opts.register !== undefined);
    // the file's columns are spent: collect them now rather than under the fit's allocations
    Bun.gc(true);
    const task = opts.task ?? guessTask(train.labels);
    const test = opts.test ? await loadData(io, config, opts.test, opts.target, train.spec) : undefined;
    const y = task === "classification" ? asLabels(train.labels) : asNumbers(train.labels, opts.csv);
    const cols = train.spec.width;
    const x = train.x;
    const rows = train.labels.length;
    if (!opts.json) {
      for (const e of train.spec.excluded ?? [])
        io.err(
          `left out "${e.name}": ${e.reason === "id" ? "a different value on every row (an ID)" : "a single value"}`,
        );
      if (train.unlabelled > 0) io.err(`${train.unlabelled} rows have no ${opts.target} and are not trained on`);
    }
    const outputs = task === "classification" ? new Set(y).size : 1;
    // the architecture and the work as the service plans them (src/ml/plan.ts); every row of --csv
    // is fit (the metric is on --test), early stopping holding out its own validation share
    const defaults = resolveOptions({ task });
    const plan = planFit({
      modelType: "mlp",
      labelledRows: rows,
      validationSplit: 0,
      trainRows: rows,
      inputWidth: cols,
      outputs,
      hidden: opts.hidden,
      maxIter: opts.epochs ?? defaults.maxIter,
      earlyStopping: !opts.noEarlyStopping,
      validationFraction: defaults.validationFraction,
      nIterNoChange: defaults.nIterNoChange,
    });
    // --backend wins over ML_COMPUTE; the adapter, thread count and ISA come from the config only.
    const picked = await deps.openBackend({
      ...computeOptions(config),
      compute: opts.backend ?? config.ML_COMPUTE,
      workSize: plan.flops,
    });
    backend = picked.backend;
    if (!opts.json) io.out(`backend: ${backend.info.device} (${picked.reason})`);

    const bar = io.isTTY && !opts.json ? progressBar(io, opts.epochs ?? defaults.maxIter) : undefined;
    const mlp: MlpOptions = {
      task,
      earlyStopping: plan.earlyStopping,
      hidden: plan.hidden,
      ...(opts.epochs && { maxIter: opts.epochs }),
      ...(opts.batch && { batchSize: opts.batch }),
      ...(opts.lr !== undefined && { learningRate: opts.lr }),
      ...(opts.alpha !== undefined && { alpha: opts.alpha }),
      ...(opts.seed !== undefined && { seed: opts.seed }),
      ...(bar && { onProgress: bar }),
    };
    if (!opts.noEarlyStopping && !mlp.earlyStopping && !opts.json) {
      const share = Math.round(defaults.validationFraction * 100);
      io.err(
        `early stopping off: a ${share}% validation split of ${rows} rows is under ${MIN_EARLY_STOPPING_ROWS} rows`,
      );
    }
    const t0 = performance.now();
    const model = await trainMlp(backend, { x, rows, cols, y }, mlp);
    const trainS = (performance.now() - t0) / 1000;
    if (bar) io.write("\n");
    // the fit's garbage, before the metric's pass over the rows allocates its own
    Bun.gc(true);
    // Rows seen per epoch: the validation split is held out of training.
    const trainedRows = mlp.earlyStopping ? rows - Math.ceil(defaults.validationFraction * rows) : rows;

    const metricName = task === "classification" ? "accuracy" : "r2";
    let metric: number;
    let predictS = 0;
    const evalSet = test ?? (mlp.earlyStopping ? undefined : { x: train.x, labels: train.labels });
    if (evalSet) {
      const p0 = performance.now();
      const out = await predictInSlices(backend, model, evalSet.x);
      predictS = (performance.now() - p0) / 1000;
      metric =
        task === "classification"
          ? accuracy(asLabels(evalSet.labels), predictLabels(model, out))
          : r2Score(asNumbers(evalSet.labels, opts.test ?? opts.csv), out);
    } else metric = model.bestValidationScore as number;

    const metricOn = test ? "test" : evalSet ? "train" : "validation";
    let registered: string | undefined;
    if (opts.register) {
      registered = await register(io, opts.register, {
        train,
        model,
        task,
        target: opts.target,
        hidden: plan.hidden,
        outputs: await predictInSlices(backend, model, x),
        metrics: { [metricName]: metric, metric_on: metricOn, epochs: model.nIter },
        backend: `${backend.info.kind}: ${backend.info.device}`,
        trainingTimeS: trainS,
      });
    }
    if (opts.json) {
      io.out(
        JSON.stringify({
          backend: backend.info.kind,
          train_s: round(trainS),
          rows_per_s_train: Math.round((trainedRows * model.nIter) / trainS),
          epochs: model.nIter,
          metric_name: metricName,
          metric: round(metric),
          predict_s: round(predictS),
          ...(registered && { model_key: opts.register, version: registered }),
        }),
      );
    } else {
      io.out(
        `trained ${task} on ${rows} rows × ${train.spec.features.length} features (${cols} inputs) in ${trainS.toFixed(2)} s (${model.nIter} epochs)`,
      );
      io.out(`${metricName} on ${metricOn}: ${metric.toFixed(4)}`);
      io.out(`loss: ${(model.lossCurve.at(-1) as number).toFixed(5)}`);
      if (registered) io.out(`registered ${opts.register} version ${registered} (active)`);
    }
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`train: ${e.message}`);
      return EXIT.config;
    }
    if (e instanceof UsageError) {
      io.err(`train: ${e.message} (see mlservice train --help)`);
      return EXIT.usage;
    }
    if (e instanceof DataFileError || e instanceof TrainingError || e instanceof DataError) {
      io.err(`train: ${e.message}`);
      return EXIT.failure;
    }
    io.err(`train: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  } finally {
    backend?.dispose();
  }
}

class DataError extends Error {}

interface Options {
  csv: string;
  register?: string;
  target: string;
  test?: string;
  task?: Task;
  hidden?: number[];
  epochs?: number;
  batch?: number;
  lr?: number;
  alpha?: number;
  seed?: number;
  backend?: BackendChoice;
  noEarlyStopping: boolean;
  json: boolean;
}

function readOptions(v: Record<string, string>, flags: Set<string>): Options {
  if (!v.csv) throw new UsageError("--csv is required");
  if (!v.target) throw new UsageError("--target is required");
  const int = (name: string) => {
    const s = v[name];
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--${name} must be a positive integer, got "${s}"`);
    return Number(s);
  };
  const num = (name: string, min: number) => {
    const s = v[name];
    if (s === undefined) return undefined;
    const n = Number(s);
    if (s.trim() === "" || !Number.isFinite(n) || n < min)
      throw new UsageError(`--${name} must be a number ≥ ${min}, got "${s}"`);
    return n;
  };
  if (v.task !== undefined && v.task !== "classification" && v.task !== "regression")
    throw new UsageError(`--task must be classification or regression, got "${v.task}"`);
  const backend = v.backend;
  if (backend !== undefined && !BACKEND_CHOICES.includes(backend as BackendChoice))
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(", ")}, got "${backend}"`);
  let hidden: number[] | undefined;
  if (v.hidden !== undefined) {
    hidden = v.hidden.split(",").map((h) => (/^\d+$/.test(h.trim()) ? Number(h) : Number.NaN));
    if (!hidden.every((h) => h >= 1))
      throw new UsageError(`--hidden must be positive integers separated by commas, got "${v.hidden}"`);
  }
  const seed = v.seed === undefined ? undefined : /^\d+$/.test(v.seed) ? Number(v.seed) : Number.NaN;
  if (Number.isNaN(seed)) throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
  return {
    csv: v.csv,
    target: v.target,
    ...(v.register !== undefined && { register: v.register }),
    ...(v.test !== undefined && { test: v.test }),
    ...(v.task !== undefined && { task: v.task as Task }),
    ...(hidden && { hidden }),
    ...(int("epochs") !== undefined && { epochs: int("epochs") }),
    ...(int("batch") !== undefined && { batch: int("batch") }),
    ...(num("lr", Number.MIN_VALUE) !== undefined && { lr: num("lr", Number.MIN_VALUE) }),
    ...(num("alpha", 0) !== undefined && { alpha: num("alpha", 0) }),
    ...(seed !== undefined && { seed }),
    ...(backend && { backend: backend as BackendChoice }),
    noEarlyStopping: flags.has("no-early-stopping"),
    json: flags.has("json"),
  };
}

/**
 * One data file as the network's inputs: the rows that have a target, encoded by `spec` (the
 * training file's, for --test) or by a spec inferred from them, and their raw labels. Numeric
 * columns are read as float32, row-major in one block, wherever every value restores to its
 * float64 (readTrainingFile); when every feature is such a column the matrix is written over that
 * block (encodeInPlace), else the columns go into a new matrix one at a time, each dropped once
 * encoded. Either way the file's numbers and the matrix are not all held at once; `keepRows`
 * keeps the columns for --register's drift baseline (rowsOf).
 */
async function loadData(io: Io, config: Config, path: string, target: string, given?: FeatureSpec, keepRows = false) {
  const table = await readTrainingFile(io.cwd, path, config);
  const all = Uint32Array.from({ length: table.rows }, (_, i) => i);
  const targetCells = cellsAt(table, target, all);
  if (!targetCells) throw new DataError(`${path}: no column named "${target}" (columns: ${names(table).join(", ")})`);
  const labelled = all.filter((i) => !isMissing(targetCells[i]));
  if (labelled.length === 0) throw new DataError(`${path}: no data rows with a ${target}`);
  const featureNames = names(table).filter((n) => n !== target);
  if (featureNames.length === 0) throw new DataError(`${path}: no feature columns besides ${target}`);
  const unlabelled = table.rows - labelled.length;
  // every row labelled (the usual case): the target's cells are the labels, with no second array
  const labels = (unlabelled === 0 ? targetCells : Array.from(labelled, (i) => targetCells[i])) as (number | string)[];
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  table.columns = [];
  // the reader's buffers are spent: free them before the matrix is allocated beside the columns
  Bun.gc(true);
  const cache = new Map<string, (number | string | null)[] | undefined>();
  let zeros: Uint8Array | undefined;
  const complete = () => {
    zeros ??= new Uint8Array(labelled.length);
    return zeros;
  };
  const valuesOf = (name: string): (number | string | null)[] | NumericCells | undefined => {
    const c = columns.get(name);
    if (c?.type === "number" || c?.type === "float32") return numericCells(c, labelled, unlabelled === 0, complete);
    if (!cache.has(name)) cache.set(name, c && cellsAt({ ...table, columns: [c] }, name, labelled));
    return cache.get(name);
  };
  try {
    const spec = given ?? inferSpecOf(labelled.length, (n) => valuesOf(n) ?? [], featureNames);
    if (spec.features.length === 0)
      throw new DataError(`${path}: every feature column was left out (IDs or constants)`);
    // the matrix over the file's own row block where it can (not when --register needs the cells after)
    const inPlace = keepRows ? null : encodeInPlace(spec, labelled.length, valuesOf);
    const x =
      inPlace ??
      encodeColumns(spec, labelled.length, valuesOf, (name) => {
        if (!keepRows) columns.delete(name);
      });
    cache.clear();
    if (!keepRows) columns.clear();
    const rowsOf = () => {
      const cells = spec.features.map((f) => {
        const c = valuesOf(f.name);
        return isNumericCells(c) ? cellsOfNumeric(c) : c;
      });
      return Array.from(labelled, (_, k) =>
        Object.fromEntries(spec.features.map((f, j) => [f.name, cells[j]?.[k] ?? null])),
      );
    };
    return { spec, x, labels, unlabelled, rowsOf };
  } catch (e) {
    if (e instanceof FeatureError) throw new DataError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * A number column's cells at the labelled rows, as they are when every row is (a float32 column
 * then stays a view of the reader's row block); a column with no missing cell shares the
 * all-zero mask `complete` gives.
 */
function numericCells(
  c: NumberColumn | Float32Column,
  labelled: Uint32Array,
  whole: boolean,
  complete: () => Uint8Array,
): NumericCells {
  const mask = c.missing;
  const missing = !mask ? complete() : whole ? mask : Uint8Array.from(labelled, (i) => mask[i] as number);
  if (c.type === "number") {
    return { values: whole ? c.values : Float64Array.from(labelled, (i) => c.values[i] as number), missing };
  }
  const scale = c.scale === undefined ? {} : { scale: c.scale };
  if (whole) return { values: c.values, stride: c.stride, offset: c.offset, missing, ...scale };
  const { values, stride, offset } = c;
  return { values: Float32Array.from(labelled, (i) => values[offset + i * stride] as number), missing, ...scale };
}

/** rows per predict() call for the metric: its activations (~1.7 MB at 256,128) for a slice, not for 16k rows */
const METRIC_SLICE_ROWS = 1024;
/** slices between collections: each call's garbage (weights uploaded, outputs read) would otherwise pile up to ~7 MB */
const SLICES_PER_GC = 32;

/** predict() over all rows of `x`, a slice at a time, so its working memory stays small. */
async function predictInSlices(backend: Backend, model: MlpModel, x: Float32Array): Promise<Float32Array> {
  const rows = x.length / model.nFeatures;
  const out = new Float32Array(rows * model.nOutputs);
  for (let start = 0; start < rows; start += METRIC_SLICE_ROWS) {
    const end = Math.min(rows, start + METRIC_SLICE_ROWS);
    const part = await predict(backend, model, x.subarray(start * model.nFeatures, end * model.nFeatures));
    out.set(part, start * model.nOutputs);
    if ((start / METRIC_SLICE_ROWS) % SLICES_PER_GC === SLICES_PER_GC - 1) Bun.gc(true);
  }
  return out;
}

const names = (t: { columns: CompactColumn[] }) => t.columns.map((c) => c.name);

/** --register: the fitted model into the registry of the configured store, as the train job would. */
async function register(
  io: Io,
  modelKey: string,
  r: {
    train: Awaited<ReturnType<typeof loadData>>;
    model: MlpModel;
    task: Task;
    target: string;
    hidden: number[];
    outputs: Float32Array;
    metrics: Record<string, unknown>;
    backend: string;
    trainingTimeS: number;
  },
): Promise<string> {
  // loaded here, not at the top: the registry's modules add ~2 MB to every plain train's peak RSS
  const { configFromEnvironment, openStore } = await import("../service");
  const { registerOfflineModel } = await import("../jobs/register-offline");
  const config = configFromEnvironment(io.env, io.cwd);
  const store = await openStore(config);
  try {
    return await registerOfflineModel(
      { db: store.db, config, now: () => new Date() },
      {
        modelKey,
        spec: r.train.spec,
        target: { field: r.target, task: r.task },
        model: r.model,
        hidden: r.hidden,
        fitRows: r.train.rowsOf(),
        outputs: r.outputs,
        metrics: r.metrics,
        backend: r.backend,
        trainingTimeS: r.trainingTimeS,
      },
    );
  } catch (e) {
    if (e instanceof ServiceError) throw new DataError(`--register ${modelKey}: ${e.message}`);
    throw e;
  } finally {
    await store.close();
  }
}

const isNumeric = (s: string | number) =>
  typeof s === "number" ? Number.isFinite(s) : s.trim() !== "" && Number.isFinite(Number(s));

/** Numeric labels become numbers so that classes sort 2 before 10. */
function asLabels(raw: (string | number)[]): Label[] {
  return raw.every(isNumeric) ? raw.map(Number) : raw;
}

function asNumbers(raw: (string | number)[], path: string): number[] {
  const bad = raw.findIndex((s) => !isNumeric(s));
  if (bad >= 0) throw new DataError(`${path}: row ${bad + 1}: regression target "${raw[bad]}" is not a number`);
  return raw.map(Number);
}

function guessTask(raw: (string | number)[]): Task {
  if (!raw.every(isNumeric)) return "classification";
  const values = new Set(raw.map(Number));
  return values.size <= 20 && [...values].every(Number.isInteger) ? "classification" : "regression";
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function progressBar(io: Io, epochs: number): (p: Progress) => void {
  const width = 30;
  return (p) => {
    const done = Math.round((width * p.epoch) / epochs);
    const val = p.validationScore === null ? "" : `  val ${p.validationScore.toFixed(4)}`;
    io.write(
      `\r[${"#".repeat(done)}${" ".repeat(width - done)}] ${p.epoch}/${epochs}  loss ${p.loss.toFixed(4)}${val}`,
    );
  };
}

const defaultDeps: TrainDeps = { openBackend: pickBackend };
