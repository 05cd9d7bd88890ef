/**
 * The CPU Backend: WebAssembly SIMD kernels (kernels/cpu/*.wat) over one shared WebAssembly.Memory.
 * A matmul is split across worker threads and everything else runs on the calling thread; inside
 * `parallel`, each lane's calls are recorded and then run in order on one thread, lanes side by side.
 *
 * Operations run when they are called (the work is done before the method returns, or before
 * `parallel` returns), so `submit` has nothing to do and `read` only copies. A given call gives the
 * same result whatever the thread count: every output element is computed by one thread in an order
 * fixed by the shapes.
 *
 * @example
 * const cpu = await createCpuBackend({ threads: 2 });
 * const a = cpu.matrix(2, 3, Float32Array.of(1, 2, 3, 4, 5, 6));
 * const c = cpu.matrix(2, 2);
 * cpu.matmul(a, a, c, false, true); // c = a·aᵀ
 * await cpu.read(c); // [14, 32, 32, 77]
 */
import {
  type Activation,
  type AdamParams,
  type Backend,
  type BackendInfo,
  checkLanes,
  type IndexVector,
  type Matrix,
  matmulDims,
} from "./backend";
import { WasmHeap } from "./cpu/heap";
import { type CpuKernels, cpuKernelModule } from "./cpu/kernels";
import { type KernelCall, PROGRAM_STRIDE, SLOT_BYTES, WorkerPool } from "./cpu/pool";
import {
  activationCode,
  checkActivationBackward,
  checkAdamStep,
  checkAddInto,
  checkArgmax,
  checkBiasActivation,
  checkColumnSums,
  checkGatherRows,
  checkMatrix,
  checkSoftmax,
  checkSoftmaxCrossEntropy,
  checkSquaredError,
  checkSumSquares,
  checkWrite,
  checkWriteIndices,
} from "./shapes";

export interface CpuBackendOptions {
  /** threads for matmul and `parallel` lanes, the calling thread included (default: navigator.hardwareConcurrency) */
  threads?: number;
}

/**
 * Below this many multiply-adds (~300 µs on one thread) a matmul stays on the calling thread.
 * Waking a worker costs 25–50 µs on an idle machine and far more on a busy one; on digits
 * (batch 200, (128,64)) 1 << 20 spent over half the fit in Atomics.wait/notify, and 1 << 22
 * trained ~1.5× faster (prof-train runs, 2 cores, same load).
 */
const PARALLEL_MIN_MACS = 1 << 22;
/** Control block (one slot per thread) after a null page of 1 KiB, so address 0 is never a matrix. */
const CONTROL_BASE = 1024;
const INITIAL_PAGES = 256; // 16 MiB
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit; shared memory must declare its maximum

/** A call recorded inside `parallel`; a matmul notes the scratch bytes it needs (its last argument is filled in later). */
type RecordedCall = KernelCall & { scratch?: number };

class CpuMatrix implements Matrix {
  released = false;
  constructor(
    readonly owner: CpuBackend,
    readonly rows: number,
    readonly cols: number,
    readonly ptr: number,
  ) {}
  get bytes() {
    return this.rows * this.cols * 4;
  }
}

class CpuIndices implements IndexVector {
  released = false;
  constructor(
    readonly owner: CpuBackend,
    readonly length: number,
    readonly ptr: number,
  ) {}
  get bytes() {
    return this.length * 4;
  }
}

/**
 * Starts the CPU backend: compiles the kernels, allocates the shared memory and starts `threads - 1` workers.
 *
 * @example
 * const backend = await createCpuBackend(); // one thread per core
 */
export async function createCpuBackend(opts: CpuBackendOptions = {}): Promise<Backend> {
  const threads = opts.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`cpu backend: threads must be an integer in 1..64, got ${threads}`);
  }
  const module = await cpuKernelModule();
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const pool = await WorkerPool.start({
    module,
    memory,
    local: instance.exports,
    threads,
    base: CONTROL_BASE,
    kernels: WebAssembly.Module.exports(module)
      .filter((e) => e.kind === "function")
      .map((e) => e.name),
  });
  return new CpuBackend(memory, instance.exports as unknown as CpuKernels, pool);
}

class CpuBackend implements Backend {
  readonly info: BackendInfo;
  readonly #memory: WebAssembly.Memory;
  readonly #k: CpuKernels;
  readonly #pool: WorkerPool;
  readonly #heap: WasmHeap;
  #f32: Float32Array;
  #u32: Uint32Array;
  /** per-thread matmul scratch (a packed B panel and an edge tile), kept between calls */
  #scratch = { ptr: 0, bytes: 0 };
  /** where `parallel` encodes the workers' programs, kept between calls */
  #programs = { ptr: 0, bytes: 0 };
  /** inside `parallel`: the calls recorded for the current lane, instead of running them */
  #recording: RecordedCall[] | null = null;
  #disposed = false;

  constructor(memory: WebAssembly.Memory, kernels: CpuKernels, pool: WorkerPool) {
    this.info = { kind: "cpu", device: `wasm simd128 × ${pool.threads} threads`, software: false };
    this.#memory = memory;
    this.#k = kernels;
    this.#pool = pool;
    this.#f32 = new Float32Array(memory.buffer);
    this.#u32 = new Uint32Array(memory.buffer);
    this.#heap = new WasmHeap(memory, CONTROL_BASE + (pool.threads + 1) * SLOT_BYTES, () => {
      this.#f32 = new Float32Array(this.#memory.buffer);
      this.#u32 = new Uint32Array(this.#memory.buffer);
    });
  }

  get lanes(): number {
    return this.#pool.threads;
  }

  parallel(lanes: number, body: (lane: number) => void): void {
    this.#live();
    checkLanes(lanes);
    if (this.#recording) throw new Error("parallel: called from inside a parallel() body");
    // record each lane's calls (nothing runs yet), then give lane l to thread l % threads
    const threads = Math.min(lanes, this.#pool.threads);
    const programs: RecordedCall[][] = Array.from({ length: threads }, () => []);
    try {
      for (let lane = 0; lane < lanes; lane++) {
        this.#recording = programs[lane % threads] as RecordedCall[];
        body(lane);
      }
    } finally {
      this.#recording = null;
    }
    // matmuls of one thread run one after another, so each thread needs one scratch of the largest size
    let scratchBytes = 0;
    for (const call of programs.flat()) scratchBytes = Math.max(scratchBytes, call.scratch ?? 0);
    const scratch = scratchBytes > 0 ? this.#scratchFor(threads * scratchBytes) : 0;
    programs.forEach((program, t) => {
      for (const call of program) if (call.scratch) call.args[15] = scratch + t * scratchBytes;
    });
    const calls = programs.slice(1).reduce((n, p) => n + p.length, 0);
    this.#pool.runPrograms(programs, this.#programArea(calls * PROGRAM_STRIDE * 8));
  }

  matrix(rows: number, cols: number, data?: Float32Array): Matrix {
    this.#live();
    checkMatrix(rows, cols, data);
    const m = new CpuMatrix(this, rows, cols, this.#heap.alloc(rows * cols * 4));
    if (data) this.#f32.set(data, m.ptr / 4);
    else this.#f32.fill(0, m.ptr / 4, m.ptr / 4 + rows * cols);
    return m;
  }

  write(m: Matrix, data: Float32Array): void {
    const x = this.#mat(m);
    checkWrite(x, data);
    this.#f32.set(data, x.ptr / 4);
  }

  async read(m: Matrix): Promise<Float32Array> {
    const x = this.#mat(m);
    // a copy into an ordinary ArrayBuffer: the caller must not see (or keep alive) the shared memory
    const out = new Float32Array(x.rows * x.cols);
    out.set(this.#f32.subarray(x.ptr / 4, x.ptr / 4 + out.length));
    return out;
  }

  indices(data: Uint32Array): IndexVector {
    this.#live();
    const v = new CpuIndices(this, data.length, this.#heap.alloc(data.length * 4));
    this.#u32.set(data, v.ptr / 4);
    return v;
  }

  writeIndices(v: IndexVector, data: Uint32Array): void {
    const x = this.#idx(v);
    checkWriteIndices(x, data);
    this.#u32.set(data, x.ptr / 4);
  }

  release(m: Matrix | IndexVector): void {
    const x = m instanceof CpuIndices ? this.#idx(m) : this.#mat(m as Matrix);
    x.released = true;
    this.#heap.free(x.ptr, x.bytes);
  }

  matmul(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean, accumulate = false): void {
    const [A, B, C] = [this.#mat(a), this.#mat(b), this.#mat(c)];
    const { m, k, n } = matmulDims(A, B, C, transA, transB);
    if (C === A || C === B) throw new Error("matmul: C must not be A or B (C is written while they are read)");
    if (m === 0 || n === 0) return;
    const scratchBytes = Math.ceil((k * 64 + 256) / 64) * 64;
    // op(A)[i][p] = A[i*asi + p*asp], op(B)[p][j] = B[p*bsp + j*bsj] (element strides)
    const [asi, asp] = transA ? [1, A.cols] : [A.cols, 1];
    const [bsp, bsj] = transB ? [1, B.cols] : [B.cols, 1];
    const args = (i0: number, i1: number, j0: number, j1: number, scratch: number) => [
      A.ptr,
      asi,
      asp,
      B.ptr,
      bsp,
      bsj,
      C.ptr,
      n,
      k,
      n,
      i0,
      i1,
      j0,
      j1,
      accumulate ? 1 : 0,
      scratch,
    ];
    if (this.#recording) {
      // the whole product on this lane's thread; `parallel` fills in the thread's scratch
      this.#recording.push({
        kernel: this.#pool.kernelId("matmul_forward"),
        args: args(0, m, 0, n, 0),
        scratch: scratchBytes,
      });
      return;
    }
    const threads = m * n * k < PARALLEL_MIN_MACS ? 1 : this.#pool.threads;
    const parts = splitMatmul(m, n, threads);
    const scratch = this.#scratchFor(parts.length * scratchBytes);
    this.#pool.run(
      "matmul_forward",
      parts.map(([i0, i1, j0, j1], t) => args(i0, i1, j0, j1, scratch + t * scratchBytes)),
    );
  }

  biasActivation(x: Matrix, bias: Matrix, act: Activation, out: Matrix): void {
    const [X, b, O] = [this.#mat(x), this.#mat(bias), this.#mat(out)];
    checkBiasActivation(X, b, O);
    this.#call("bias_activation_forward", [X.ptr, b.ptr, O.ptr, X.rows, X.cols, activationCode(act)]);
  }

  activationBackward(grad: Matrix, y: Matrix, act: Activation): void {
    const [G, Y] = [this.#mat(grad), this.#mat(y)];
    checkActivationBackward(G, Y);
    this.#call("activation_backward", [G.ptr, Y.ptr, G.rows * G.cols, activationCode(act)]);
  }

  softmaxCrossEntropy(logits: Matrix, labels: Matrix, probs: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const [X, L, P, G, S] = [this.#mat(logits), this.#mat(labels), this.#mat(probs), this.#mat(grad), this.#mat(loss)];
    checkSoftmaxCrossEntropy(X, L, P, G, S);
    this.#call("softmax_xent_backward", [X.ptr, L.ptr, P.ptr, G.ptr, S.ptr, X.rows, X.cols, scale]);
  }

  squaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const [P, T, G, S] = [this.#mat(pred), this.#mat(target), this.#mat(grad), this.#mat(loss)];
    checkSquaredError(P, T, G, S);
    this.#call("squared_error_backward", [P.ptr, T.ptr, G.ptr, S.ptr, P.rows * P.cols, scale]);
  }

  columnSums(x: Matrix, out: Matrix, accumulate = false): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkColumnSums(X, O);
    this.#call("column_sums_forward", [X.ptr, O.ptr, X.rows, X.cols, accumulate ? 1 : 0]);
  }

  sumSquares(x: Matrix, acc: Matrix): void {
    const [X, S] = [this.#mat(x), this.#mat(acc)];
    checkSumSquares(S);
    this.#call("sum_squares_forward", [X.ptr, X.rows * X.cols, S.ptr]);
  }

  adamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix, p: AdamParams): void {
    const [W, G, M, V] = [this.#mat(param), this.#mat(grad), this.#mat(m), this.#mat(v)];
    checkAdamStep(W, G, M, V);
    // the bias corrections in f64, as sklearn computes them; the kernel then works in f32
    const lrT = (p.lr * Math.sqrt(1 - p.beta2 ** p.t)) / (1 - p.beta1 ** p.t);
    const count = W.rows * W.cols;
    this.#call("adam_step", [
      W.ptr,
      G.ptr,
      M.ptr,
      V.ptr,
      count,
      lrT,
      p.beta1,
      1 - p.beta1,
      p.beta2,
      1 - p.beta2,
      p.eps,
      p.l2,
    ]);
  }

  gatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void {
    const [S, I, O] = [this.#mat(src), this.#idx(idx), this.#mat(out)];
    checkGatherRows(S, I, offset, O);
    this.#call(
      "gather_rows_forward",
      [S.ptr, S.rows, S.cols, I.ptr + offset * 4, O.ptr, O.rows],
      () => new RangeError(`gatherRows: an index in [${offset}, ${offset + O.rows}) is past the ${S.rows} rows of src`),
    );
  }

  softmax(x: Matrix, out: Matrix): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkSoftmax(X, O);
    this.#call("softmax_forward", [X.ptr, O.ptr, X.rows, X.cols]);
  }

  argmax(x: Matrix, out: Matrix): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkArgmax(X, O);
    this.#call("argmax_forward", [X.ptr, O.ptr, X.rows, X.cols]);
  }

  fill(m: Matrix, value: number): void {
    const X = this.#mat(m);
    this.#call("fill_forward", [X.ptr, X.rows * X.cols, value]);
  }

  addInto(x: Matrix, acc: Matrix): void {
    const [X, A] = [this.#mat(x), this.#mat(acc)];
    checkAddInto(X, A);
    this.#call("add_into", [X.ptr, A.ptr, X.rows * X.cols]);
  }

  submit(): void {
    this.#live();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pool.close();
  }

  #live(): void {
    if (this.#disposed) throw new Error("cpu backend: used after dispose()");
  }

  #mat(m: Matrix): CpuMatrix {
    this.#live();
    if (!(m instanceof CpuMatrix) || m.owner !== this) throw new Error("cpu backend: matrix from another backend");
    if (m.released) throw new Error(`cpu backend: ${m.rows}×${m.cols} matrix used after release()`);
    return m;
  }

  #idx(v: IndexVector): CpuIndices {
    this.#live();
    if (!(v instanceof CpuIndices) || v.owner !== this)
      throw new Error("cpu backend: index vector from another backend");
    if (v.released) throw new Error(`cpu backend: index vector of ${v.length} used after release()`);
    return v;
  }

  /**
   * Runs a kernel now, or inside `parallel` adds it to the current lane's program.
   * `check` turns a non-zero return value into that error.
   */
  #call(kernel: keyof CpuKernels, args: number[], check?: () => Error): void {
    if (this.#recording) {
      this.#recording.push({ kernel: this.#pool.kernelId(kernel), args, ...(check ? { check } : {}) });
      return;
    }
    const r = (this.#k[kernel] as (...args: number[]) => unknown)(...args);
    if (check && r) throw check();
  }

  #programArea(bytes: number): number {
    if (bytes > this.#programs.bytes) {
      if (this.#programs.bytes) this.#heap.free(this.#programs.ptr, this.#programs.bytes);
      // room to spare, so that a step a little longer than the last does not move it
      const size = Math.max(bytes * 2, 16384);
      this.#programs = { ptr: this.#heap.alloc(size), bytes: size };
    }
    return this.#programs.ptr;
  }

  #scratchFor(bytes: number): number {
    if (bytes > this.#scratch.bytes) {
      if (this.#scratch.bytes) this.#heap.free(this.#scratch.ptr, this.#scratch.bytes);
      this.#scratch = { ptr: this.#heap.alloc(bytes), bytes };
    }
    return this.#scratch.ptr;
  }
}

/**
 * Rows [i0,i1) × columns [j0,j1) of C for each thread: whole 16-column panels when there are enough
 * of them (each thread packs only its own panels), else blocks of 4 rows. Fixed by (m, n, threads) alone.
 */
export function splitMatmul(m: number, n: number, threads: number): [number, number, number, number][] {
  const panels = Math.ceil(n / 16);
  const blocks = Math.ceil(m / 4);
  const imbalance = (units: number) => Math.ceil(units / threads) / (units / threads);
  const byPanels = panels >= threads && imbalance(panels) <= imbalance(blocks);
  const units = byPanels ? panels : blocks;
  const parts: [number, number, number, number][] = [];
  for (let t = 0; t < threads; t++) {
    const u0 = Math.floor((t * units) / threads);
    const u1 = Math.floor(((t + 1) * units) / threads);
    if (u1 === u0) continue;
    parts.push(byPanels ? [0, m, u0 * 16, Math.min(u1 * 16, n)] : [u0 * 4, Math.min(u1 * 4, m), 0, n]);
  }
  return parts;
}
