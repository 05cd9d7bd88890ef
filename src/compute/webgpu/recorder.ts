/**
 * Records dispatches and copies into one command encoder until `submit()`.
 *
 * Uniform parameters: each dispatch gets its own 256-byte slot in a host-side ring that is
 * uploaded with one `writeBuffer` right before the encoder is submitted, and bound with a
 * dynamic offset. `writeBuffer` runs at queue time, before the encoder executes, so a single
 * uniform buffer rewritten per dispatch would hand every recorded dispatch the last values;
 * distinct slots per encoder keep each dispatch's own. Queue order (write, submit, write,
 * submit) makes reusing the buffer across encoders safe. A full ring submits early.
 *
 * Bind groups are cached per (program, buffers): a training step binds the same buffers every step.
 */
import { type PipelineCache, type ProgramName, UNIFORM_SLOT } from "./kernels";

/** A device buffer with a stable id for bind-group cache keys. */
export class DeviceBuffer {
  static #nextId = 1;
  readonly id = DeviceBuffer.#nextId++;
  constructor(
    readonly buffer: GPUBuffer,
    /** bytes in use (rows×cols×4); the GPU buffer may be padded up to 4 bytes */
    readonly bytes: number,
  ) {}
}

/** A uniform block: "u" fields are u32, "f" fields f32, in struct order. */
export type Uniforms = { u: number } | { f: number };

const RING_SLOTS = 1024;
const MAX_CACHED_BIND_GROUPS = 4096;

export class Recorder {
  readonly #device: GPUDevice;
  readonly #pipelines: PipelineCache;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  readonly #ring = new ArrayBuffer(RING_SLOTS * UNIFORM_SLOT);
  readonly #ringView = new DataView(this.#ring);
  #slots = 0;
  readonly #uniforms: GPUBuffer;
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  /** buffer id → cache keys that mention it, to drop bind groups when a buffer is freed */
  readonly #keysByBuffer = new Map<number, Set<string>>();
  /** buffers to destroy once the encoder that uses them has been submitted */
  #trash: DeviceBuffer[] = [];

  constructor(device: GPUDevice, pipelines: PipelineCache) {
    this.#device = device;
    this.#pipelines = pipelines;
    this.#uniforms = device.createBuffer({
      label: "uniform ring",
      size: RING_SLOTS * UNIFORM_SLOT,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** True while commands are recorded but not submitted. */
  get pending(): boolean {
    return this.#encoder !== undefined;
  }

  dispatch(name: ProgramName, uniforms: Uniforms[], buffers: DeviceBuffer[], groups: [number, number]): void {
    if (groups[0] === 0 || groups[1] === 0) return;
    if (this.#slots === RING_SLOTS) this.submit();
    const offset = this.#slots++ * UNIFORM_SLOT;
    uniforms.forEach((field, i) => {
      if ("u" in field) this.#ringView.setUint32(offset + i * 4, field.u, true);
      else this.#ringView.setFloat32(offset + i * 4, field.f, true);
    });
    const program = this.#pipelines.get(name);
    const pass = this.#computePass();
    pass.setPipeline(program.pipeline);
    pass.setBindGroup(0, this.#bindGroup(name, buffers), [offset]);
    pass.dispatchWorkgroups(groups[0], groups[1]);
  }

  copy(from: DeviceBuffer, to: DeviceBuffer, bytes: number): void {
    if (bytes === 0) return;
    this.#pass?.end();
    this.#pass = undefined;
    this.#commandEncoder().copyBufferToBuffer(from.buffer, 0, to.buffer, 0, bytes);
  }

  /** Destroy `b` once the work recorded so far has been submitted (at once when nothing is pending). */
  discard(b: DeviceBuffer): void {
    this.#forget(b);
    if (this.pending) this.#trash.push(b);
    else b.buffer.destroy();
  }

  submit(): void {
    if (!this.#encoder) return;
    this.#pass?.end();
    this.#pass = undefined;
    if (this.#slots > 0) this.#device.queue.writeBuffer(this.#uniforms, 0, this.#ring, 0, this.#slots * UNIFORM_SLOT);
    this.#device.queue.submit([this.#encoder.finish()]);
    this.#encoder = undefined;
    this.#slots = 0;
    // Destroy after submit is allowed: the buffers live until the submitted work is done.
    for (const b of this.#trash) b.buffer.destroy();
    this.#trash = [];
  }

  #commandEncoder(): GPUCommandEncoder {
    this.#encoder ??= this.#device.createCommandEncoder();
    return this.#encoder;
  }

  #computePass(): GPUComputePassEncoder {
    this.#pass ??= this.#commandEncoder().beginComputePass();
    return this.#pass;
  }

  #bindGroup(name: ProgramName, buffers: DeviceBuffer[]): GPUBindGroup {
    const key = `${name}|${buffers.map((b) => b.id).join(",")}`;
    let group = this.#bindGroups.get(key);
    if (group) return group;
    const program = this.#pipelines.get(name);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#uniforms, size: UNIFORM_SLOT } }];
    program.storage.forEach((access, i) => {
      const b = buffers[i];
      if (access && b) entries.push({ binding: i + 1, resource: { buffer: b.buffer } });
    });
    group = this.#device.createBindGroup({ layout: program.layout, entries });
    if (this.#bindGroups.size >= MAX_CACHED_BIND_GROUPS) {
      this.#bindGroups.clear();
      this.#keysByBuffer.clear();
    }
    this.#bindGroups.set(key, group);
    for (const b of buffers) {
      const keys = this.#keysByBuffer.get(b.id) ?? new Set<string>();
      keys.add(key);
      this.#keysByBuffer.set(b.id, keys);
    }
    return group;
  }

  #forget(b: DeviceBuffer): void {
    for (const key of this.#keysByBuffer.get(b.id) ?? []) this.#bindGroups.delete(key);
    this.#keysByBuffer.delete(b.id);
  }
}
