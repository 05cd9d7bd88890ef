/**
 * The native CPU Backend: C kernels (kernels/native, AVX-512, AVX2+FMA or the x86-64 baseline, chosen at
 * run time) called through bun:ffi, with their own thread pool. Matrices live in the library's aligned
 * heap and are seen from JS through views, so nothing is copied on a call.
 *
 * Every operation becomes a record (an op code and its arguments, as in kernels/native/api.c). Outside
 * `parallel` a record runs when it is issued (a large matmul split over the pool), except that a matmul
 * waits for the next call: a `biasActivation` of its output in place, or an `activationBackward` of it,
 * is folded into the matmul as its epilogue (C is finished tile by tile while still in cache), and a
 * `columnSums` of its B operand is summed as B is packed (the bias gradient of a weight gradient Aᵀδ). Inside
 * `parallel` each lane's records (fused the same way) form a program, and the pool runs the programs
 * side by side, one thread each, with no barrier between their records.
 *
 * Results repeat bit for bit for the same thread count; every C element sums its products in one fixed
 * order, so a matmul gives the same bits on 1 or 2 threads too.
 *
 * @example
 * const cpu = await createNativeBackend({ threads: 2 });
 * const a = cpu.matrix(2, 3, Float32Array.of(1, 2, 3, 4, 5, 6));
 * const c = cpu.matrix(2, 2);
 * cpu.matmul(a, a, c, false, true); // c = a·aᵀ
 * await cpu.read(c); // [14, 32, 32, 77]
 */
import { ptr as addressOf, toArrayBuffer } from "bun:ffi";
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
import { bestIsa, loadNativeLibrary, NATIVE_ISAS, type NativeIsa, type NativeLibrary } from "./native/library";
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

export { NATIVE_ISAS, type NativeIsa } from "./native/library";

export interface NativeBackendOptions {
  /** threads for matmul and `parallel` lanes, the calling thread included (default: navigator.hardwareConcurrency) */
  threads?: number;
  /** the kernels to run (default: the best this CPU supports); one the CPU lacks is an error */
  isa?: NativeIsa;
  /**
   * Without `isa`: refuse to start when the best this CPU runs is below this one. `cpu` and `auto` ask
   * for avx2, so a CPU without AVX2+FMA gets the wasm kernels, as on other architectures.
   */
  minimum?: NativeIsa;
}

/** Op codes and the length of a record: kernels/native/api.c. */
const RECORD = 20;
const OP = {
  matmul: 0,
  biasActivation: 1,
  activationBackward: 2,
  softmax: 3,
  softmaxXent: 4,
  squaredError: 5,
  columnSums: 6,
  sumSquares: 7,
  argmax: 8,
  adam: 9,
  gatherRows: 10,
  fill: 11,
  addInto: 12,
} as const;
/** what a record may end with (api.c): 1 an index past the end (gatherRows), 2 no memory for packing */
const ERR_MEMORY = 2;
/**
 * Released blocks of at least this many bytes are kept for the next matrix of the same size (a
 * prediction's workspaces come and go per call), up to CACHE_BYTES in all: a fresh large block costs
 * page faults on first touch, a kept one only its zeroing.
 */
const CACHE_MIN_BYTES = 1 << 16;
const CACHE_BYTES = 256 << 20;
/** matmul record fields of the epilogues */
const [M_B, M_BSP, M_BSJ, M_C, M_K, M_N, M_BIAS, M_ACT, M_Y, M_DACT, M_COLSUM, M_COLSUM_ACC] = [
  4, 5, 6, 7, 10, 11, 13, 14, 15, 16, 17, 18,
];

interface Call {
  record: number[];
  /** the error a non-zero result means (gatherRows' bad index) */
  check?: () => Error;
}

class NativeMatrix implements Matrix {
  released = false;
  constructor(
    readonly owner: NativeBackend,
    readonly rows: number,
    readonly cols: number,
    readonly ptr: number,
    readonly data: Float32Array,
    /** `data` is the caller's array (borrow()): its memory is never freed here */
    readonly borrowed = false,
  ) {}
}

class NativeIndices implements IndexVector {
  released = false;
  constructor(
    readonly owner: NativeBackend,
    readonly length: number,
    readonly ptr: number,
    readonly data: Uint32Array,
  ) {}
}

/**
 * Starts the native backend: loads the library (once per process), starts the pool's threads.
 * Rejects with the reason when the library is missing or the CPU lacks the ISA asked for.
 *
 * @example
 * const backend = await createNativeBackend(); // best ISA, one thread per core
 */
export async function createNativeBackend(opts: NativeBackendOptions = {}): Promise<Backend> {
  const threads = opts.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`native backend: threads must be an integer in 1..64, got ${threads}`);
  }
  const lib = await loadNativeLibrary();
  const isa = chooseIsa(lib, opts);
  const ctx = lib.ml_create(threads, NATIVE_ISAS.indexOf(isa));
  if (!ctx) throw new Error(`native backend: could not start ${threads} threads`);
  return new NativeBackend(lib, ctx, threads, isa);
}

/**
 * The device a native backend would be ("native avx512 × 2 threads") without starting one, for /health;
 * rejects with the reason it cannot run.
 */
export async function describeNative(opts: NativeBackendOptions = {}): Promise<string> {
  const isa = chooseIsa(await loadNativeLibrary(), opts);
  return `native ${isa} × ${opts.threads ?? navigator.hardwareConcurrency} threads`;
}

/** The ISA asked for, or the best this CPU runs; an Error saying why when there is none to run. */
function chooseIsa(lib: NativeLibrary, opts: NativeBackendOptions): NativeIsa {
  const isa = opts.isa ?? bestIsa(lib);
  const code = NATIVE_ISAS.indexOf(isa);
  if (code < 0) throw new Error(`native backend: unknown ISA "${isa}"; one of ${NATIVE_ISAS.join(", ")}`);
  if (lib.ml_isa_supported(code) !== 1) throw new Error(`native backend: this CPU does not run the ${isa} kernels`);
  if (!opts.isa && opts.minimum && code > NATIVE_ISAS.indexOf(opts.minimum)) {
    throw new Error(
      `native backend: this CPU has no ${opts.minimum} (ML_CPU_ISA=${isa} forces the native ${isa} kernels)`,
    );
  }
  return isa;
}

class NativeBackend implements Backend {
  readonly info: BackendInfo;
  readonly lanes: number;
  readonly #lib: NativeLibrary;
  readonly #ctx: number;
  /** one record, for the calls that run now */
  readonly #one: { ptr: number; view: Float64Array };
  /** records, program starts and results of `parallel`, grown on demand */
  /** the area `parallel` writes its programs into, with views over all of it (made once per area, not per step) */
  #programs = { ptr: 0, bytes: 0, f64: new Float64Array(0), i32: new Int32Array(0) };
  /** a matmul issued outside `parallel`, held until the next call says whether an epilogue folds into it */
  #pending: number[] | null = null;
  /** inside `parallel`: the current lane's program, instead of running calls */
  #recording: Call[] | null = null;
  /** every matrix and index vector not yet released: dispose() frees them (the library's heap is not a GC's) */
  readonly #owned = new Set<NativeMatrix | NativeIndices>();
  /** released large blocks by byte size, for reuse */
  readonly #cache = new Map<number, number[]>();
  #cachedBytes = 0;
  #disposed = false;

  constructor(lib: NativeLibrary, ctx: number, threads: number, isa: NativeIsa) {
    this.#lib = lib;
    this.#ctx = ctx;
    this.lanes = threads;
    this.info = { kind: "cpu", device: `native ${isa} × ${threads} threads`, software: false };
    const ptr = this.#alloc(RECORD * 8);
    this.#one = { ptr, view: new Float64Array(toArrayBuffer(ptr, 0, RECORD * 8)) };
  }

  parallel(lanes: number, body: (lane: number) => void): void {
    this.#live();
    checkLanes(lanes);
    if (this.#recording) throw new Error("parallel: called from inside a parallel() body");
    this.#flush();
    // record each lane's calls (nothing runs yet), then give lane l to thread l % threads
    const threads = Math.min(lanes, this.lanes);
    const programs: Call[][] = Array.from({ length: threads }, () => []);
    try {
      for (let lane = 0; lane < lanes; lane++) {
        this.#recording = programs[lane % threads] as Call[];
        body(lane);
      }
    } finally {
      this.#recording = null;
    }
    const total = programs.reduce((n, p) => n + p.length, 0);
    // records, then starts (threads + 1), failed (threads) and errors (threads) as i32
    const recordBytes = total * RECORD * 8;
    const { ptr: area, f64: records, i32 } = this.#programArea(recordBytes + (3 * threads + 1) * 4);
    // the ints follow the records: i32 index `ints + j` is int j
    const ints = recordBytes / 4;
    let at = 0;
    programs.forEach((program, t) => {
      i32[ints + t] = at;
      for (const call of program) records.set(call.record, at++ * RECORD);
    });
    i32[ints + threads] = at;
    const failedAt = recordBytes + (threads + 1) * 4;
    this.#lib.ml_run(this.#ctx, area, area + recordBytes, threads, area + failedAt, area + failedAt + threads * 4);
    let error: Error | undefined;
    for (let t = 0; t < threads && !error; t++) {
      const failed = i32[ints + threads + 1 + t] as number;
      if (failed === 0) continue;
      const call = (programs[t] as Call[])[failed - 1] as Call;
      error = (i32[ints + 2 * threads + 1 + t] as number) === ERR_MEMORY || !call.check ? outOfMemory() : call.check();
    }
    if (error) throw error;
  }

  matrix(rows: number, cols: number, data?: Float32Array): Matrix {
    this.#live();
    checkMatrix(rows, cols, data);
    const [ptr, reused] = this.#block(rows * cols * 4);
    const view = new Float32Array(toArrayBuffer(ptr, 0, Math.max(rows * cols * 4, 4)), 0, rows * cols);
    if (data) view.set(data);
    else if (reused) view.fill(0);
    const m = new NativeMatrix(this, rows, cols, ptr, view);
    this.#owned.add(m);
    return m;
  }

  borrow(rows: number, cols: number, data: Float32Array): Matrix {
    this.#live();
    checkMatrix(rows, cols, data);
    if (data.length === 0) return this.matrix(rows, cols, data);
    // the matrix keeps `data` referenced, so its memory stays where addressOf() found it
    const m = new NativeMatrix(this, rows, cols, addressOf(data), data, true);
    this.#owned.add(m);
    return m;
  }

  write(m: Matrix, data: Float32Array): void {
    const x = this.#mat(m);
    checkWrite(x, data);
    this.#flush();
    x.data.set(data);
  }

  async read(m: Matrix): Promise<Float32Array> {
    const x = this.#mat(m);
    this.#flush();
    // a copy: the caller must not keep a view of memory that release() frees
    return x.data.slice();
  }

  indices(data: Uint32Array): IndexVector {
    this.#live();
    const [ptr] = this.#block(data.length * 4);
    const view = new Uint32Array(toArrayBuffer(ptr, 0, Math.max(data.length * 4, 4)), 0, data.length);
    view.set(data);
    const v = new NativeIndices(this, data.length, ptr, view);
    this.#owned.add(v);
    return v;
  }

  writeIndices(v: IndexVector, data: Uint32Array): void {
    const x = this.#idx(v);
    checkWriteIndices(x, data);
    this.#flush();
    x.data.set(data);
  }

  release(m: Matrix | IndexVector): void {
    const x = m instanceof NativeIndices ? this.#idx(m) : this.#mat(m as Matrix);
    this.#flush();
    x.released = true;
    this.#owned.delete(x);
    if (x instanceof NativeMatrix && x.borrowed) return;
    const bytes = x.data.byteLength;
    if (bytes >= CACHE_MIN_BYTES && this.#cachedBytes + bytes <= CACHE_BYTES) {
      const list = this.#cache.get(bytes) ?? [];
      list.push(x.ptr);
      this.#cache.set(bytes, list);
      this.#cachedBytes += bytes;
    } else this.#lib.ml_free(x.ptr);
  }

  matmul(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean, accumulate = false): void {
    const [A, B, C] = [this.#mat(a), this.#mat(b), this.#mat(c)];
    const { m, k, n } = matmulDims(A, B, C, transA, transB);
    if (C === A || C === B) throw new Error("matmul: C must not be A or B (C is written while they are read)");
    if (m === 0 || n === 0) return;
    // op(A)[i][p] = A[i*asi + p*asp], op(B)[p][j] = B[p*bsp + j*bsj] (element strides)
    const [asi, asp] = transA ? [1, A.cols] : [A.cols, 1];
    const [bsp, bsj] = transB ? [1, B.cols] : [B.cols, 1];
    const record = [
      OP.matmul,
      A.ptr,
      asi,
      asp,
      B.ptr,
      bsp,
      bsj,
      C.ptr,
      n,
      m,
      k,
      n,
      accumulate ? 1 : 0,
      0,
      0,
      0,
      0,
      0,
      0,
    ];
    this.#emit({ record });
  }

  biasActivation(x: Matrix, bias: Matrix, act: Activation, out: Matrix): void {
    const [X, b, O] = [this.#mat(x), this.#mat(bias), this.#mat(out)];
    checkBiasActivation(X, b, O);
    this.#emit({ record: [OP.biasActivation, X.ptr, b.ptr, O.ptr, X.rows, X.cols, activationCode(act)] });
  }

  activationBackward(grad: Matrix, y: Matrix, act: Activation): void {
    const [G, Y] = [this.#mat(grad), this.#mat(y)];
    checkActivationBackward(G, Y);
    this.#emit({ record: [OP.activationBackward, G.ptr, Y.ptr, G.rows * G.cols, activationCode(act)] });
  }

  softmaxCrossEntropy(logits: Matrix, labels: Matrix, probs: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const [X, L, P, G, S] = [this.#mat(logits), this.#mat(labels), this.#mat(probs), this.#mat(grad), this.#mat(loss)];
    checkSoftmaxCrossEntropy(X, L, P, G, S);
    this.#emit({ record: [OP.softmaxXent, X.ptr, L.ptr, P.ptr, G.ptr, S.ptr, X.rows, X.cols, scale] });
  }

  squaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const [P, T, G, S] = [this.#mat(pred), this.#mat(target), this.#mat(grad), this.#mat(loss)];
    checkSquaredError(P, T, G, S);
    this.#emit({ record: [OP.squaredError, P.ptr, T.ptr, G.ptr, S.ptr, P.rows * P.cols, scale] });
  }

  columnSums(x: Matrix, out: Matrix, accumulate = false): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkColumnSums(X, O);
    this.#emit({ record: [OP.columnSums, X.ptr, O.ptr, X.rows, X.cols, accumulate ? 1 : 0] });
  }

  sumSquares(x: Matrix, acc: Matrix): void {
    const [X, S] = [this.#mat(x), this.#mat(acc)];
    checkSumSquares(S);
    this.#emit({ record: [OP.sumSquares, X.ptr, X.rows * X.cols, S.ptr] });
  }

  adamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix, p: AdamParams): void {
    const [W, G, M, V] = [this.#mat(param), this.#mat(grad), this.#mat(m), this.#mat(v)];
    checkAdamStep(W, G, M, V);
    // the bias corrections in f64, as sklearn computes them; the kernel then works in f32
    const lrT = (p.lr * Math.sqrt(1 - p.beta2 ** p.t)) / (1 - p.beta1 ** p.t);
    const record = [OP.adam, W.ptr, G.ptr, M.ptr, V.ptr, W.rows * W.cols, lrT, p.beta1, 1 - p.beta1];
    this.#emit({ record: [...record, p.beta2, 1 - p.beta2, p.eps, p.l2] });
  }

  gatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void {
    const [S, I, O] = [this.#mat(src), this.#idx(idx), this.#mat(out)];
    checkGatherRows(S, I, offset, O);
    this.#emit({
      record: [OP.gatherRows, S.ptr, S.rows, S.cols, I.ptr + offset * 4, O.ptr, O.rows],
      check: () =>
        new RangeError(`gatherRows: an index in [${offset}, ${offset + O.rows}) is past the ${S.rows} rows of src`),
    });
  }

  softmax(x: Matrix, out: Matrix): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkSoftmax(X, O);
    this.#emit({ record: [OP.softmax, X.ptr, O.ptr, X.rows, X.cols] });
  }

  argmax(x: Matrix, out: Matrix): void {
    const [X, O] = [this.#mat(x), this.#mat(out)];
    checkArgmax(X, O);
    this.#emit({ record: [OP.argmax, X.ptr, O.ptr, X.rows, X.cols] });
  }

  fill(m: Matrix, value: number): void {
    const X = this.#mat(m);
    this.#emit({ record: [OP.fill, X.ptr, X.rows * X.cols, value] });
  }

  addInto(x: Matrix, acc: Matrix): void {
    const [X, A] = [this.#mat(x), this.#mat(acc)];
    checkAddInto(X, A);
    this.#emit({ record: [OP.addInto, X.ptr, A.ptr, X.rows * X.cols] });
  }

  submit(): void {
    this.#live();
    this.#flush();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#pending = null;
    this.#disposed = true;
    this.#lib.ml_destroy(this.#ctx);
    for (const x of this.#owned) {
      x.released = true;
      if (!(x instanceof NativeMatrix && x.borrowed)) this.#lib.ml_free(x.ptr);
    }
    this.#owned.clear();
    for (const list of this.#cache.values()) for (const ptr of list) this.#lib.ml_free(ptr);
    this.#cache.clear();
    this.#lib.ml_free(this.#one.ptr);
    if (this.#programs.bytes) this.#lib.ml_free(this.#programs.ptr);
  }

  /**
   * Inside `parallel`, adds the call to the lane's program; else runs it, holding a matmul back until
   * the next call. Either way an epilogue that follows its matmul is folded into it.
   */
  #emit(call: Call): void {
    if (this.#recording) {
      const last = this.#recording[this.#recording.length - 1];
      if (!(last && fold(last.record, call.record))) this.#recording.push(call);
      return;
    }
    if (this.#pending && fold(this.#pending, call.record)) {
      this.#flush();
      return;
    }
    this.#flush();
    if (call.record[0] === OP.matmul) this.#pending = call.record;
    else this.#run(call);
  }

  /** Runs the held matmul, if any. */
  #flush(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    this.#run({ record: pending });
  }

  #run(call: Call): void {
    this.#one.view.set(call.record);
    const r = this.#lib.ml_call(this.#ctx, this.#one.ptr);
    if (r === 0) return;
    throw r === ERR_MEMORY || !call.check ? outOfMemory() : call.check();
  }

  #live(): void {
    if (this.#disposed) throw new Error("native backend: used after dispose()");
  }

  /** A block of `bytes` (zero-filled when new); `reused` when it comes from the cache and holds old values. */
  #block(bytes: number): [ptr: number, reused: boolean] {
    const kept = this.#cache.get(bytes)?.pop();
    if (kept === undefined) return [this.#alloc(bytes), false];
    this.#cachedBytes -= bytes;
    return [kept, true];
  }

  #alloc(bytes: number): number {
    const ptr = this.#lib.ml_alloc(bytes);
    if (!ptr) throw new RangeError(`native backend: out of memory allocating ${bytes} bytes`);
    return ptr;
  }

  #mat(m: Matrix): NativeMatrix {
    this.#live();
    if (!(m instanceof NativeMatrix) || m.owner !== this)
      throw new Error("native backend: matrix from another backend");
    if (m.released) throw new Error(`native backend: ${m.rows}×${m.cols} matrix used after release()`);
    return m;
  }

  #idx(v: IndexVector): NativeIndices {
    this.#live();
    if (!(v instanceof NativeIndices) || v.owner !== this)
      throw new Error("native backend: index vector from another backend");
    if (v.released) throw new Error(`native backend: index vector of ${v.length} used after release()`);
    return v;
  }

  #programArea(bytes: number): { ptr: number; f64: Float64Array; i32: Int32Array } {
    if (bytes > this.#programs.bytes) {
      if (this.#programs.bytes) this.#lib.ml_free(this.#programs.ptr);
      // room to spare, so that a step a little longer than the last does not move it
      const size = Math.max(bytes * 2, 16384);
      const ptr = this.#alloc(size);
      // one ArrayBuffer per area: a new one per step was external memory the GC let pile up
      const buffer = toArrayBuffer(ptr, 0, size);
      this.#programs = { ptr, bytes: size, f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
    }
    return this.#programs;
  }
}

/**
 * Folds `next` into the matmul record `mm` when it is a biasActivation of C in place or an activationBackward
 * of C (the epilogue; the matmul has none yet), or the columnSums of op(B) into another matrix (summed as B
 * is packed: a bias gradient beside its weight gradient Aᵀδ); true when folded (next is then done).
 */
function fold(mm: number[], next: number[]): boolean {
  if (mm[0] !== OP.matmul) return false;
  if (next[0] === OP.columnSums) {
    // x is op(B) itself: B not transposed (unit column stride), k×n with row stride n
    const [x, out, rows, cols] = next.slice(1, 5) as [number, number, number, number];
    const isB = x === mm[M_B] && mm[M_BSJ] === 1 && mm[M_BSP] === cols && mm[M_K] === rows && mm[M_N] === cols;
    if (!isB || mm[M_COLSUM] !== 0 || out === mm[1] || out === mm[M_B] || out === mm[M_C]) return false;
    mm[M_COLSUM] = out;
    mm[M_COLSUM_ACC] = next[5] as number;
    return true;
  }
  if (mm[M_BIAS] !== 0 || mm[M_ACT] !== 0 || mm[M_Y] !== 0) return false;
  const c = mm[M_C];
  if (next[0] === OP.biasActivation && next[1] === c && next[3] === c) {
    mm[M_BIAS] = next[2] as number;
    mm[M_ACT] = next[6] as number;
    return true;
  }
  if (next[0] === OP.activationBackward && next[1] === c) {
    mm[M_Y] = next[2] as number;
    mm[M_DACT] = next[4] as number;
    return true;
  }
  return false;
}

function outOfMemory(): Error {
  return new RangeError("native backend: out of memory for a matmul's packing buffers");
}
