/**
 * Chooses the compute backend for a fit or for serving: `ML_COMPUTE=auto|webgpu|cpu|cpu-native|cpu-wasm`.
 *
 * - `cpu`: the native backend (C kernels, AVX-512 or AVX2+FMA, `ML_CPU_ISA` to force one, the x86-64
 *   baseline included), else the wasm SIMD backend, the reason said (no compiler at build time, another
 *   CPU or one without AVX2, a load failure). `cpu-native` and `cpu-wasm` force one; a native backend
 *   that cannot start is then an error (`cpu-native` runs the baseline kernels on a CPU without AVX2).
 * - `webgpu`: the named adapter (a software one too: naming it is asking for it); without a name
 *   a hardware adapter, else the software one when that is all there is (asking for WebGPU on a
 *   box with only lavapipe, such as CI, should work, just slowly). No adapter at all is an error.
 * - `auto`: a hardware GPU when the work is large enough to pay for the device set-up and the
 *   transfers, else the CPU as `cpu` picks it. Software adapters are never taken by auto: lavapipe runs our kernels
 *   several times slower than the wasm SIMD backend.
 *
 * The threshold: `workSize` is the caller's estimate of total training FLOPs (about
 * 6 · rows · parameters · epochs). At 1e12 the CPU needs tens of seconds (≈ 20–50 GFLOP/s on a
 * few cores) while a GPU spends ~1 s opening the device and compiling pipelines, so below it the
 * CPU wins or ties. An unknown work size under auto counts as large (serving, /health).
 */
import type { Backend } from "./backend";
import { createCpuBackend } from "./cpu";
import { cpuKernelModule } from "./cpu/kernels";
import { createNativeBackend, describeNative, type NativeBackendOptions, type NativeIsa } from "./native";
import { type AdapterSummary, createWebGpuBackend, listAdapters } from "./webgpu";

/** Total training FLOPs from which `auto` takes a hardware GPU. */
export const AUTO_GPU_MIN_FLOPS = 1e12;

export type ComputeSetting = "auto" | "webgpu" | "cpu" | "cpu-native" | "cpu-wasm";

export interface PickOptions {
  compute: ComputeSetting;
  /** WebGPU adapter name (or part of it), as listAdapters() reports */
  adapter?: string;
  /** estimated training FLOPs, ≈ 6 · rows · parameters · epochs; unknown counts as large */
  workSize?: number;
  /** CPU threads (default: all cores) */
  threads?: number;
  /** the native kernels' ISA (default: the best the CPU runs) */
  isa?: NativeIsa;
}

export interface ComputeChoice {
  backend: "cpu" | "webgpu";
  /** the adapter to open when backend is webgpu */
  adapter?: AdapterSummary;
  reason: string;
}

/** What pick.ts calls; tests pass fakes to exercise the rules without a GPU. */
export interface PickDeps {
  listAdapters: () => Promise<AdapterSummary[]>;
  createCpuBackend: (opts: { threads?: number }) => Promise<Backend>;
  createNativeBackend: (opts: NativeBackendOptions) => Promise<Backend>;
  /** the native backend's device without starting it, or a rejection saying why it cannot run */
  describeNative: (opts: NativeBackendOptions) => Promise<string>;
  createWebGpuBackend: (opts: { adapter?: string; allowSoftware?: boolean }) => Promise<Backend>;
}

/** The pick options the service's settings ask for (ML_COMPUTE, ML_WEBGPU_ADAPTER, ML_CPU_THREADS, ML_CPU_ISA). */
export function computeOptions(config: {
  ML_COMPUTE: PickOptions["compute"];
  ML_WEBGPU_ADAPTER: string;
  ML_CPU_THREADS: number;
  ML_CPU_ISA: NativeIsa | "auto";
}): PickOptions {
  return {
    compute: config.ML_COMPUTE,
    ...(config.ML_WEBGPU_ADAPTER ? { adapter: config.ML_WEBGPU_ADAPTER } : {}),
    ...(config.ML_CPU_THREADS > 0 ? { threads: config.ML_CPU_THREADS } : {}),
    ...(config.ML_CPU_ISA !== "auto" ? { isa: config.ML_CPU_ISA } : {}),
  };
}

const defaultDeps: PickDeps = {
  listAdapters,
  createCpuBackend,
  createWebGpuBackend,
  createNativeBackend,
  describeNative,
};

/** the native backend's options; `cpu` and `auto` want AVX2 at least (else wasm), `cpu-native` takes any */
const cpuOptions = (opts: PickOptions): NativeBackendOptions => ({
  ...(opts.threads === undefined ? {} : { threads: opts.threads }),
  ...(opts.isa === undefined ? {} : { isa: opts.isa }),
  ...(opts.compute === "cpu-native" ? {} : { minimum: "avx2" as const }),
});

/**
 * Opens the CPU backend the setting asks for: native unless `cpu-wasm`, falling back to wasm (unless
 * `cpu-native`) with `note` saying why.
 */
export async function openCpu(
  opts: PickOptions,
  deps: PickDeps = defaultDeps,
): Promise<{ backend: Backend; note?: string }> {
  const { threads } = cpuOptions(opts);
  const wasm = () => deps.createCpuBackend(threads === undefined ? {} : { threads });
  if (opts.compute === "cpu-wasm") return { backend: await wasm() };
  try {
    return { backend: await deps.createNativeBackend(cpuOptions(opts)) };
  } catch (err) {
    if (opts.compute === "cpu-native") throw err;
    return { backend: await wasm(), note: `${(err as Error).message}: using wasm simd` };
  }
}

const label = (a: AdapterSummary) => `${a.description} (${a.backend}${a.software ? ", software" : ""})`;

/** The rules above, on the adapter list alone: no device is opened. */
export async function chooseCompute(opts: PickOptions, deps: PickDeps = defaultDeps): Promise<ComputeChoice> {
  if (opts.compute !== "auto" && opts.compute !== "webgpu")
    return { backend: "cpu", reason: `ML_COMPUTE=${opts.compute}` };
  const adapters = await deps.listAdapters();
  const wanted = opts.adapter?.toLowerCase();
  const named = wanted
    ? (adapters.find((a) => a.name.toLowerCase() === wanted) ??
      adapters.find((a) => a.name.toLowerCase().includes(wanted)))
    : undefined;
  const hardware = adapters.find((a) => !a.software);
  const seen = adapters.map(label).join(", ") || "none";

  if (opts.compute === "webgpu") {
    if (opts.adapter !== undefined) {
      if (!named) throw new Error(`ML_COMPUTE=webgpu: adapter "${opts.adapter}" not found; available: ${seen}`);
      return { backend: "webgpu", adapter: named, reason: `ML_COMPUTE=webgpu with adapter "${opts.adapter}"` };
    }
    const adapter = hardware ?? adapters[0];
    if (!adapter) throw new Error("ML_COMPUTE=webgpu but no WebGPU adapter was found (is a Vulkan driver installed?)");
    const why = adapter.software ? "the only adapter is a software one: expect it to be slow" : "hardware adapter";
    return { backend: "webgpu", adapter, reason: `ML_COMPUTE=webgpu: ${why}` };
  }

  // auto
  const gpu = named && !named.software ? named : opts.adapter === undefined ? hardware : undefined;
  if (!gpu) {
    const why =
      opts.adapter === undefined
        ? `no hardware GPU (adapters: ${seen})`
        : named
          ? `adapter "${opts.adapter}" is software`
          : `adapter "${opts.adapter}" not found (adapters: ${seen})`;
    return { backend: "cpu", reason: `auto: ${why}` };
  }
  if (opts.workSize !== undefined && opts.workSize < AUTO_GPU_MIN_FLOPS) {
    const work = opts.workSize.toExponential(1);
    return {
      backend: "cpu",
      reason: `auto: ${work} training FLOPs is below the ${AUTO_GPU_MIN_FLOPS.toExponential(0)} GPU threshold`,
    };
  }
  const work = opts.workSize === undefined ? "work size unknown" : `${opts.workSize.toExponential(1)} training FLOPs`;
  return { backend: "webgpu", adapter: gpu, reason: `auto: hardware GPU, ${work}` };
}

/**
 * Opens the chosen backend. Under auto, a GPU that fails to open falls back to the CPU (the reason
 * says so); an explicit `webgpu` failure is an error.
 *
 * @example
 * const { backend, reason } = await pickBackend({ compute: "auto", workSize: 6 * rows * params * epochs });
 * log.info("compute", { device: backend.info.device, reason });
 */
export async function pickBackend(
  opts: PickOptions,
  deps: PickDeps = defaultDeps,
): Promise<{ backend: Backend; reason: string }> {
  const choice = await chooseCompute(opts, deps);
  const cpu = async (reason: string) => {
    const { backend, note } = await openCpu(opts, deps);
    return { backend, reason: `${reason}: ${backend.info.device}${note ? ` (${note})` : ""}` };
  };
  if (choice.backend === "cpu" || !choice.adapter) return cpu(choice.reason);
  try {
    const backend = await deps.createWebGpuBackend({ adapter: choice.adapter.name, allowSoftware: true });
    return { backend, reason: `${choice.reason}: ${backend.info.device}` };
  } catch (err) {
    if (opts.compute === "webgpu") throw err;
    return cpu(`auto: the GPU failed to open (${(err as Error).message}), using the CPU`);
  }
}

/**
 * What `pickBackend` would choose, for /health: probes the adapter list once per process (cached)
 * and opens no device. Errors become a description rather than a failed health check.
 */
export async function describeCompute(
  opts: PickOptions,
  deps: PickDeps = defaultDeps,
): Promise<{ backend: "cpu" | "webgpu"; device: string; reason: string; cannot_train?: string }> {
  // every fit needs the wasm kernels (small fits run on the CPU even beside a GPU): a source
  // checkout that never built them serves but cannot train, and /health says so
  const cannotTrain = await cpuKernelModule().then(
    () => ({}),
    (e: Error) => ({ cannot_train: e.message }),
  );
  return { ...(await describeChoice(opts, deps)), ...cannotTrain };
}

async function describeChoice(
  opts: PickOptions,
  deps: PickDeps,
): Promise<{ backend: "cpu" | "webgpu"; device: string; reason: string }> {
  const wasmDevice = `wasm simd128 × ${opts.threads ?? navigator.hardwareConcurrency} threads`;
  // the CPU a fit would get: native unless asked for wasm or unable to run, and then why
  let cpu = { device: wasmDevice, note: "" };
  if (opts.compute !== "cpu-wasm") {
    try {
      cpu = { device: await deps.describeNative(cpuOptions(opts)), note: "" };
    } catch (err) {
      const why = (err as Error).message;
      cpu = { device: wasmDevice, note: opts.compute === "cpu-native" ? ` (unavailable: ${why})` : ` (${why})` };
    }
  }
  try {
    const choice = await chooseCompute(opts, deps);
    if (choice.backend === "webgpu" && choice.adapter) {
      return { backend: "webgpu", device: label(choice.adapter), reason: choice.reason };
    }
    return { backend: "cpu", device: cpu.device, reason: `${choice.reason}${cpu.note}` };
  } catch (err) {
    return { backend: "cpu", device: cpu.device, reason: `unavailable: ${(err as Error).message}` };
  }
}
