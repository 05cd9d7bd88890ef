/**
 * A served request's forward pass in native code (kernels/native/forward_small.c): one network's
 * weights copied once into native memory beside its scratch, input and output buffers, so that a
 * call allocates nothing and crosses bun:ffi with addresses worked out in advance (no `ptr()` per
 * call). The arithmetic is predictHost's (src/ml/predict.ts): f64 sums over the f32 weights.
 * The native block is freed when the object is collected (a version that left the model cache).
 */
import { toArrayBuffer } from "bun:ffi";
import { bestIsa, loadNativeLibrary, NATIVE_ISAS, type NativeLibrary } from "./library";

/** What the kernel needs of a dense network: each layer's fan_in×fan_out f32 weights and its bias. */
export interface SmallNet {
  layers: readonly { weights: Float32Array; bias: Float32Array; rows: number; cols: number }[];
  /** hidden activation code: the index in ACTIVATIONS (src/compute/backend.ts) */
  activation: number;
  /** softmax over the last layer (classification) instead of identity */
  softmax: boolean;
}

export interface SmallForward {
  /** at most this many rows per run */
  readonly maxRows: number;
  /** where the rows go before run: rows × fan_in of the first layer, f32 (native memory) */
  readonly input: Float32Array;
  /** after run(rows): rows × fan_out of the last layer, f64 (native memory, valid while this object lives) */
  readonly output: Float64Array;
  /** Runs input[0, rows × fan_in) through the network into output. */
  run(rows: number): void;
}

type Loaded = { lib: NativeLibrary; isa: number };
let state: Loaded | null | undefined;
let loading: Promise<Loaded | null> | undefined;
let enabled = true;

/**
 * Turns the native pass off (or back on): with it off, serving runs predictHost as it did before
 * it existed. For `ML_COMPUTE=cpu-wasm` and for tests of that fallback.
 */
export function setNativeForward(on: boolean): void {
  enabled = on;
}

/** The library, loading it on the first call; null when it is unavailable (the host pass serves then). */
export function nativeForwardLibrary(): Promise<Loaded | null> {
  if (!enabled) return Promise.resolve(null);
  if (state !== undefined) return Promise.resolve(state);
  loading ??= loadNativeLibrary().then(
    (lib) => {
      state = { lib, isa: NATIVE_ISAS.indexOf(bestIsa(lib)) };
      return state;
    },
    () => {
      state = null;
      return null;
    },
  );
  return loading;
}

/** The library if it is loaded already (starting the load otherwise), for synchronous callers. */
export function nativeForwardLibraryNow(): Loaded | null {
  if (!enabled) return null;
  if (state === undefined) void nativeForwardLibrary();
  return state ?? null;
}

const freeing = new FinalizationRegistry<{ lib: NativeLibrary; ptr: number }>(({ lib, ptr }) => lib.ml_free(ptr));

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** The network copied into native memory for runs of up to `maxRows` rows. */
export function smallForward({ lib, isa }: Loaded, net: SmallNet, maxRows: number): SmallForward {
  const layers = net.layers;
  if (layers.length === 0) throw new RangeError("smallForward: a network needs at least one layer");
  const widths = [(layers[0] as SmallNet["layers"][number]).rows, ...layers.map((l) => l.cols)];
  const widest = Math.max(...widths);
  const nIn = widths[0] as number;
  const nOut = widths[widths.length - 1] as number;
  const recordBytes = align((5 + widths.length + 2 * layers.length) * 8);
  let bytes = recordBytes;
  const at = (size: number) => {
    const offset = bytes;
    bytes += align(size);
    return offset;
  };
  const weightAt = layers.map((l) => at(l.weights.length * 4));
  const biasAt = layers.map((l) => at(l.bias.length * 4));
  const scratchAt = at(2 * maxRows * widest * 8);
  const inputAt = at(maxRows * nIn * 4);
  const outputAt = at(maxRows * nOut * 8);
  const base = lib.ml_alloc(bytes);
  if (!base) throw new RangeError(`smallForward: out of memory allocating ${bytes} bytes`);
  const memory = toArrayBuffer(base, 0, bytes);
  layers.forEach((l, i) => {
    new Float32Array(memory, weightAt[i], l.weights.length).set(l.weights);
    new Float32Array(memory, biasAt[i], l.bias.length).set(l.bias);
  });
  const record = new Float64Array(memory, 0, recordBytes / 8);
  record.set([isa, layers.length, net.activation, net.softmax ? 1 : 0, base + scratchAt, ...widths]);
  record.set(
    [...weightAt, ...biasAt].map((o) => base + o),
    5 + widths.length,
  );
  const input = new Float32Array(memory, inputAt, maxRows * nIn);
  const output = new Float64Array(memory, outputAt, maxRows * nOut);
  const netPtr = base;
  const inPtr = base + inputAt;
  const outPtr = base + outputAt;
  const self: SmallForward = {
    maxRows,
    input,
    output,
    run(rows) {
      if (!(rows >= 1 && rows <= maxRows)) throw new RangeError(`smallForward: ${rows} rows, at most ${maxRows}`);
      lib.ml_forward_small(netPtr, inPtr, rows, outPtr);
    },
  };
  freeing.register(self, { lib, ptr: base });
  return self;
}
