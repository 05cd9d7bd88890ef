/**
 * Inference: probabilities (classification, rows×classes) or values (regression, rows×outputs).
 * Small batches run on the host in plain TypeScript: for a few rows the upload, dispatch and
 * read-back of a device round trip cost far more than the arithmetic.
 */
import type { Backend, Matrix } from "../compute/backend";
import { TrainingError } from "./errors";
import type { Label, MlpModel } from "./model";
import { DeviceNet } from "./network";

/**
 * Up to this many rows go through the host path. `bun run bench` (digits, hidden 128,64, CPU backend,
 * 2 shared cores): host 0.6 ms for 1 row and 4.6 ms for 64; a device round trip ~1 ms for 65 rows.
 * WebGPU round trips cost more, so the crossover there is higher, not lower.
 */
export const HOST_PREDICT_MAX_ROWS = 8;
/** Rows per device pass, to bound the activation memory of large prediction sets. */
const CHUNK_ROWS = 8192;

/** x is rows×nFeatures row-major; returns rows×nOutputs row-major. */
export async function predict(backend: Backend, model: MlpModel, x: Float32Array): Promise<Float32Array> {
  const rows = checkInput(model, x);
  if (rows <= HOST_PREDICT_MAX_ROWS) return predictHost(model, x);
  const net = new DeviceNet(backend, model.layers, model.activation);
  try {
    const out = new Float32Array(rows * model.nOutputs);
    const chunk = Math.min(rows, CHUNK_ROWS);
    const full = net.workspace(chunk, false);
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const ws = n === chunk ? full : net.workspace(n, false);
      backend.write(ws.acts[0] as Matrix, x.subarray(start * model.nFeatures, (start + n) * model.nFeatures));
      net.forward(ws);
      const last = ws.acts[ws.acts.length - 1] as Matrix;
      if (model.task === "classification") backend.softmax(last, last);
      backend.submit();
      out.set(await backend.read(last), start * model.nOutputs);
    }
    return out;
  } finally {
    net.release();
  }
}

/** The same forward pass in plain TypeScript (float64 arithmetic over the f32 weights). */
export function predictHost(model: MlpModel, x: Float32Array): Float32Array {
  const rows = checkInput(model, x);
  let a: ArrayLike<number> = x;
  let z = new Float64Array(0);
  const last = model.layers.length - 1;
  model.layers.forEach((layer, l) => {
    const { rows: k, cols: n, weights: W, bias } = layer;
    z = new Float64Array(rows * n);
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
    if (l < last) for (let i = 0; i < z.length; i++) z[i] = activate(model.activation, z[i] as number);
    a = z;
  });
  if (model.task === "classification") softmaxRows(z, model.nOutputs);
  return Float32Array.from(z);
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
