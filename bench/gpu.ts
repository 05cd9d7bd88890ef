/**
 * `bun run bench:gpu [--allow-software] [--quick] [--kernels v1,v2,v3] [--json FILE]`: the WebGPU path on a
 * real GPU, in one run that fits a short device lease. Every WGSL matmul kernel named by `--kernels` (default:
 * all of MATMUL_KERNELS; v1 is the default kernel, the others candidates) gets its own device and is measured
 * beside the others in this run.
 *
 * 1. Correctness first: each matmul kernel, all four transpose cases at odd shapes, against a float64 CPU
 *    reference (‖C − ref‖ / ‖ref‖; the output is poisoned with NaN first, so an unwritten element fails),
 *    and each fit's loss curve beside the CPU backend's on the same rows and seed.
 * 2. WGSL matmul GFLOP/s of each kernel at 1024³, 2048³ and 4096³ (many products in one submission, read
 *    back once; kernels alternated, best of 2 rounds), beside the native CPU kernels at 4096³ on every core.
 * 3. A synthetic fit (5 Gaussian blobs in 32 dimensions) at batch 4096: rows/s of WebGPU with each kernel and
 *    of the native CPU backend, alternated round by round in this one run, with paired ratios and accuracy.
 *
 * `--quick` shrinks every size so the script runs on lavapipe (with `--allow-software`) in CI-like time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/compute/backend";
import { createCpuBackend } from "../src/compute/cpu";
import { createNativeBackend } from "../src/compute/native";
import { createWebGpuBackend, listAdapters, MATMUL_KERNELS, type MatmulKernel } from "../src/compute/webgpu";
import { accuracy } from "../src/ml/metrics";
import { type MlpOptions, predict, predictLabels, trainMlp } from "../src/ml/mlp";
import { Random } from "../src/ml/random";
import { synthetic } from "./datasets";
import { benchCpuMatmul } from "./matmul-cpu";
import { benchWebGpuMatmul } from "./matmul-webgpu";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const allowSoftware = argv.includes("--allow-software");
const jsonAt = argv.indexOf("--json");
const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
const kernelsAt = argv.indexOf("--kernels");
const kernelNames = (kernelsAt >= 0 ? (argv[kernelsAt + 1] ?? "") : Object.keys(MATMUL_KERNELS).join(",")).split(",");
const THREADS = navigator.hardwareConcurrency;
const report: Record<string, unknown> = { quick, threads: THREADS };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString("en");

async function openCpu(): Promise<Backend> {
  try {
    return await createNativeBackend({ threads: THREADS });
  } catch (e) {
    console.log(`native CPU backend unavailable (${(e as Error).message}); the wasm backend stands in`);
    return createCpuBackend({ threads: THREADS });
  }
}

/** ‖C − ref‖ / ‖ref‖ for C = op(A)·op(B) on the backend, ref in float64; NaN when an element was not written. */
async function matmulError(gpu: Backend, m: number, k: number, n: number, transA: boolean, transB: boolean) {
  const rng = new Random(m * 31 + k * 7 + n + (transA ? 1 : 0) + (transB ? 2 : 0));
  const a = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
  // element (i, p) of op(A) and (p, j) of op(B), as stored
  const aAt = (i: number, p: number) => (transA ? (a[p * m + i] as number) : (a[i * k + p] as number));
  const bAt = (p: number, j: number) => (transB ? (b[j * k + p] as number) : (b[p * n + j] as number));
  const ma = gpu.matrix(transA ? k : m, transA ? m : k, a);
  const mb = gpu.matrix(transB ? n : k, transB ? k : n, b);
  const mc = gpu.matrix(m, n, new Float32Array(m * n).fill(Number.NaN));
  gpu.matmul(ma, mb, mc, transA, transB);
  const c = await gpu.read(mc);
  for (const x of [ma, mb, mc]) gpu.release(x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let ref = 0;
      for (let p = 0; p < k; p++) ref += aAt(i, p) * bAt(p, j);
      const got = c[i * n + j] as number;
      if (!Number.isFinite(got)) return Number.NaN;
      num += (got - ref) ** 2;
      den += ref ** 2;
    }
  }
  return Math.sqrt(num / den);
}

function fitOptions(hidden: number[], epochs: number, batch: number): MlpOptions {
  const opts: MlpOptions = { task: "classification", hidden, maxIter: epochs, batchSize: batch };
  return Object.assign(opts, { tol: 0, nIterNoChange: epochs + 1, earlyStopping: false, seed: 0 });
}

const adapters = await listAdapters();
console.log("adapters:");
for (const a of adapters) console.log(`  ${JSON.stringify(a)}`);
report.adapters = adapters;

/** One WebGPU device per matmul kernel; a kernel the adapter cannot run is reported and left out. */
const gpus: { kernel: MatmulKernel; backend: Backend }[] = [];
for (const kernel of kernelNames as MatmulKernel[]) {
  try {
    gpus.push({ kernel, backend: await createWebGpuBackend({ allowSoftware, matmulKernel: kernel }) });
  } catch (e) {
    console.log(`matmul kernel ${kernel}: not run (${(e as Error).message})`);
  }
}
const gpu = gpus[0]?.backend;
if (!gpu) throw new Error("no WebGPU backend could be opened");
const cpu = await openCpu();
console.log(
  `webgpu: ${gpu.info.device}${gpu.info.software ? " (software)" : ""}; matmul kernels ${gpus.map((g) => g.kernel).join(", ")}`,
);
console.log(`cpu:    ${cpu.info.device}`);
report.gpu = gpu.info;
report.cpu = cpu.info;
report.kernels = gpus.map((g) => g.kernel);

// 1. correctness of each matmul kernel
const checkShapes: [number, number, number][] = quick
  ? [[37, 29, 19]]
  : [
      [257, 129, 65],
      [1000, 777, 513],
    ];
const errors: Record<string, Record<string, number>> = {};
console.log("\nmatmul vs float64 reference, worst ‖C−ref‖/‖ref‖ over all four transpose cases:");
for (const { kernel, backend } of [...gpus]) {
  const mine: Record<string, number> = {};
  try {
    for (const [m, k, n] of checkShapes) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const key = `${m}x${k}x${n}${ta ? " Aᵀ" : ""}${tb ? " Bᵀ" : ""}`;
        mine[key] = await matmulError(backend, m, k, n, ta, tb);
      }
    }
  } catch (e) {
    // a kernel the device rejects must not cost the other kernels' figures
    console.log(`  ${kernel}: failed to run (${(e as Error).message}); left out of the rest`);
    gpus.splice(
      gpus.findIndex((g) => g.kernel === kernel),
      1,
    );
    backend.dispose();
    continue;
  }
  const worst = Math.max(...Object.values(mine).map((e) => (Number.isNaN(e) ? Infinity : e)));
  console.log(
    `  ${kernel}: ${worst.toExponential(2)} over ${Object.keys(mine).length} cases ${worst < 1e-5 ? "(ok)" : "(FAILED)"}`,
  );
  errors[kernel] = mine;
}
report.matmul_errors = errors;

// 2. matmul throughput: the kernels alternate at each shape, best of the rounds
const gpuSides = quick ? [256, 512] : [1024, 2048, 4096];
const gemmRounds = 2;
const gemm: Record<string, Awaited<ReturnType<typeof benchWebGpuMatmul>>> = {};
for (const side of gpuSides) {
  for (let round = 0; round < gemmRounds; round++) {
    for (const { kernel, backend } of gpus) {
      const [r] = await benchWebGpuMatmul([{ m: side, k: side, n: side }], { backend });
      if (!r) continue;
      gemm[kernel] ??= [];
      gemm[kernel].push(r);
    }
  }
}
const best = (kernel: string, side: number) =>
  Math.max(0, ...(gemm[kernel] ?? []).filter((r) => r.shape.m === side).map((r) => r.gflops));
const cpuSide = quick ? 512 : 4096;
const cpuGemm = await benchCpuMatmul([[cpuSide, cpuSide, cpuSide]], { open: openCpu, seconds: quick ? 0.3 : 2 });
const cpuRate = cpuGemm[0]?.gflops ?? 0;
const base = gpus[0]?.kernel ?? "v1";
console.log(`\nmatmul, float32, GFLOP/s (best of ${gemmRounds} alternated rounds; ×: against ${base})`);
console.log(`  ${"kernel".padEnd(8)}${gpuSides.map((s) => `${s}³`.padStart(16)).join("")}`);
for (const { kernel } of gpus) {
  const cells = gpuSides.map((side) => {
    const rate = best(kernel, side);
    const ratio = kernel === base ? "" : ` ×${(rate / best(base, side)).toFixed(2)}`;
    return `${rate.toFixed(0)}${ratio}`.padStart(16);
  });
  console.log(`  ${kernel.padEnd(8)}${cells.join("")}`);
}
console.log(`  cpu ${cpuSide}³: ${cpuRate.toFixed(0)} (${cpu.info.device})`);
for (const { kernel } of gpus) {
  console.log(`  webgpu ${kernel} ${cpuSide}³ against the cpu: ×${(best(kernel, cpuSide) / cpuRate).toFixed(1)}`);
}
report.matmul = { webgpu: gemm, cpu: cpuGemm };

// 3. synthetic fit at batch 4096
const dir = mkdtempSync(join(tmpdir(), "mlservice-gpu-bench-"));
try {
  const rows = quick ? 16_384 : 262_144;
  const data = synthetic(dir, rows, quick ? 2048 : 16_384);
  const batch = quick ? 1024 : 4096;
  const epochs = quick ? 2 : 5;
  const rounds = quick ? 1 : 2;
  const configs = quick
    ? [[64, 32]]
    : [
        [256, 128],
        [1024, 1024],
      ];
  // warm-up: compile every pipeline outside the timed fits
  for (const { backend } of gpus) {
    await trainMlp(
      backend,
      { ...data.train, x: data.train.x.subarray(0, 2048 * 32), rows: 2048, y: data.train.y.slice(0, 2048) },
      fitOptions([32], 1, 1024),
    );
  }
  const fits: Record<string, unknown>[] = [];
  console.log(
    `\nfit: synthetic ${fmt(rows)} × 32, 5 classes, batch ${batch}, ${epochs} epochs, ${rounds} rounds alternated; the candidate kernels only in the widest`,
  );
  for (const hidden of configs) {
    // the candidates only where the matmuls dominate: the widest network
    const widest = hidden === configs[configs.length - 1];
    const runners: [string, Backend][] = [
      ...gpus.filter((_, i) => i === 0 || widest).map((g): [string, Backend] => [`webgpu ${g.kernel}`, g.backend]),
      ["cpu", cpu],
    ];
    const rates: Record<string, number[]> = {};
    const acc: Record<string, number> = {};
    const loss: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, backend] of runners) {
        const t0 = performance.now();
        const model = await trainMlp(backend, data.train, fitOptions(hidden, epochs, batch));
        const seconds = (performance.now() - t0) / 1000;
        rates[name] ??= [];
        rates[name].push((rows * model.nIter) / seconds);
        acc[name] = accuracy(data.test.y, predictLabels(model, await predict(backend, model, data.test.x)));
        loss[name] = model.lossCurve;
      }
    }
    const label = `(${hidden.join(",")})`;
    const cpuRates = rates.cpu ?? [];
    console.log(`  ${label.padEnd(12)} cpu ${fmt(median(cpuRates)).padStart(10)} rows/s  acc ${acc.cpu?.toFixed(4)}`);
    const ratios: Record<string, number[]> = {};
    for (const [name] of runners.slice(0, -1)) {
      const mine = rates[name] ?? [];
      ratios[name] = mine.map((g, i) => g / (cpuRates[i] as number));
      const versusBase = mine.map((g, i) => g / ((rates[runners[0]?.[0] ?? ""] ?? [])[i] as number));
      const curveGap = Math.max(
        ...(loss[name] ?? []).map((l, i) => Math.abs(l - ((loss.cpu ?? [])[i] ?? Number.NaN)) / l),
      );
      const r = ratios[name];
      const against = name === runners[0]?.[0] ? "" : `   against ${runners[0]?.[0]} ×${median(versusBase).toFixed(2)}`;
      console.log(
        `  ${"".padEnd(12)} ${name.padEnd(10)} ${fmt(median(mine)).padStart(10)} rows/s  acc ${acc[name]?.toFixed(4)}   against the cpu ×${median(r).toFixed(2)} (${r.map((x) => x.toFixed(2)).join(", ")})${against}   loss curve differs ≤ ${(curveGap * 100).toFixed(3)} %`,
      );
    }
    fits.push({ hidden, batch, epochs, rows, rates, ratios, accuracy: acc, loss });
  }
  report.fits = fits;
} finally {
  rmSync(dir, { recursive: true, force: true });
  for (const { backend } of gpus) backend.dispose();
  cpu.dispose();
}
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
