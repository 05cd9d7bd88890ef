/**
 * The WebGPU Backend: WGSL kernels from `kernels/*.wgsl` on Dawn (the `webgpu` package).
 *
 * Parameters, optimiser state and batches live in device buffers for the whole fit. Every
 * operation is recorded into one command encoder (see `webgpu/recorder.ts`) until `submit()`,
 * so a training step is one submission; `read()` submits what is pending and maps a staging copy.
 * Losses are summed on the device into 1×1 accumulators, so the trainer reads them every N steps.
 */
import {
  type Activation,
  type AdamParams,
  type Backend,
  type BackendInfo,
  checkLanes,
  expectShape,
  type IndexVector,
  type Matrix,
  matmulDims,
} from "./backend";
import { checkMatrix, checkWrite, checkWriteIndices } from "./shapes";
import { type AdapterSummary, isSoftwareAdapter, listAdapters } from "./webgpu/adapters";
import { createGpu } from "./webgpu/dawn";
import {
  DEFAULT_MATMUL_KERNEL,
  MATMUL_KERNELS,
  type MatmulKernel,
  PipelineCache,
  PROGRAMS,
  type ProgramName,
} from "./webgpu/kernels";
import { DeviceBuffer, Recorder, type Uniforms } from "./webgpu/recorder";

export { type AdapterSummary, listAdapters } from "./webgpu/adapters";
export { DEFAULT_MATMUL_KERNEL, MATMUL_KERNELS, type MatmulKernel } from "./webgpu/kernels";

export interface WebGpuOptions {
  /** adapter name (or a unique part of it) as `listAdapters()` reports it; may name a software adapter */
  adapter?: string;
  /** accept a software adapter (lavapipe, SwiftShader) when no hardware adapter exists */
  allowSoftware?: boolean;
  /**
   * Which WGSL matmul runs (default DEFAULT_MATMUL_KERNEL). Candidates are measured beside the default by
   * bench/gpu.ts and tested by test/compute/webgpu.test.ts; the service never sets this.
   */
  matmulKernel?: MatmulKernel;
}

const ACTIVATION_CODE: Record<Activation, number> = { identity: 0, relu: 1, tanh: 2, logistic: 3 };
const MAX_GROUPS_PER_DIM = 65535;
/** workgroups of the grid-stride reductions (sum_squares, squared_error); their partials fit one scratch */
const MAX_REDUCE_GROUPS = 1024;

class GpuMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    public buf: DeviceBuffer | undefined,
  ) {}
}

class GpuIndices implements IndexVector {
  constructor(
    readonly length: number,
    public buf: DeviceBuffer | undefined,
  ) {}
}

const u = (value: number): Uniforms => ({ u: value });
const f = (value: number): Uniforms => ({ f: value });

/** Workgroup grid for `groups` one-dimensional workgroups, split over y past the per-dimension limit. */
function grid(groups: number): [number, number] {
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1];
  return [MAX_GROUPS_PER_DIM, Math.ceil(groups / MAX_GROUPS_PER_DIM)];
}

class WebGpuBackend implements Backend {
  readonly info: BackendInfo;
  readonly #device: GPUDevice;
  readonly #recorder: Recorder;
  readonly #matmul: ProgramName;
  readonly #live = new Set<DeviceBuffer>();
  /** per-row losses and per-workgroup partial sums; reused by every reduction, grown when needed */
  #scratch: DeviceBuffer;
  #errors: string[] = [];
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: keeps the Dawn instance alive as long as its device
  #gpu: GPU | undefined;
  #disposed = false;
  #inParallel = false;

  constructor(gpu: GPU, device: GPUDevice, info: BackendInfo, matmul: ProgramName) {
    this.#gpu = gpu;
    this.#matmul = matmul;
    this.#device = device;
    this.info = info;
    this.#recorder = new Recorder(device, new PipelineCache(device));
    this.#scratch = this.#allocate(MAX_REDUCE_GROUPS * 4);
    device.onuncapturederror = (event) => {
      this.#errors.push((event as GPUUncapturedErrorEvent).error.message);
    };
  }

  matrix(rows: number, cols: number, data?: Float32Array): Matrix {
    checkMatrix(rows, cols, data);
    return new GpuMatrix(rows, cols, this.#allocate(rows * cols * 4, data));
  }

  write(m: Matrix, data: Float32Array): void {
    checkWrite(m, data);
    this.#upload(this.#mat(m), data);
  }

  async read(m: Matrix): Promise<Float32Array> {
    const buf = this.#mat(m);
    const staging = this.#device.createBuffer({
      size: Math.max(4, buf.bytes),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.#recorder.copy(buf, new DeviceBuffer(staging, buf.bytes), buf.bytes);
    this.#recorder.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ);
      this.#throwDeviceErrors();
      return new Float32Array(staging.getMappedRange(0, buf.bytes).slice(0));
    } finally {
      if (staging.mapState === "mapped") staging.unmap();
      staging.destroy();
    }
  }

  indices(data: Uint32Array): IndexVector {
    return new GpuIndices(data.length, this.#allocate(data.length * 4, data));
  }

  writeIndices(v: IndexVector, data: Uint32Array): void {
    checkWriteIndices(v, data);
    this.#upload(this.#idx(v), data);
  }

  release(m: Matrix | IndexVector): void {
    const handle = m as GpuMatrix | GpuIndices;
    if (!handle.buf) return;
    this.#live.delete(handle.buf);
    this.#recorder.discard(handle.buf);
    handle.buf = undefined;
  }

  matmul(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean, accumulate = false): void {
    const { m, k, n } = matmulDims(a, b, c, transA, transB);
    const groups: [number, number] = [Math.ceil(n / 128), Math.ceil(m / 128)];
    expectShape(groups[1] <= MAX_GROUPS_PER_DIM, `matmul: ${m} rows exceed one dispatch`);
    const flags = (transA ? 1 : 0) | (transB ? 2 : 0) | (accumulate ? 4 : 0);
    this.#run(this.#matmul, [u(m), u(n), u(k), u(flags)], [a, b, c], groups);
  }

  biasActivation(x: Matrix, bias: Matrix, act: Activation, out: Matrix): void {
    expectShape(
      bias.rows === 1 && bias.cols === x.cols,
      `biasActivation: bias ${bias.rows}×${bias.cols}, x ${x.rows}×${x.cols}`,
    );
    expectShape(
      out.rows === x.rows && out.cols === x.cols,
      `biasActivation: out ${out.rows}×${out.cols}, x ${x.rows}×${x.cols}`,
    );
    const params = [u(x.rows), u(x.cols), u(ACTIVATION_CODE[act]), u(0)];
    const groups = grid(Math.ceil((x.rows * x.cols) / 256));
    if (this.#mat(x) === this.#mat(out)) this.#run("bias_activation_inplace", params, [out, bias, out], groups);
    else this.#run("bias_activation", params, [x, bias, out], groups);
  }

  activationBackward(grad: Matrix, y: Matrix, act: Activation): void {
    expectShape(
      grad.rows === y.rows && grad.cols === y.cols,
      `activationBackward: grad ${grad.rows}×${grad.cols}, y ${y.rows}×${y.cols}`,
    );
    const n = grad.rows * grad.cols;
    this.#run("activation_backward", [u(n), u(ACTIVATION_CODE[act])], [grad, y], grid(Math.ceil(n / 256)));
  }

  softmaxCrossEntropy(logits: Matrix, labels: Matrix, probs: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const shape = `${logits.rows}×${logits.cols}`;
    expectShape(
      labels.rows === logits.rows && labels.cols === 1,
      `softmaxCrossEntropy: labels ${labels.rows}×${labels.cols}, logits ${shape}`,
    );
    expectShape(
      probs.rows === logits.rows && probs.cols === logits.cols,
      `softmaxCrossEntropy: probs ${probs.rows}×${probs.cols}, logits ${shape}`,
    );
    expectShape(
      grad.rows === logits.rows && grad.cols === logits.cols,
      `softmaxCrossEntropy: grad ${grad.rows}×${grad.cols}, logits ${shape}`,
    );
    expectShape(loss.rows * loss.cols === 1, `softmaxCrossEntropy: loss ${loss.rows}×${loss.cols} is not 1×1`);
    const rowLoss = this.#scratchFor(logits.rows);
    const params = [u(logits.rows), u(logits.cols), f(scale), u(0)];
    const groups = grid(logits.rows);
    if (this.#mat(probs) === this.#mat(grad)) {
      this.#run("softmax_xent_grad_only", params, [logits, labels, grad, grad, rowLoss], groups);
    } else {
      this.#run("softmax_xent", params, [logits, labels, probs, grad, rowLoss], groups);
    }
    this.#run("sum_accumulate", [u(logits.rows)], [rowLoss, loss], [1, 1]);
  }

  squaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const shape = `${pred.rows}×${pred.cols}`;
    expectShape(
      target.rows === pred.rows && target.cols === pred.cols,
      `squaredError: target ${target.rows}×${target.cols}, pred ${shape}`,
    );
    expectShape(
      grad.rows === pred.rows && grad.cols === pred.cols,
      `squaredError: grad ${grad.rows}×${grad.cols}, pred ${shape}`,
    );
    expectShape(loss.rows * loss.cols === 1, `squaredError: loss ${loss.rows}×${loss.cols} is not 1×1`);
    const n = pred.rows * pred.cols;
    const groups = Math.max(1, Math.min(MAX_REDUCE_GROUPS, Math.ceil(n / 1024)));
    const partials = this.#scratchFor(groups);
    this.#run("squared_error", [u(n), f(scale)], [pred, target, grad, partials], [groups, 1]);
    this.#run("sum_accumulate", [u(groups)], [partials, loss], [1, 1]);
  }

  columnSums(x: Matrix, out: Matrix, accumulate = false): void {
    expectShape(
      out.rows === 1 && out.cols === x.cols,
      `columnSums: out ${out.rows}×${out.cols}, x ${x.rows}×${x.cols}`,
    );
    this.#run(
      "column_sums",
      [u(x.rows), u(x.cols), u(accumulate ? 1 : 0), u(0)],
      [x, out],
      grid(Math.ceil(x.cols / 32)),
    );
  }

  sumSquares(x: Matrix, acc: Matrix): void {
    expectShape(acc.rows * acc.cols === 1, `sumSquares: acc ${acc.rows}×${acc.cols} is not 1×1`);
    const n = x.rows * x.cols;
    const groups = Math.max(1, Math.min(MAX_REDUCE_GROUPS, Math.ceil(n / 1024)));
    const partials = this.#scratchFor(groups);
    this.#run("sum_squares", [u(n)], [x, partials], [groups, 1]);
    this.#run("sum_accumulate", [u(groups)], [partials, acc], [1, 1]);
  }

  adamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix, p: AdamParams): void {
    for (const [what, other] of [
      ["grad", grad],
      ["m", m],
      ["v", v],
    ] as const) {
      expectShape(
        other.rows === param.rows && other.cols === param.cols,
        `adamStep: ${what} ${other.rows}×${other.cols}, param ${param.rows}×${param.cols}`,
      );
    }
    // Bias correction in float64 on the host, as sklearn computes learning_rate_t.
    const lrT = (p.lr * Math.sqrt(1 - p.beta2 ** p.t)) / (1 - p.beta1 ** p.t);
    const n = param.rows * param.cols;
    const params = [u(n), f(lrT), f(p.beta1), f(p.beta2), f(p.eps), f(p.l2)];
    this.#run("adam", params, [param, grad, m, v], grid(Math.ceil(n / 256)));
  }

  gatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void {
    expectShape(out.cols === src.cols, `gatherRows: out ${out.rows}×${out.cols}, src ${src.rows}×${src.cols}`);
    expectShape(
      Number.isInteger(offset) && offset >= 0 && offset + out.rows <= idx.length,
      `gatherRows: rows ${offset}..${offset + out.rows} of ${idx.length} indices`,
    );
    const params = [u(out.rows), u(out.cols), u(offset), u(src.rows)];
    this.#run("gather_rows", params, [src, this.#idx(idx), out], grid(Math.ceil((out.rows * out.cols) / 256)));
  }

  softmax(x: Matrix, out: Matrix): void {
    expectShape(
      out.rows === x.rows && out.cols === x.cols,
      `softmax: out ${out.rows}×${out.cols}, x ${x.rows}×${x.cols}`,
    );
    const params = [u(x.rows), u(x.cols)];
    if (this.#mat(x) === this.#mat(out)) this.#run("softmax_inplace", params, [out, out], grid(x.rows));
    else this.#run("softmax", params, [x, out], grid(x.rows));
  }

  argmax(x: Matrix, out: Matrix): void {
    expectShape(
      out.rows === x.rows && out.cols === 1 && x.cols >= 1,
      `argmax: out ${out.rows}×${out.cols}, x ${x.rows}×${x.cols}`,
    );
    this.#run("argmax", [u(x.rows), u(x.cols)], [x, out], grid(Math.ceil(x.rows / 256)));
  }

  fill(m: Matrix, value: number): void {
    const n = m.rows * m.cols;
    this.#run("fill", [u(n), f(value)], [m], grid(Math.ceil(n / 256)));
  }

  addInto(x: Matrix, acc: Matrix): void {
    expectShape(
      x.rows === acc.rows && x.cols === acc.cols,
      `addInto: x ${x.rows}×${x.cols}, acc ${acc.rows}×${acc.cols}`,
    );
    const n = x.rows * x.cols;
    this.#run("add_into", [u(n)], [x, acc], grid(Math.ceil(n / 256)));
  }

  /** One lane: every dispatch already spreads over the whole device. */
  readonly lanes = 1;

  /** Records the lanes one after another into the same encoder; the device runs each dispatch in parallel. */
  parallel(lanes: number, body: (lane: number) => void): void {
    this.#alive();
    checkLanes(lanes);
    if (this.#inParallel) throw new Error("parallel: called from inside a parallel() body");
    this.#inParallel = true;
    try {
      for (let lane = 0; lane < lanes; lane++) body(lane);
    } finally {
      this.#inParallel = false;
    }
  }

  submit(): void {
    this.#alive();
    this.#recorder.submit();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#recorder.submit();
    for (const b of this.#live) b.buffer.destroy();
    this.#live.clear();
    this.#device.destroy();
    // Dropping the instance lets Dawn's background thread end, so the process can exit.
    this.#gpu = undefined;
  }

  /**
   * Records one dispatch. `operands` line up with the program's storage bindings. A buffer bound
   * writable may not be bound twice in one dispatch (WebGPU forbids the aliasing), so an input
   * that is also an output is first copied aside; the documented in-place cases have own entries.
   */
  #run(name: ProgramName, params: Uniforms[], operands: (Matrix | DeviceBuffer)[], groups: [number, number]): void {
    const buffers = operands.map((o) => (o instanceof DeviceBuffer ? o : this.#mat(o)));
    const storage: readonly (string | null)[] = PROGRAMS[name].storage;
    const written = buffers.filter((_, i) => storage[i] === "rw");
    if (new Set(written).size !== written.length) throw new Error(`${name}: the same matrix is passed as two outputs`);
    const copies: DeviceBuffer[] = [];
    const resolved = buffers.map((b, i) => {
      if (storage[i] !== "read" || !written.includes(b)) return b;
      const copy = this.#allocate(b.bytes);
      this.#live.delete(copy);
      this.#recorder.copy(b, copy, b.bytes);
      copies.push(copy);
      return copy;
    });
    this.#recorder.dispatch(name, params, resolved, groups);
    for (const copy of copies) this.#recorder.discard(copy);
  }

  #scratchFor(values: number): DeviceBuffer {
    if (this.#scratch.bytes < values * 4) {
      this.#live.delete(this.#scratch);
      this.#recorder.discard(this.#scratch);
      this.#scratch = this.#allocate(Math.max(values, MAX_REDUCE_GROUPS) * 4);
    }
    return this.#scratch;
  }

  #allocate(bytes: number, data?: Float32Array | Uint32Array): DeviceBuffer {
    this.#alive();
    const limit = this.#device.limits.maxStorageBufferBindingSize;
    if (bytes > limit)
      throw new RangeError(`WebGPU: ${bytes} bytes exceed this device's ${limit}-byte buffer binding limit`);
    const buffer = this.#device.createBuffer({
      size: Math.max(4, bytes),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buffer.getMappedRange(0, Math.max(4, bytes))).set(
        new Uint8Array(data.buffer, data.byteOffset, bytes),
      );
      buffer.unmap();
    }
    const b = new DeviceBuffer(buffer, bytes);
    this.#live.add(b);
    return b;
  }

  /** Writes in recording order: straight to the queue when nothing is pending, else through a staged copy. */
  #upload(target: DeviceBuffer, data: Float32Array | Uint32Array): void {
    if (target.bytes === 0) return;
    if (!this.#recorder.pending) {
      this.#device.queue.writeBuffer(target.buffer, 0, data.buffer, data.byteOffset, target.bytes);
      return;
    }
    const staging = this.#device.createBuffer({
      size: target.bytes,
      usage: GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, target.bytes));
    staging.unmap();
    const staged = new DeviceBuffer(staging, target.bytes);
    this.#recorder.copy(staged, target, target.bytes);
    this.#recorder.discard(staged);
  }

  #mat(m: Matrix): DeviceBuffer {
    this.#alive();
    if (!(m instanceof GpuMatrix)) throw new TypeError("WebGPU backend: matrix from another backend");
    if (!m.buf) throw new Error(`WebGPU backend: ${m.rows}×${m.cols} matrix used after release`);
    return m.buf;
  }

  #idx(v: IndexVector): DeviceBuffer {
    this.#alive();
    if (!(v instanceof GpuIndices)) throw new TypeError("WebGPU backend: index vector from another backend");
    if (!v.buf) throw new Error("WebGPU backend: index vector used after release");
    return v.buf;
  }

  #alive(): void {
    if (this.#disposed) throw new Error("WebGPU backend used after dispose()");
  }

  #throwDeviceErrors(): void {
    if (this.#errors.length === 0) return;
    const errors = this.#errors;
    this.#errors = [];
    throw new Error(`WebGPU: ${errors.join("; ")}`);
  }
}

/** Picks the adapter the options ask for; software only when named or allowed. */
async function requestAdapter(opts: WebGpuOptions): Promise<{ gpu: GPU; adapter: GPUAdapter; backend: string }> {
  const adapters = await listAdapters();
  const available = adapters.map((a) => `${a.name}${a.software ? " (software)" : ""}`).join(", ") || "none";
  let chosen: AdapterSummary | undefined;
  if (opts.adapter !== undefined) {
    const wanted = opts.adapter.toLowerCase();
    chosen =
      adapters.find((a) => a.name.toLowerCase() === wanted) ??
      adapters.find((a) => a.name.toLowerCase().includes(wanted));
    if (!chosen) throw new Error(`WebGPU adapter "${opts.adapter}" not found; available: ${available}`);
  } else {
    chosen = adapters.find((a) => !a.software) ?? (opts.allowSoftware ? adapters[0] : undefined);
    if (!chosen) {
      throw new Error(
        adapters.length === 0
          ? "no WebGPU adapter found (is a Vulkan driver installed?)"
          : `no hardware WebGPU adapter found (available: ${available}); name the adapter or pass allowSoftware to use a software one`,
      );
    }
  }
  const gpu = createGpu([`adapter=${chosen.name}`]);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error(`WebGPU adapter "${chosen.name}" could not be opened`);
  return { gpu, adapter, backend: chosen.backend };
}

/**
 * Opens a device on a WebGPU adapter and returns the Backend running the WGSL kernels.
 * Without options it takes a hardware adapter and refuses software ones (lavapipe is far slower
 * than the wasm SIMD CPU backend); tests and CI pass `allowSoftware: true` or the adapter name.
 *
 * @example
 * const gpu = await createWebGpuBackend({ allowSoftware: true });
 * gpu.info; // { kind: "webgpu", device: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (vulkan)", software: true }
 */
export async function createWebGpuBackend(opts: WebGpuOptions = {}): Promise<Backend> {
  const kernel = opts.matmulKernel ?? DEFAULT_MATMUL_KERNEL;
  if (!Object.hasOwn(MATMUL_KERNELS, kernel)) {
    throw new Error(`unknown matmul kernel "${kernel}"; known: ${Object.keys(MATMUL_KERNELS).join(", ")}`);
  }
  const { program, workgroupBytes } = MATMUL_KERNELS[kernel];
  const { gpu, adapter, backend } = await requestAdapter(opts);
  // Ask for the adapter's own buffer limits: the defaults (128 MiB bindings) cap the dataset size.
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  if (workgroupBytes > 16384) {
    const most = adapter.limits.maxComputeWorkgroupStorageSize;
    if (most < workgroupBytes) {
      throw new Error(
        `matmul kernel ${kernel} needs ${workgroupBytes} bytes of workgroup memory; this adapter has ${most}`,
      );
    }
    requiredLimits.maxComputeWorkgroupStorageSize = workgroupBytes;
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const info: BackendInfo = {
    kind: "webgpu",
    device: `${adapter.info.description || adapter.info.device || "unknown adapter"} (${backend})`,
    software: isSoftwareAdapter(adapter),
  };
  return new WebGpuBackend(gpu, device, info, program);
}
