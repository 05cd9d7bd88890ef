/**
 * Micro benchmark of the WebGPU matmul kernel: many matmuls recorded into one submission and
 * read back once, so the figure is kernel throughput, not submission or readback latency.
 * The first matmul of each shape (pipeline compilation, first touch) is not timed.
 *
 * @example
 * const rows = await benchWebGpuMatmul([{ m: 4096, k: 4096, n: 4096 }]);
 * // [{ shape: { m: 4096, k: 4096, n: 4096 }, iterations: 13, ms: …, gflops: … }]
 *
 * Run alone: `bun bench/matmul-webgpu.ts [--kernel v2] 4096x4096x4096 1024x1024x1024` (XDG_RUNTIME_DIR=/tmp on
 * lavapipe); `--kernel` picks one of MATMUL_KERNELS (default v1).
 */
import type { Backend } from "../src/compute/backend";
import { createWebGpuBackend, type MatmulKernel } from "../src/compute/webgpu";

export interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

export interface MatmulBenchOptions {
  /** matmuls per shape in the timed submission; default: enough for ~targetFlops, 2 to 100 */
  iterations?: number;
  /** FLOPs per timed run when iterations is not given (default 1e12: ~0.05 s on an H100) */
  targetFlops?: number;
  transA?: boolean;
  transB?: boolean;
  /** a backend to reuse; otherwise one is opened (and disposed) with adapter/allowSoftware */
  backend?: Backend;
  adapter?: string;
  allowSoftware?: boolean;
  /** the matmul kernel of an opened backend (default v1) */
  matmulKernel?: MatmulKernel;
}

export interface MatmulBenchResult {
  shape: MatmulShape;
  iterations: number;
  ms: number;
  gflops: number;
}

export async function benchWebGpuMatmul(
  shapes: MatmulShape[],
  opts: MatmulBenchOptions = {},
): Promise<MatmulBenchResult[]> {
  const gpu =
    opts.backend ??
    (await createWebGpuBackend({
      adapter: opts.adapter,
      allowSoftware: opts.allowSoftware,
      matmulKernel: opts.matmulKernel,
    }));
  const { transA = false, transB = false } = opts;
  const results: MatmulBenchResult[] = [];
  try {
    for (const shape of shapes) {
      const { m, k, n } = shape;
      const flops = 2 * m * n * k;
      const iterations = opts.iterations ?? Math.max(2, Math.min(100, Math.ceil((opts.targetFlops ?? 1e12) / flops)));
      const fill = (len: number) => Float32Array.from({ length: len }, (_, i) => ((i * 7919) % 997) / 997 - 0.5);
      const a = gpu.matrix(transA ? k : m, transA ? m : k, fill(m * k));
      const b = gpu.matrix(transB ? n : k, transB ? k : n, fill(k * n));
      const c = gpu.matrix(m, n);
      gpu.matmul(a, b, c, transA, transB);
      await gpu.read(c);
      const start = performance.now();
      for (let i = 0; i < iterations; i++) gpu.matmul(a, b, c, transA, transB);
      await gpu.read(c);
      const ms = performance.now() - start;
      results.push({ shape, iterations, ms, gflops: (flops * iterations) / (ms * 1e6) });
      for (const matrix of [a, b, c]) gpu.release(matrix);
    }
  } finally {
    if (!opts.backend) gpu.dispose();
  }
  return results;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--kernel");
  const matmulKernel = at >= 0 ? (args.splice(at, 2)[1] as MatmulKernel) : undefined;
  const shapes = (args.length > 0 ? args : ["256x256x256", "1024x1024x1024"]).map((s) => {
    const [m, k, n] = s.split("x").map(Number);
    return { m: m ?? 1, k: k ?? m ?? 1, n: n ?? m ?? 1 };
  });
  for (const r of await benchWebGpuMatmul(shapes, { allowSoftware: true, matmulKernel })) {
    const { m, k, n } = r.shape;
    console.log(`${m}×${k}×${n}: ${r.gflops.toFixed(1)} GFLOP/s (${r.iterations} in ${r.ms.toFixed(1)} ms)`);
  }
}
