/**
 * The WGSL programs of the WebGPU backend and the cache of their compiled pipelines.
 *
 * Sources are text imports, so `bun build --compile` embeds them in the binary. Every program
 * binds group 0 as: binding 0 a uniform block (bound with a dynamic offset into the per-encoder
 * uniform ring), then storage buffers in the order the kernel file lists them. A `null` slot is a
 * binding the entry point does not use (the in-place variants leave their input out).
 */
import activationBackward from "../../../kernels/activation_backward.wgsl" with { type: "text" };
import adam from "../../../kernels/adam.wgsl" with { type: "text" };
import addInto from "../../../kernels/add_into.wgsl" with { type: "text" };
import argmax from "../../../kernels/argmax.wgsl" with { type: "text" };
import biasActivationForward from "../../../kernels/bias_activation_forward.wgsl" with { type: "text" };
import columnSums from "../../../kernels/column_sums.wgsl" with { type: "text" };
import fill from "../../../kernels/fill.wgsl" with { type: "text" };
import gatherRows from "../../../kernels/gather_rows.wgsl" with { type: "text" };
import matmul from "../../../kernels/matmul.wgsl" with { type: "text" };
import matmulV2 from "../../../kernels/matmul_v2.wgsl" with { type: "text" };
import matmulV3 from "../../../kernels/matmul_v3.wgsl" with { type: "text" };
import softmax from "../../../kernels/softmax.wgsl" with { type: "text" };
import softmaxXent from "../../../kernels/softmax_xent.wgsl" with { type: "text" };
import squaredError from "../../../kernels/squared_error.wgsl" with { type: "text" };
import sumAccumulate from "../../../kernels/sum_accumulate.wgsl" with { type: "text" };
import sumSquares from "../../../kernels/sum_squares.wgsl" with { type: "text" };

/** How a storage binding is used: `read` (read-only storage) or `rw` (read_write storage). */
export type Access = "read" | "rw";

export interface Program {
  source: string;
  entry: string;
  /** storage bindings 1, 2, …; null where the entry point leaves the binding out */
  storage: (Access | null)[];
  constants?: Record<string, number>;
}

export const PROGRAMS = {
  matmul: { source: matmul, entry: "main", storage: ["read", "read", "rw"] },
  matmul_v2: { source: matmulV2, entry: "main", storage: ["read", "read", "rw"] },
  matmul_v3: { source: matmulV3, entry: "main", storage: ["read", "read", "rw"] },
  bias_activation: { source: biasActivationForward, entry: "main", storage: ["read", "read", "rw"] },
  bias_activation_inplace: { source: biasActivationForward, entry: "main_inplace", storage: [null, "read", "rw"] },
  activation_backward: { source: activationBackward, entry: "main", storage: ["rw", "read"] },
  softmax: { source: softmax, entry: "main", storage: ["read", "rw"] },
  softmax_inplace: { source: softmax, entry: "main_inplace", storage: [null, "rw"] },
  softmax_xent: { source: softmaxXent, entry: "main", storage: ["read", "read", "rw", "rw", "rw"] },
  softmax_xent_grad_only: { source: softmaxXent, entry: "main_grad_only", storage: ["read", "read", null, "rw", "rw"] },
  squared_error: { source: squaredError, entry: "main", storage: ["read", "read", "rw", "rw"] },
  sum_squares: { source: sumSquares, entry: "main", storage: ["read", "rw"] },
  sum_accumulate: { source: sumAccumulate, entry: "main", storage: ["read", "rw"] },
  column_sums: { source: columnSums, entry: "main", storage: ["read", "rw"] },
  adam: { source: adam, entry: "main", storage: ["rw", "read", "rw", "rw"] },
  gather_rows: { source: gatherRows, entry: "main", storage: ["read", "read", "rw"] },
  argmax: { source: argmax, entry: "main", storage: ["read", "rw"] },
  fill: { source: fill, entry: "main", storage: ["rw"] },
  add_into: { source: addInto, entry: "main", storage: ["read", "rw"] },
} satisfies Record<string, Program>;

export type ProgramName = keyof typeof PROGRAMS;

/**
 * The matmul kernels a backend can be opened with: `v1` is kernels/matmul.wgsl, `v2` and `v3`
 * kernels/matmul_v2.wgsl and matmul_v3.wgsl. All but DEFAULT_MATMUL_KERNEL are candidates that benches and tests measure beside it before one becomes the default.
 * `workgroupBytes` is the workgroup memory the kernel declares; past WebGPU's default 16 KiB the
 * device must be asked for it.
 */
export const MATMUL_KERNELS = {
  v1: { program: "matmul", workgroupBytes: 8192 },
  v2: { program: "matmul_v2", workgroupBytes: 16384 },
  v3: { program: "matmul_v3", workgroupBytes: 32768 },
} as const satisfies Record<string, { program: ProgramName; workgroupBytes: number }>;

export type MatmulKernel = keyof typeof MATMUL_KERNELS;

/** The kernel a backend runs unless told otherwise; switched only after bench/gpu.ts has measured a candidate. */
export const DEFAULT_MATMUL_KERNEL: MatmulKernel = "v1";

/** Bytes reserved per dispatch in the uniform ring: WebGPU's minUniformBufferOffsetAlignment. */
export const UNIFORM_SLOT = 256;

export interface CompiledProgram {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  storage: (Access | null)[];
}

/** Compiles each program once per device; layouts are shared between programs with the same bindings. */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #modules = new Map<string, GPUShaderModule>();
  readonly #layouts = new Map<string, GPUBindGroupLayout>();
  readonly #programs = new Map<ProgramName, CompiledProgram>();

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  get(name: ProgramName): CompiledProgram {
    let compiled = this.#programs.get(name);
    if (!compiled) {
      const program: Program = PROGRAMS[name];
      const layout = this.#layout(program.storage);
      const pipeline = this.#device.createComputePipeline({
        label: name,
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: {
          module: this.#module(name, program.source),
          entryPoint: program.entry,
          constants: program.constants ?? {},
        },
      });
      compiled = { pipeline, layout, storage: program.storage };
      this.#programs.set(name, compiled);
    }
    return compiled;
  }

  #module(name: string, source: string): GPUShaderModule {
    let module = this.#modules.get(source);
    if (!module) {
      module = this.#device.createShaderModule({ label: name, code: source });
      this.#modules.set(source, module);
    }
    return module;
  }

  #layout(storage: (Access | null)[]): GPUBindGroupLayout {
    const key = storage.map((s) => s ?? "-").join(",");
    let layout = this.#layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [
        {
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: 0 },
        },
      ];
      storage.forEach((access, i) => {
        if (!access) return;
        entries.push({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: access === "rw" ? "storage" : "read-only-storage" },
        });
      });
      layout = this.#device.createBindGroupLayout({ entries });
      this.#layouts.set(key, layout);
    }
    return layout;
  }
}
