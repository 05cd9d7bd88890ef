/**
 * Inference: probabilities (classification, rows×classes) or values (regression, rows×outputs).
 * Small batches run on the host in plain TypeScript: for a few rows the upload, dispatch and
 * read-back of a device round trip cost far more than the arithmetic.
 */
import type { Backend, Matrix } from "../compute/backend";
import { TrainingError } from "./errors";
import type { Label, MlpModel } from "./model";
import { DeviceNet, stepLanes, type Workspace } from "./network";

/**
 * Up to this many rows go through the host path. `bun run bench` (digits, hidden 128,64, CPU backend,
 * 2 shared cores): host 0.6 ms for 1 row and 4.6 ms for 64; a device round trip ~1 ms for 65 rows.
 * WebGPU round trips cost more, so the crossover there is higher, not lower.
 */
export const HOST_PREDICT_MAX_ROWS = 8;
/**
 * Rows per device pass, to bound the activation memory of large prediction sets. A pass is split into
 * contiguous row ranges, one per lane (as a training step is), and each lane runs every layer and the
 * softmax on its rows on its own thread, with no barrier between layers.
 */
const PASS_ROWS = 16384;

/** The lanes of one pass of `rows` rows: lane l computes rows [starts[l], starts[l] + parts[l].rows). */
interface PassPlan {
  key: string;
  starts: number[];
  parts: Workspace[];
}

/**
 * Per backend, the plan of its last device prediction, kept for the next one of the same shapes: a
 * 10k-row call would otherwise spend ~0.7 ms (of ~6) allocating and zeroing its activations.
 * `busy` while a call uses it (a concurrent call then makes its own).
 */
const kept = new WeakMap<Backend, { plan: PassPlan; busy: boolean }>();

/** x is rows×nFeatures row-major; returns rows×nOutputs row-major. */
export async function predict(backend: Backend, model: MlpModel, x: Float32Array): Promise<Float32Array> {
  const rows = checkInput(model, x);
  if (rows <= HOST_PREDICT_MAX_ROWS) return predictHost(model, x);
  const net = new DeviceNet(backend, model.layers, model.activation);
  const passes = Math.ceil(rows / PASS_ROWS);
  const passRows = Math.ceil(rows / passes);
  const full = borrowPlan(backend, net.sizes, passRows);
  const tailRows = rows - (passes - 1) * passRows;
  const tail = tailRows === passRows ? full : passPlan(backend, net.sizes, tailRows);
  try {
    const out = new Float32Array(rows * model.nOutputs);
    for (let start = 0; start < rows; start += passRows) {
      const plan = start + passRows <= rows ? full : tail;
      plan.parts.forEach((ws, l) => {
        const from = (start + (plan.starts[l] as number)) * model.nFeatures;
        backend.write(ws.acts[0] as Matrix, x.subarray(from, from + ws.rows * model.nFeatures));
      });
      const pass = (l: number) => {
        const ws = plan.parts[l] as Workspace;
        net.forward(ws);
        const last = ws.acts[ws.acts.length - 1] as Matrix;
        if (model.task === "classification") backend.softmax(last, last);
      };
      if (plan.parts.length === 1) pass(0);
      else backend.parallel(plan.parts.length, pass);
      backend.submit();
      for (let l = 0; l < plan.parts.length; l++) {
        const ws = plan.parts[l] as Workspace;
        const last = ws.acts[ws.acts.length - 1] as Matrix;
        out.set(await backend.read(last), (start + (plan.starts[l] as number)) * model.nOutputs);
      }
    }
    return out;
  } finally {
    if (tail !== full) releasePlan(backend, tail);
    returnPlan(backend, full);
    net.release();
  }
}

/** The backend's kept plan when it fits and is free (marked busy), else a new one. */
function borrowPlan(backend: Backend, sizes: number[], rows: number): PassPlan {
  const last = kept.get(backend);
  const key = `${sizes.join(",")}:${rows}`;
  if (last && !last.busy && last.plan.key === key) {
    last.busy = true;
    return last.plan;
  }
  return passPlan(backend, sizes, rows);
}

/** Frees the borrowed plan, or keeps it (in place of an idle one of other shapes) for the next call. */
function returnPlan(backend: Backend, plan: PassPlan): void {
  const last = kept.get(backend);
  if (last?.plan === plan) {
    last.busy = false;
    return;
  }
  if (last?.busy) releasePlan(backend, plan);
  else {
    if (last) releasePlan(backend, last.plan);
    kept.set(backend, { plan, busy: false });
  }
}

function passPlan(backend: Backend, sizes: number[], rows: number): PassPlan {
  const lanes = stepLanes(backend.lanes, rows, sizes);
  const starts = Array.from({ length: lanes }, (_, l) => Math.floor((l * rows) / lanes));
  const parts = starts.map((start, l) => {
    const n = Math.floor(((l + 1) * rows) / lanes) - start;
    return { rows: n, acts: sizes.map((cols) => backend.matrix(n, cols)), deltas: [] };
  });
  return { key: `${sizes.join(",")}:${rows}`, starts, parts };
}

function releasePlan(backend: Backend, plan: PassPlan): void {
  for (const ws of plan.parts) for (const m of ws.acts) backend.release(m);
}

/**
 * Per model, the activations of a host pass of up to HOST_PREDICT_MAX_ROWS rows (one Float64Array
 * per layer), kept for the next call: a single-row prediction then allocates only its output.
 * The pass is synchronous, so one set per model is never shared by two calls at once.
 */
const scratch = new WeakMap<MlpModel, Float64Array[]>();

function scratchOf(model: MlpModel): Float64Array[] {
  let bufs = scratch.get(model);
  if (!bufs) {
    bufs = model.layers.map((l) => new Float64Array(HOST_PREDICT_MAX_ROWS * l.cols));
    scratch.set(model, bufs);
  }
  return bufs;
}

/** The same forward pass in plain TypeScript (float64 arithmetic over the f32 weights). */
export function predictHost(model: MlpModel, x: Float32Array): Float32Array {
  return Float32Array.from(forwardHost(model, x));
}

/**
 * predictHost's outputs before their rounding to float32: the reference the native single-request
 * pass (src/compute/native/small-forward.ts) is held to.
 */
export function predictHost64(model: MlpModel, x: Float32Array): Float64Array {
  return Float64Array.from(forwardHost(model, x));
}

/** The pass itself; the result may be this model's scratch, to be copied before the next call. */
function forwardHost(model: MlpModel, x: Float32Array): Float64Array {
  const rows = checkInput(model, x);
  const kept = rows <= HOST_PREDICT_MAX_ROWS ? scratchOf(model) : null;
  let a: ArrayLike<number> = x;
  let z: Float64Array<ArrayBufferLike> = new Float64Array(0);
  const last = model.layers.length - 1;
  for (let l = 0; l <= last; l++) {
    const { rows: k, cols: n, weights: W, bias } = model.layers[l] as MlpModel["layers"][number];
    z = kept ? (kept[l] as Float64Array).subarray(0, rows * n) : new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const zr = r * n;
      for (let j = 0; j < n; j++) z[zr + j] = bias[j] as number;
      for (let p = 0; p < k; p++) {
        const av = a[r * k + p] as number;
        if (av === 0) continue;
        const wp = p * n;
        for (let j = 0; j < n; j++) z[zr + j] = (z[zr + j] as number) + av * (W[wp + j] as number);
      }
    }
    if (l < last) activateAll(model.activation, z);
    a = z;
  }
  if (model.task === "classification") softmaxRows(z, model.nOutputs);
  return z;
}

function activateAll(act: MlpModel["activation"], z: Float64Array): void {
  switch (act) {
    case "identity":
      return;
    case "relu":
      for (let i = 0; i < z.length; i++) if ((z[i] as number) < 0) z[i] = 0;
      return;
    default:
      for (let i = 0; i < z.length; i++) z[i] = activate(act, z[i] as number);
  }
}

/** The label with the highest probability for each row of `probs` (rows×classes). */
export function predictLabels(model: MlpModel, probs: Float32Array): Label[] {
  const classes = model.classes;
  if (!classes) throw new TypeError("predictLabels needs a classification model");
  const k = classes.length;
  const out: Label[] = [];
  for (let r = 0; r < probs.length / k; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((probs[r * k + c] as number) > (probs[r * k + best] as number)) best = c;
    out.push(classes[best] as Label);
  }
  return out;
}

function checkInput(model: MlpModel, x: Float32Array): number {
  const rows = x.length / model.nFeatures;
  if (!Number.isInteger(rows))
    throw new TrainingError("invalid_input", `x has ${x.length} values, not a multiple of ${model.nFeatures} features`);
  return rows;
}

function activate(act: MlpModel["activation"], z: number): number {
  switch (act) {
    case "identity":
      return z;
    case "relu":
      return Math.max(z, 0);
    case "tanh":
      return Math.tanh(z);
    case "logistic":
      return 1 / (1 + Math.exp(-z));
  }
}

function softmaxRows(z: Float64Array, k: number): void {
  for (let r = 0; r < z.length / k; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, z[r * k + c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((z[r * k + c] as number) - max);
      z[r * k + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) z[r * k + c] = (z[r * k + c] as number) / sum;
  }
}
