/**
 * `bun run bench [--json] [--rounds N] [--threads N] [--wasm] [--skip-sklearn] [--allow-software]`
 * (a) GEMM GFLOP/s of the native CPU kernels on each ISA path (and the wasm kernels) beside numpy's
 *     OpenBLAS on the same threads; (b) training rows/s beside scikit-learn's MLPClassifier on the same
 *     data and settings: digits (128,64), a synthetic 100k × 32 (256,128) set, and a 1-epoch 50k × 32 fit
 *     timed whole (backend start included); (c) batch predict of 10,000 rows against predict_proba;
 *     (d) peak RSS of the synthetic fit, ours and scikit-learn's. `--wasm` adds the wasm backend to the
 *     training rounds; WebGPU joins when a hardware adapter opens (or a software one with --allow-software).
 *
 * The machine is shared and noisy: every comparison alternates the two sides round by round in this one
 * run, and a ratio is the median of the paired per-round ratios. numpy runs with OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE unset (they pin older kernels on some CPUs) and OPENBLAS_NUM_THREADS = our threads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/compute/backend";
import { createCpuBackend } from "../src/compute/cpu";
import { createNativeBackend, NATIVE_ISAS, type NativeIsa } from "../src/compute/native";
import { accuracy } from "../src/ml/metrics";
import { type MlpOptions, predict, predictLabels, trainMlp } from "../src/ml/mlp";
import { type Dataset, digits, synthetic } from "./datasets";
import { benchCpuMatmul } from "./matmul-cpu";

type Shape = [number, number, number];
/** the issue's table (a training step's product, 512³, 1024³), then the other layer shapes of a step */
const GEMM_SHAPES: Shape[] = [
  [200, 256, 128],
  [512, 512, 512],
  [1024, 1024, 1024],
  [100, 32, 256],
  [100, 128, 5],
];
const PYTHON = "/usr/bin/python3";
const PREDICT_ROWS = 10_000;

interface Config {
  data: Dataset;
  hidden: number[];
  epochs: number;
  batch: number;
  /** time the whole fit, backend start included (a fresh backend each round) */
  whole?: boolean;
}

interface Side {
  name: string;
  open: () => Promise<Backend>;
}

const args = new Set(process.argv.slice(2));
const json = args.has("--json");
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(flag("--rounds") ?? 3);
/** our threads and OpenBLAS's (default: one per core); 1 gives a comparison a loaded machine disturbs less */
const THREADS = Number(flag("--threads") ?? navigator.hardwareConcurrency);
const log = (line: string) => {
  if (!json) console.log(line);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString("en");

/** numpy and scikit-learn's environment: the newest OpenBLAS kernels, on our thread count */
function pythonEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  env.OPENBLAS_NUM_THREADS = String(THREADS);
  return env;
}

function python(script: string, argv: string[]): Record<string, unknown> | string {
  if (args.has("--skip-sklearn")) return "skipped";
  try {
    const proc = Bun.spawnSync([PYTHON, join(import.meta.dir, script), ...argv], { stderr: "pipe", env: pythonEnv() });
    if (proc.exitCode !== 0) return `unavailable (${proc.stderr.toString().trim().split("\n").at(-1)})`;
    return JSON.parse(proc.stdout.toString().trim().split("\n").at(-1) as string);
  } catch (e) {
    return `unavailable (${e instanceof Error ? e.message : e})`;
  }
}

/** The CPU backends: native on each ISA this CPU runs, and wasm. */
async function cpuSides(): Promise<Side[]> {
  const sides: Side[] = [];
  for (const isa of NATIVE_ISAS) {
    const open = () => createNativeBackend({ threads: THREADS, isa: isa as NativeIsa });
    try {
      (await open()).dispose();
      sides.push({ name: `native-${isa}`, open });
    } catch (e) {
      log(`native ${isa}: unavailable (${(e as Error).message})`);
    }
  }
  sides.push({ name: "wasm", open: () => createCpuBackend({ threads: THREADS }) });
  return sides;
}

async function benchGemm(sides: Side[]) {
  const shapes = GEMM_SHAPES.map((s) => s.join("x")).join(",");
  const numpy: number[][] = [];
  const ours = new Map<string, number[][]>(sides.map((s) => [s.name, []]));
  let blas = "";
  for (let round = 0; round < rounds; round++) {
    const np = python("numpy_matmul.py", ["--shapes", shapes, "--seconds", "0.4"]);
    if (typeof np !== "string") {
      const r = np as { blas: { core: string; threads: number }; results: { gflops: number }[] };
      blas = `OpenBLAS ${r.blas.core} × ${r.blas.threads} threads`;
      numpy.push(r.results.map((x) => x.gflops));
    }
    for (const side of sides) {
      const rows = await benchCpuMatmul(GEMM_SHAPES, { open: side.open, seconds: 0.4 });
      ours.get(side.name)?.push(rows.map((r) => r.gflops));
    }
  }
  const table = GEMM_SHAPES.map((shape, i) => {
    const row: Record<string, unknown> = {
      shape,
      numpy: numpy.length ? median(numpy.map((r) => r[i] as number)) : null,
    };
    for (const [name, runs] of ours) {
      const g = median(runs.map((r) => r[i] as number));
      const ratios = numpy.map((np, round) => ((runs[round] as number[])[i] as number) / (np[i] as number));
      row[name] = { gflops: g, ratio: ratios.length ? median(ratios) : null, ratios };
    }
    return row;
  });
  log(`\nGEMM, float32, ${THREADS} threads, GFLOP/s (median of ${rounds} rounds; × = median paired ratio to numpy)`);
  log(`numpy: ${blas || "unavailable"}`);
  for (const row of table) {
    const cells = sides.map((s) => {
      const c = row[s.name] as { gflops: number; ratio: number | null };
      return `${s.name} ${c.gflops.toFixed(1)}${c.ratio === null ? "" : ` (×${c.ratio.toFixed(2)})`}`;
    });
    const np = row.numpy === null ? "numpy -" : `numpy ${(row.numpy as number).toFixed(1)}`;
    log(`  ${(row.shape as Shape).join("×").padEnd(15)} ${np.padEnd(13)} ${cells.join("  ")}`);
  }
  return { blas, table };
}

async function trainOurs(backend: Backend, c: Config) {
  const opts: MlpOptions = { task: "classification", hidden: c.hidden, maxIter: c.epochs, batchSize: c.batch };
  Object.assign(opts, { tol: 0, nIterNoChange: c.epochs + 1, earlyStopping: false, seed: 0 });
  const t0 = performance.now();
  const model = await trainMlp(backend, c.data.train, opts);
  const trainS = (performance.now() - t0) / 1000;
  return {
    model,
    train_s: trainS,
    accuracy: accuracy(c.data.test.y, predictLabels(model, await predict(backend, model, c.data.test.x))),
  };
}

/** rows/s of a 10k-row batch prediction: the median of 5 calls */
async function predictRate(backend: Backend, model: Awaited<ReturnType<typeof trainOurs>>["model"], x: Float32Array) {
  const batch = x.subarray(0, PREDICT_ROWS * model.nFeatures);
  const rows = batch.length / model.nFeatures;
  await predict(backend, model, batch);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await predict(backend, model, batch);
    times.push((performance.now() - t0) / 1000);
  }
  return rows / median(times);
}

async function benchTraining(sides: Side[], c: Config) {
  const name = `${c.data.name} (${c.hidden.join(",")}) ${c.epochs} ep${c.whole ? ", whole fit" : ""}`;
  const [xt, yt, xs, ys] = c.data.files as [string, string, string, string];
  const skArgs = ["--train", xt, "--train-y", yt, "--test", xs, "--test-y", ys, "--hidden", c.hidden.join(",")];
  skArgs.push("--epochs", String(c.epochs), "--batch", String(c.batch));
  const predictRows = c.data.test.y.length >= PREDICT_ROWS && !c.whole;
  if (predictRows) skArgs.push("--predict-rows", String(PREDICT_ROWS));
  const open = new Map<string, Backend>();
  if (!c.whole) for (const s of sides) open.set(s.name, await s.open());
  type Sk = { rows_per_s_train: number; accuracy: number; predict_rows_per_s?: number; max_rss_mb: number };
  const sk: Sk[] = [];
  const ours = new Map<string, { rate: number; acc: number; predict?: number }[]>(sides.map((s) => [s.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      const r = python("sklearn_mlp.py", skArgs);
      if (typeof r === "string") log(`sklearn ${name}: ${r}`);
      else sk.push(r as unknown as Sk);
      for (const s of sides) {
        const t0 = performance.now();
        const backend = open.get(s.name) ?? (await s.open());
        const startS = (performance.now() - t0) / 1000;
        const fit = await trainOurs(backend, c);
        const seconds = fit.train_s + (c.whole ? startS : 0);
        const rate = (c.data.train.rows * fit.model.nIter) / seconds;
        const predictRate_ = predictRows ? await predictRate(backend, fit.model, c.data.test.x) : undefined;
        if (!open.has(s.name)) backend.dispose();
        ours.get(s.name)?.push({ rate, acc: fit.accuracy, ...(predictRate_ && { predict: predictRate_ }) });
      }
    }
  } finally {
    for (const b of open.values()) b.dispose();
  }
  const skRate = sk.length ? median(sk.map((r) => r.rows_per_s_train)) : null;
  const rows: Record<string, unknown>[] = [];
  log(`\n${name}, batch ${c.batch}, ${rounds} rounds`);
  if (skRate !== null) {
    const skPredict = sk[0]?.predict_rows_per_s
      ? ` predict ${fmt(median(sk.map((r) => r.predict_rows_per_s as number)))} rows/s`
      : "";
    log(`  sklearn        ${fmt(skRate).padStart(9)} rows/s  acc ${(sk[0] as Sk).accuracy.toFixed(4)}${skPredict}`);
  }
  for (const s of sides) {
    const runs = ours.get(s.name) ?? [];
    const ratios = sk.map((r, i) => (runs[i]?.rate ?? 0) / r.rows_per_s_train);
    const ratio = ratios.length ? median(ratios) : null;
    const pr = runs[0]?.predict !== undefined ? median(runs.map((r) => r.predict as number)) : undefined;
    const prRatios = pr === undefined ? [] : sk.map((r, i) => (runs[i]?.predict ?? 0) / (r.predict_rows_per_s ?? 1));
    const prRatio = prRatios.length ? median(prRatios) : null;
    rows.push({ config: name, side: s.name, rows_per_s: median(runs.map((r) => r.rate)), accuracy: runs[0]?.acc });
    Object.assign(rows.at(-1) as object, {
      sklearn_rows_per_s: skRate,
      ratio,
      ratios,
      predict_rows_per_s: pr,
      predict_ratio: prRatio,
    });
    const r = ratio === null ? "" : `  ×${ratio.toFixed(2)} sklearn (${ratios.map((x) => x.toFixed(2)).join(", ")})`;
    const p = pr === undefined ? "" : `  predict ${fmt(pr)} rows/s${prRatio === null ? "" : ` ×${prRatio.toFixed(2)}`}`;
    log(
      `  ${s.name.padEnd(14)} ${fmt(median(runs.map((x) => x.rate))).padStart(9)} rows/s  acc ${(runs[0]?.acc ?? 0).toFixed(4)}${r}${p}`,
    );
  }
  return { rows, sklearn: sk };
}

/** peak RSS of the synthetic fit in a process of its own, ours beside scikit-learn's */
function benchRss(c: Config, sk: { max_rss_mb: number }[]) {
  const proc = Bun.spawnSync(
    [
      process.execPath,
      join(import.meta.dir, "fit-rss.ts"),
      "--rows",
      String(c.data.train.rows),
      "--hidden",
      c.hidden.join(","),
      "--epochs",
      String(c.epochs),
      "--compute",
      "cpu-native",
    ],
    { stderr: "pipe" },
  );
  const ours =
    proc.exitCode === 0
      ? (JSON.parse(proc.stdout.toString().trim().split("\n").at(-1) as string) as {
          max_rss_mb: number;
          device: string;
        })
      : null;
  const skRss = sk.length ? median(sk.map((r) => r.max_rss_mb)) : null;
  log(
    `\npeak RSS, ${c.data.name} (${c.hidden.join(",")}) ${c.epochs} ep: ours ${ours ? `${ours.max_rss_mb.toFixed(0)} MB (${ours.device})` : `failed: ${proc.stderr.toString().trim().split("\n").at(-1)}`}, sklearn ${skRss === null ? "-" : `${skRss.toFixed(0)} MB`}`,
  );
  return { ours_mb: ours?.max_rss_mb ?? null, sklearn_mb: skRss };
}

const dir = mkdtempSync(join(tmpdir(), "mlservice-bench-"));
try {
  const sides = await cpuSides();
  log(`machine: ${THREADS} threads; load ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")}`);
  const result: Record<string, unknown> = { gemm: await benchGemm(sides) };
  // training: the native backend on each SIMD path (baseline only in the GEMM table), wasm with --wasm, WebGPU
  const trainSides = sides.filter((s) => s.name !== "native-baseline" && (s.name !== "wasm" || args.has("--wasm")));
  try {
    const { createWebGpuBackend } = await import("../src/compute/webgpu");
    const allowSoftware = args.has("--allow-software");
    (await createWebGpuBackend({ allowSoftware })).dispose();
    trainSides.push({ name: "webgpu", open: () => createWebGpuBackend({ allowSoftware }) });
  } catch (e) {
    log(`webgpu: not in the training rounds (${e instanceof Error ? e.message.split("\n")[0] : e})`);
  }
  const synth = synthetic(dir, 100_000, 10_000);
  const configs: Config[] = [
    { data: digits(dir), hidden: [128, 64], epochs: 100, batch: 200 },
    { data: synth, hidden: [256, 128], epochs: 5, batch: 200 },
    { data: synthetic(dir, 50_000, 5_000, "synthetic-50k"), hidden: [256, 128], epochs: 1, batch: 200, whole: true },
  ];
  const training: Record<string, unknown>[] = [];
  let synthSk: { max_rss_mb: number }[] = [];
  for (const c of configs) {
    const { rows, sklearn } = await benchTraining(trainSides, c);
    training.push(...rows);
    if (c.data === synth) synthSk = sklearn;
  }
  result.training = training;
  result.rss = benchRss(configs[1] as Config, synthSk);
  log(`load after: ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")}`);
  if (json) console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
