/**
 * `bun run bench [--json] [--allow-software] [--skip-sklearn] [--rounds N]`
 * (a) matmul GFLOP/s per backend, (b) training rows/s on two fixed configs (digits, and a synthetic
 * 100k × 32, 5-class set), (c) scikit-learn's MLPClassifier on the same data and settings when
 * /usr/bin/python3 has it, with the ratio ours/sklearn. A table by default; one JSON object with --json.
 * Numbers are wall-clock on a shared machine: compare runs from the same box only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/compute/backend";
import { createCpuBackend } from "../src/compute/cpu";
import { parseCsv } from "../src/ml/csv";
import { accuracy } from "../src/ml/metrics";
import { type MlpOptions, predict, predictLabels, trainMlp } from "../src/ml/mlp";
import type { Label } from "../src/ml/model";
import { predictHost } from "../src/ml/predict";
import { Random } from "../src/ml/random";
import { applyScaler, fitScaler } from "../src/ml/scale";

type Shape = [number, number, number];
const SHAPES: Shape[] = [
  [200, 64, 128],
  [200, 256, 128],
  [200, 32, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
];
const PYTHON = "/usr/bin/python3";
const DATA = join(import.meta.dir, "../../shared/data");

interface Dataset {
  name: string;
  train: { x: Float32Array; rows: number; cols: number; y: Label[] };
  test: { x: Float32Array; y: Label[] };
  /** how the sklearn script gets the same rows */
  files: string[];
}
interface Config {
  data: Dataset;
  hidden: number[];
  epochs: number;
  batch: number;
}

const args = new Set(process.argv.slice(2));
const json = args.has("--json");
const allowSoftware = args.has("--allow-software");
/** the value after `--name`, if given */
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const log = (line: string) => {
  if (!json) console.log(line);
};

/** The backends to measure: the CPU always; WebGPU when an adapter (hardware, or software if allowed) opens. */
async function openBackends(): Promise<{ name: string; open: () => Promise<Backend> }[]> {
  const list = [{ name: "cpu", open: () => createCpuBackend() }];
  try {
    const { createWebGpuBackend } = await import("../src/compute/webgpu");
    const probe = await createWebGpuBackend({ allowSoftware });
    probe.dispose();
    list.push({ name: "webgpu", open: () => createWebGpuBackend({ allowSoftware }) });
  } catch (e) {
    log(`webgpu: unavailable (${e instanceof Error ? e.message.split("\n")[0] : e})`);
  }
  return list;
}

async function benchMatmul(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, file, fn] of [
    ["cpu", "./matmul-cpu", "benchCpuMatmul"],
    ["webgpu", "./matmul-webgpu", "benchWebGpuMatmul"],
  ] as const) {
    try {
      // Written alongside by the backend engineers; a missing module or device reads as unavailable.
      const mod = await import(file);
      const rows = (await mod[fn](SHAPES, { allowSoftware })) as { shape: Shape; gflops: number }[];
      out[name] = rows;
      for (const r of rows)
        log(`matmul ${name.padEnd(7)} ${r.shape.join("×").padEnd(16)} ${r.gflops.toFixed(1)} GFLOP/s`);
    } catch (e) {
      out[name] = "unavailable";
      log(`matmul ${name.padEnd(7)} unavailable (${e instanceof Error ? e.message.split("\n")[0] : e})`);
    }
  }
  return out;
}

function digits(dir: string): Dataset {
  const read = (part: string) =>
    parseCsv(readFileSync(join(DATA, `digits_${part}.csv`), "utf8"), { textColumns: ["label"] });
  const tr = read("train");
  const te = read("test");
  const cols = tr.columns.length;
  const scaler = fitScaler(tr.rows.flat(), cols);
  const labels = (t: typeof tr) => (t.text.label as string[]).map(Number);
  const d: Dataset = {
    name: "digits",
    train: { x: applyScaler(scaler, tr.rows.flat()), rows: tr.rows.length, cols, y: labels(tr) },
    test: { x: applyScaler(scaler, te.rows.flat()), y: labels(te) },
    files: [],
  };
  return withNpy(d, dir);
}

/** 5 Gaussian blobs in 32 dimensions, overlapping enough that accuracy says something. */
function synthetic(dir: string, rows: number, testRows: number): Dataset {
  const rng = new Random(20240601);
  const cols = 32;
  const centres = Array.from({ length: 5 }, () => Array.from({ length: cols }, () => rng.uniform(-0.6, 0.6)));
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const make = (n: number) => {
    const x = new Float32Array(n * cols);
    const y: number[] = [];
    for (let r = 0; r < n; r++) {
      const c = rng.int(5);
      y.push(c);
      for (let j = 0; j < cols; j++) x[r * cols + j] = ((centres[c] as number[])[j] as number) + gauss();
    }
    return { x, y };
  };
  const train = make(rows);
  const test = make(testRows);
  return withNpy({ name: "synthetic", train: { ...train, rows, cols }, test, files: [] }, dir);
}

/** Same rows for sklearn: float32 features and int32 labels as .npy (version 1.0 header). */
function withNpy(d: Dataset, dir: string): Dataset {
  const write = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
    const descr = data instanceof Float32Array ? "<f4" : "<i4";
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
    header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
    const pre = new Uint8Array(10);
    pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(pre.buffer).setUint16(8, header.length, true);
    const path = join(dir, `${d.name}_${name}.npy`);
    writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), new Uint8Array(data.buffer)]));
    return path;
  };
  const testRows = d.test.y.length;
  d.files = [
    write("X_train", d.train.x, [d.train.rows, d.train.cols]),
    write("y_train", Int32Array.from(d.train.y as number[]), [d.train.rows]),
    write("X_test", d.test.x, [testRows, d.train.cols]),
    write("y_test", Int32Array.from(d.test.y as number[]), [testRows]),
  ];
  return d;
}

async function trainOurs(backend: Backend, c: Config) {
  const opts: MlpOptions = { task: "classification", hidden: c.hidden, maxIter: c.epochs, batchSize: c.batch };
  Object.assign(opts, { tol: 0, nIterNoChange: c.epochs + 1, earlyStopping: false, seed: 0 });
  const t0 = performance.now();
  const model = await trainMlp(backend, c.data.train, opts);
  const trainS = (performance.now() - t0) / 1000;
  const p0 = performance.now();
  const probs = await predict(backend, model, c.data.test.x);
  const predictS = (performance.now() - p0) / 1000;
  return {
    model,
    train_s: trainS,
    rows_per_s_train: (c.data.train.rows * model.nIter) / trainS,
    accuracy: accuracy(c.data.test.y, predictLabels(model, probs)),
    predict_s: predictS,
  };
}

async function trainSklearn(c: Config) {
  if (args.has("--skip-sklearn")) return "skipped";
  const [xt, yt, xs, ys] = c.data.files as [string, string, string, string];
  const cmd = [PYTHON, join(import.meta.dir, "sklearn_mlp.py"), "--train", xt, "--train-y", yt, "--test", xs];
  cmd.push("--test-y", ys, "--hidden", c.hidden.join(","), "--epochs", String(c.epochs), "--batch", String(c.batch));
  try {
    const proc = Bun.spawnSync(cmd, { stderr: "pipe" });
    if (proc.exitCode !== 0) return `unavailable (${proc.stderr.toString().trim().split("\n").at(-1)})`;
    return JSON.parse(proc.stdout.toString().trim().split("\n").at(-1) as string) as {
      train_s: number;
      rows_per_s_train: number;
      accuracy: number;
    };
  } catch (e) {
    return `unavailable (${e instanceof Error ? e.message : e})`;
  }
}

/** Single-row and small-batch latency of the host path against a device round trip. */
async function benchPredict(backend: Backend, model: Awaited<ReturnType<typeof trainOurs>>["model"], x: Float32Array) {
  const out: Record<string, number> = {};
  for (const rows of [1, 64, 1000]) {
    const xs = x.subarray(0, rows * model.nFeatures);
    const time = async (f: () => unknown) => {
      const reps = rows === 1000 ? 5 : 50;
      await f();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await f();
      return (performance.now() - t0) / reps;
    };
    out[`host_ms_${rows}`] = await time(() => predictHost(model, xs));
    // 1000 rows go to the device; for 1 and 64 rows force the device with a padded copy of 65 rows.
    const padded = rows > 64 ? xs : x.subarray(0, 65 * model.nFeatures);
    out[`device_ms_${rows > 64 ? rows : 65}`] = await time(() => predict(backend, model, padded));
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "mlservice-bench-"));
try {
  const result: Record<string, unknown> = { matmul: await benchMatmul() };
  const configs: Config[] = [
    { data: digits(dir), hidden: [128, 64], epochs: 100, batch: 200 },
    { data: synthetic(dir, 100_000, 10_000), hidden: [256, 128], epochs: 5, batch: 200 },
  ];
  const training: Record<string, unknown>[] = [];
  const backends = await openBackends();
  // rounds alternate scikit-learn and ours, so that a slow spell of this shared machine hits both;
  // the figures are medians over the rounds and the ratio is the median of the paired ratios
  const rounds = Number(flag("--rounds") ?? 3);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const c of configs) {
    const name = `${c.data.name} (${c.hidden.join(",")}) ${c.epochs} ep`;
    for (const b of backends) {
      const backend = await b.open();
      try {
        const sks: number[] = [];
        const ourRates: number[] = [];
        const ratios: number[] = [];
        let sk: Awaited<ReturnType<typeof trainSklearn>> = "not run";
        let ours: Awaited<ReturnType<typeof trainOurs>> | undefined;
        for (let round = 0; round < rounds; round++) {
          sk = await trainSklearn(c);
          ours = await trainOurs(backend, c);
          ourRates.push(ours.rows_per_s_train);
          if (typeof sk !== "string") {
            sks.push(sk.rows_per_s_train);
            ratios.push(ours.rows_per_s_train / sk.rows_per_s_train);
          }
        }
        if (!ours) continue;
        if (typeof sk === "string") log(`sklearn ${name}: ${sk}`);
        else
          log(
            `sklearn ${name.padEnd(28)} ${Math.round(median(sks)).toLocaleString("en").padStart(10)} rows/s  acc ${sk.accuracy.toFixed(4)}  (rounds: ${sks.map((r) => Math.round(r)).join(", ")})`,
          );
        const ratio = ratios.length ? median(ratios) : null;
        const row: Record<string, unknown> = { config: name, backend: b.name, device: backend.info.device };
        Object.assign(row, { train_s: ours.train_s, rows_per_s_train: median(ourRates), accuracy: ours.accuracy });
        Object.assign(row, { predict_s: ours.predict_s, sklearn: sk, ratio_vs_sklearn: ratio, rounds, ratios });
        if (c.data.name === "digits") row.predict_latency = await benchPredict(backend, ours.model, c.data.test.x);
        training.push(row);
        const r =
          ratio === null
            ? ""
            : `  ×${ratio.toFixed(2)} sklearn (rounds: ${ratios.map((x) => x.toFixed(2)).join(", ")})`;
        log(
          `ours ${b.name.padEnd(6)} ${name.padEnd(24)} ${Math.round(median(ourRates)).toLocaleString("en").padStart(10)} rows/s  acc ${ours.accuracy.toFixed(4)}${r}`,
        );
        if (row.predict_latency) log(`  predict latency (ms): ${JSON.stringify(row.predict_latency)}`);
      } finally {
        backend.dispose();
      }
    }
  }
  result.training = training;
  if (json) console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
