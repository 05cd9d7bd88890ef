/**
 * The few operations an MLP needs, behind one interface with two implementations:
 * `webgpu.ts` (WGSL kernels on Dawn) and `cpu.ts` (WebAssembly SIMD on worker threads).
 *
 * Every matrix is row-major f32. Operations are enqueued in order and may run later
 * (WebGPU records them into one command encoder until `submit()`); `read()` is the only
 * way back to the host and waits for everything enqueued before it. Shapes are checked
 * by the caller-facing wrappers and a mismatch throws `ShapeError` before anything runs.
 */

export type Activation = "identity" | "relu" | "tanh" | "logistic";

export const ACTIVATIONS: readonly Activation[] = ["identity", "relu", "tanh", "logistic"];

/** A rows×cols f32 matrix that lives on the backend (device memory or wasm memory). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
}

/** A vector of u32 row indices that lives on the backend (for gathering mini-batches). */
export interface IndexVector {
  readonly length: number;
}

export interface AdamParams {
  /** learning rate (sklearn `learning_rate_init`) */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count, used for bias correction as sklearn does */
  t: number;
  /** L2 coefficient added to the gradient: g += l2 * param (sklearn: alpha / batch size; 0 for biases) */
  l2: number;
}

export interface BackendInfo {
  kind: "cpu" | "webgpu";
  /** human-readable device: "wasm simd × 2 threads", "NVIDIA H100 (vulkan)", "llvmpipe (vulkan, software)" */
  device: string;
  /** true for a software rasteriser such as lavapipe/llvmpipe or SwiftShader */
  software: boolean;
}

export interface Backend {
  readonly info: BackendInfo;

  /** Allocate a matrix; zero-filled unless `data` (length rows*cols) is given. */
  matrix(rows: number, cols: number, data?: Float32Array): Matrix;

  /**
   * A matrix over `data`'s own memory, where the backend can read host memory in place (the native
   * CPU backend): a fit's rows, which are only read, then take no second copy. Absent: use
   * `matrix(rows, cols, data)`. The caller must not change `data` until the matrix is released;
   * the backend never writes it unless asked to (write, or as an output).
   */
  borrow?(rows: number, cols: number, data: Float32Array): Matrix;
  /** Overwrite `m` with `data` (length rows*cols). */
  write(m: Matrix, data: Float32Array): void;
  /** Copy `m` back to the host, after all enqueued work. */
  read(m: Matrix): Promise<Float32Array>;
  indices(data: Uint32Array): IndexVector;
  writeIndices(v: IndexVector, data: Uint32Array): void;
  /** Free the memory of a matrix or index vector; using it afterwards is an error. */
  release(m: Matrix | IndexVector): void;

  /**
   * C = op(A)·op(B), or C += op(A)·op(B) when `accumulate`.
   * op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB), C is m×n.
   */
  matmul(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean, accumulate?: boolean): void;

  /** out = act(x + bias), bias is 1×cols broadcast over rows; out may be x. */
  biasActivation(x: Matrix, bias: Matrix, act: Activation, out: Matrix): void;

  /** grad *= act'(z) expressed through the activation's output y = act(z) (sklearn's inplace derivatives). */
  activationBackward(grad: Matrix, y: Matrix, act: Activation): void;

  /**
   * Row-wise softmax of `logits` into `probs`; `grad` = (probs - onehot(labels)) * scale;
   * loss[0] += sum over rows of -log(clamp(p_label, F32_EPS, 1 - F32_EPS)), as sklearn's log_loss clips.
   * labels is rows×1 holding class indices as f32. `grad` may be `probs`.
   */
  softmaxCrossEntropy(logits: Matrix, labels: Matrix, probs: Matrix, grad: Matrix, loss: Matrix, scale: number): void;

  /** grad = (pred - target) * scale; loss[0] += 0.5 * sum((pred - target)^2). */
  squaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix, scale: number): void;

  /** out (1×cols) = column sums of x (bias gradients), or out += when `accumulate`. */
  columnSums(x: Matrix, out: Matrix, accumulate?: boolean): void;

  /** acc[0] += sum of x². Used for the L2 term of the reported loss. */
  sumSquares(x: Matrix, acc: Matrix): void;

  /** In-place Adam step as scikit-learn's AdamOptimizer computes it. */
  adamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix, p: AdamParams): void;

  /** out = rows of src picked by idx[offset .. offset + out.rows). */
  gatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void;

  /** Row-wise softmax (prediction). out may be x. */
  softmax(x: Matrix, out: Matrix): void;

  /** out (rows×1) = index of the largest value of each row, as f32. */
  argmax(x: Matrix, out: Matrix): void;

  /** Fill with a constant (zeroing loss accumulators, gradients). */
  fill(m: Matrix, value: number): void;

  /** acc += x, elementwise (summing the gradients of parallel lanes). */
  addInto(x: Matrix, acc: Matrix): void;

  /**
   * How many lanes `parallel` runs at the same time: the CPU backend's threads; 1 where the device
   * already spreads each operation over its cores (WebGPU).
   */
  readonly lanes: number;

  /**
   * Calls `body(lane)` for lane = 0 … lanes-1; the operations it issues form that lane's queue, and
   * the queues may run concurrently (the CPU backend gives each lane one thread, with no barrier
   * between the operations of a lane). So a lane must write only matrices no other lane reads or
   * writes. Returns when every lane is done; an error in any lane is thrown here, after all lanes stop.
   * `parallel` may not be called from inside a body.
   */
  parallel(lanes: number, body: (lane: number) => void): void;

  /** Hand the enqueued work to the device (one command encoder per training step on WebGPU). */
  submit(): void;

  /** Free everything; the backend is unusable afterwards. */
  dispose(): void;
}

/** float32 machine epsilon, sklearn's clip for log-loss in float32 */
export const F32_EPS = 1.1920928955078125e-7;

export class ShapeError extends Error {
  override name = "ShapeError";
}

/** Throws ShapeError unless `cond`; `what` names the operation and the shapes involved. */
export function expectShape(cond: boolean, what: string): asserts cond {
  if (!cond) throw new ShapeError(what);
}

/** The (m, k, n) of C = op(A)·op(B), or a ShapeError naming the mismatch. */
export function matmulDims(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean) {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  expectShape(
    k === kb && c.rows === m && c.cols === n,
    `matmul: op(A) ${m}×${k}, op(B) ${kb}×${n}, C ${c.rows}×${c.cols}`,
  );
  return { m, k, n };
}

/** Throws RangeError unless `lanes` is a whole number of lanes for `parallel` (1 … 64). */
export function checkLanes(lanes: number): void {
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64) {
    throw new RangeError(`parallel: lanes must be an integer in 1..64, got ${lanes}`);
  }
}
