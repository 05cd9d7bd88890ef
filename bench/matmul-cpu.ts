/**
 * Micro benchmark of a CPU backend's matmul (wasm by default, or any backend `open` gives): GFLOP/s (2·m·k·n per call) for C (m×n) = A (m×k) · B (k×n).
 * `bun bench/matmul-cpu.ts [threads…]` prints a table for the default shapes.
 *
 * @example
 * const rows = await benchCpuMatmul([[256, 256, 256], [200, 64, 256]], { threads: 1 });
 * // [{ shape: [256, 256, 256], gflops: 21.4 }, …]
 */
import type { Backend } from "../src/compute/backend";
import { createCpuBackend } from "../src/compute/cpu";

/** (m, k, n): op(A) is m×k, op(B) is k×n */
export type MatmulShape = [m: number, k: number, n: number];

export interface CpuMatmulBenchOptions {
  /** worker threads, the calling thread included (default: the backend's default, one per core) */
  threads?: number;
  /** time spent measuring each shape, after one warm-up call (default 0.5 s) */
  seconds?: number;
  /** transpose flags, as in the backward pass (default: neither) */
  transA?: boolean;
  transB?: boolean;
  /** the backend to measure (default: the wasm CPU backend on `threads`) */
  open?: () => Promise<Backend>;
}

export const DEFAULT_SHAPES: MatmulShape[] = [
  [256, 256, 256],
  [1024, 1024, 1024],
  [200, 64, 256], // a forward layer: batch 200, 64 inputs, 256 units
];

export async function benchCpuMatmul(
  shapes: MatmulShape[] = DEFAULT_SHAPES,
  opts: CpuMatmulBenchOptions = {},
): Promise<{ shape: MatmulShape; gflops: number }[]> {
  const backend = await (opts.open?.() ??
    createCpuBackend(opts.threads === undefined ? {} : { threads: opts.threads }));
  const { transA = false, transB = false, seconds = 0.5 } = opts;
  try {
    const results: { shape: MatmulShape; gflops: number }[] = [];
    for (const shape of shapes) {
      const [m, k, n] = shape;
      const fill = (len: number) => Float32Array.from({ length: len }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
      const a = transA ? backend.matrix(k, m, fill(m * k)) : backend.matrix(m, k, fill(m * k));
      const b = transB ? backend.matrix(n, k, fill(k * n)) : backend.matrix(k, n, fill(k * n));
      const c = backend.matrix(m, n);
      backend.matmul(a, b, c, transA, transB);
      let calls = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < seconds * 1000) {
        backend.matmul(a, b, c, transA, transB);
        calls++;
        elapsed = performance.now() - start;
      }
      await backend.read(c);
      results.push({ shape, gflops: (2 * m * k * n * calls) / (elapsed * 1e6) });
      for (const x of [a, b, c]) backend.release(x);
    }
    return results;
  } finally {
    backend.dispose();
  }
}

if (import.meta.main) {
  const threadCounts = process.argv.slice(2).map(Number);
  for (const threads of threadCounts.length ? threadCounts : [1, 2]) {
    for (const { shape, gflops } of await benchCpuMatmul(DEFAULT_SHAPES, { threads })) {
      console.log(`threads=${threads}  ${shape.join("×")}  ${gflops.toFixed(1)} GFLOP/s`);
    }
  }
}
