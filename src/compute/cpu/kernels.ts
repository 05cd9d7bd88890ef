/**
 * The compiled wasm SIMD kernels (kernels/cpu/*.wat, built by scripts/build-kernels.ts into
 * build/cpu-kernels.txt as base64) and the signatures of their exports. Addresses are byte offsets
 * into the shared memory; counts are elements; flags are 0/1.
 */

type Kernel<Args extends number[], R = void> = (...args: Args) => R;

export interface CpuKernels {
  // a, asi, asp, b, bsp, bsj, c, ldc, k, n, i0, i1, j0, j1, acc, scratch
  matmul_forward: Kernel<[...number[]]>;
  bias_activation_forward: Kernel<[x: number, bias: number, out: number, rows: number, cols: number, act: number]>;
  activation_backward: Kernel<[grad: number, y: number, count: number, act: number]>;
  softmax_forward: Kernel<[x: number, out: number, rows: number, cols: number]>;
  softmax_xent_backward: Kernel<
    [
      logits: number,
      labels: number,
      probs: number,
      grad: number,
      loss: number,
      rows: number,
      cols: number,
      scale: number,
    ]
  >;
  squared_error_backward: Kernel<
    [pred: number, target: number, grad: number, loss: number, count: number, scale: number]
  >;
  column_sums_forward: Kernel<[x: number, out: number, rows: number, cols: number, acc: number]>;
  sum_squares_forward: Kernel<[x: number, count: number, acc: number]>;
  argmax_forward: Kernel<[x: number, out: number, rows: number, cols: number]>;
  adam_step: Kernel<
    [
      param: number,
      grad: number,
      m: number,
      v: number,
      count: number,
      lrT: number,
      beta1: number,
      gamma1: number,
      beta2: number,
      gamma2: number,
      eps: number,
      l2: number,
    ]
  >;
  gather_rows_forward: Kernel<
    [src: number, srcRows: number, cols: number, idx: number, out: number, rows: number],
    number
  >;
  fill_forward: Kernel<[x: number, count: number, value: number]>;
  add_into: Kernel<[x: number, acc: number, count: number]>;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The kernel module, compiled once per process and shared by every backend and worker. */
export function cpuKernelModule(): Promise<WebAssembly.Module> {
  compiled ??= load();
  return compiled;
}

async function load(): Promise<WebAssembly.Module> {
  let base64: string;
  try {
    // a literal dynamic import: `bun build --compile` embeds the file, and a missing build gets a clear error
    base64 = (await import("../../../build/cpu-kernels.txt")).default;
  } catch (cause) {
    compiled = undefined;
    throw new Error("cpu backend: build/cpu-kernels.txt is missing; run `bun scripts/build-kernels.ts`", { cause });
  }
  return WebAssembly.compile(Buffer.from(base64, "base64"));
}
