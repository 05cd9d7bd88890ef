/**
 * Checking and preparing a training set on the host before anything is uploaded:
 * finite values, target encoding, and the validation split for early stopping.
 */
import { TrainingError } from "./errors";
import { sortedLabels } from "./metrics";
import type { Label, Task } from "./model";
import type { Random } from "./random";

/**
 * x is rows×cols row-major. y holds one label per row (classification) or rows×outputs
 * numbers row-major (regression; outputs = y.length / rows).
 */
export interface TrainingData {
  x: Float32Array;
  rows: number;
  cols: number;
  y: ArrayLike<Label>;
}

/** Targets as the backend wants them: class indices (rows×1, as f32) or values (rows×outputs). */
export interface EncodedTargets {
  target: Float32Array;
  nOutputs: number;
  classes?: Label[];
  /** class index per row (classification only), used for stratification and accuracy */
  classIndex?: Uint32Array;
}

const invalid = (msg: string) => new TrainingError("invalid_input", msg);

export function checkFeatures(x: Float32Array, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && rows > 0)) throw invalid(`no rows to train on (rows = ${rows})`);
  if (!(Number.isInteger(cols) && cols > 0)) throw invalid(`no feature columns (cols = ${cols})`);
  if (x.length !== rows * cols) throw invalid(`x has ${x.length} values, expected rows × cols = ${rows * cols}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw invalid(`x has a non-finite value (${x[i]}) at row ${Math.floor(i / cols)}, column ${i % cols}`);
    }
  }
}

export function encodeTargets(task: Task, y: ArrayLike<Label>, rows: number): EncodedTargets {
  if (task === "regression") {
    if (y.length === 0 || y.length % rows !== 0) throw invalid(`y has ${y.length} values for ${rows} rows`);
    const target = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (typeof v !== "number" || !Number.isFinite(v)) throw invalid(`y has a non-finite value (${v}) at row ${i}`);
      target[i] = v;
    }
    return { target, nOutputs: y.length / rows };
  }
  if (y.length !== rows) throw invalid(`y has ${y.length} labels for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (typeof v === "number" ? !Number.isFinite(v) : v === undefined || v === null || v === "")
      throw invalid(`y has a missing or non-finite label (${v}) at row ${i}`);
  }
  const classes = sortedLabels(y);
  if (classes.length < 2) throw invalid(`classification needs at least 2 classes, y has only ${String(classes[0])}`);
  const at = new Map(classes.map((c, i) => [c, i]));
  const classIndex = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) classIndex[i] = at.get(y[i] as Label) as number;
  return { target: Float32Array.from(classIndex), nOutputs: classes.length, classes, classIndex };
}

/**
 * Shuffled train/validation row indices; validation gets ceil(fraction·rows) rows as sklearn's
 * train_test_split. With `strata` (class index per row) each class contributes in proportion
 * (largest remainders get the leftover rows), and every class keeps at least one training row.
 */
export function splitRows(
  rng: Random,
  rows: number,
  fraction: number,
  strata?: Uint32Array,
): { train: Uint32Array; validation: Uint32Array } {
  const nVal = Math.ceil(fraction * rows);
  if (nVal < 1 || rows - nVal < 1)
    throw invalid(`too few rows (${rows}) for a validation split of ${fraction}; disable early stopping`);
  if (!strata) {
    const perm = rng.shuffle(Uint32Array.from({ length: rows }, (_, i) => i));
    return { train: perm.slice(nVal), validation: perm.slice(0, nVal) };
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const k = strata[i] as number;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  }
  const members = [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k) as number[]);
  const exact = members.map((g) => (g.length * nVal) / rows);
  const take = exact.map((e, k) => Math.min(Math.floor(e), (members[k] as number[]).length - 1));
  let left = nVal - take.reduce((s, v) => s + v, 0);
  const byRemainder = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, k] of byRemainder) {
    if (left === 0) break;
    if ((take[k] as number) < (members[k] as number[]).length - 1) {
      take[k] = (take[k] as number) + 1;
      left--;
    }
  }
  const train: number[] = [];
  const validation: number[] = [];
  members.forEach((g, k) => {
    const shuffled = rng.shuffle([...g]);
    validation.push(...shuffled.slice(0, take[k]));
    train.push(...shuffled.slice(take[k]));
  });
  return { train: rng.shuffle(Uint32Array.from(train)), validation: rng.shuffle(Uint32Array.from(validation)) };
}

/** rows `idx` of a rows×cols matrix, row-major */
export function takeRows(x: Float32Array, cols: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let r = 0; r < idx.length; r++) {
    const from = (idx[r] as number) * cols;
    out.set(x.subarray(from, from + cols), r * cols);
  }
  return out;
}
