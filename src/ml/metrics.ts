/**
 * Classification and regression metrics with scikit-learn's definitions
 * (zero_division = 0, R² of a constant target = 1 if predicted exactly else 0).
 */
import type { Label } from "./model";

type Labels = ArrayLike<Label>;
type Values = ArrayLike<number>;

function sameLength(a: { length: number }, b: { length: number }, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} true values but ${b.length} predictions`);
  if (a.length === 0) throw new RangeError(`${what}: no values`);
}

/** fraction of predictions equal to the truth */
export function accuracy(yTrue: Labels, yPred: Labels): number {
  sameLength(yTrue, yPred, "accuracy");
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/** Sorted distinct labels of both arrays: numbers numerically, strings lexicographically (np.unique). */
export function sortedLabels(...arrays: Labels[]): Label[] {
  const set = new Set<Label>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) set.add(a[i] as Label);
  return [...set].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
}

/** matrix[i][j] = count of rows whose true label is labels[i] and predicted label is labels[j] */
export function confusionMatrix(
  yTrue: Labels,
  yPred: Labels,
  labels?: Label[],
): { labels: Label[]; matrix: number[][] } {
  sameLength(yTrue, yPred, "confusionMatrix");
  const ls = labels ?? sortedLabels(yTrue, yPred);
  const at = new Map(ls.map((l, i) => [l, i]));
  const matrix = ls.map(() => ls.map(() => 0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = at.get(yTrue[i] as Label);
    const p = at.get(yPred[i] as Label);
    if (t !== undefined && p !== undefined) (matrix[t] as number[])[p] = ((matrix[t] as number[])[p] as number) + 1;
  }
  return { labels: ls, matrix };
}

export interface ClassScores {
  label: Label;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** per-class precision, recall, F1 and support (a 0/0 ratio counts as 0, sklearn's zero_division=0) */
export function perClassScores(yTrue: Labels, yPred: Labels): ClassScores[] {
  const { labels, matrix } = confusionMatrix(yTrue, yPred);
  return labels.map((label, k) => {
    const tp = (matrix[k] as number[])[k] as number;
    const support = (matrix[k] as number[]).reduce((s, v) => s + v, 0);
    const predicted = matrix.reduce((s, row) => s + (row[k] as number), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
}

/**
 * Macro: the unweighted mean over classes; weighted: weighted by each class's support.
 * Labels that appear only among predictions count in the macro mean, as in sklearn.
 */
export function precisionRecallF1(
  yTrue: Labels,
  yPred: Labels,
  average: "macro" | "weighted",
): { precision: number; recall: number; f1: number } {
  const scores = perClassScores(yTrue, yPred);
  const total = scores.reduce((s, c) => s + c.support, 0);
  const weight = (c: ClassScores) => (average === "macro" ? 1 / scores.length : c.support / total);
  const mean = (f: (c: ClassScores) => number) => scores.reduce((s, c) => s + weight(c) * f(c), 0);
  return { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) };
}

export function meanSquaredError(yTrue: Values, yPred: Values): number {
  sameLength(yTrue, yPred, "meanSquaredError");
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
  return s / yTrue.length;
}

export function rootMeanSquaredError(yTrue: Values, yPred: Values): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

export function meanAbsoluteError(yTrue: Values, yPred: Values): number {
  sameLength(yTrue, yPred, "meanAbsoluteError");
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs((yTrue[i] as number) - (yPred[i] as number));
  return s / yTrue.length;
}

/**
 * Coefficient of determination. Values are rows×outputs row-major; the score is the plain mean over
 * outputs (sklearn's "uniform_average").
 */
export function r2Score(yTrue: Values, yPred: Values, outputs = 1): number {
  sameLength(yTrue, yPred, "r2Score");
  const rows = yTrue.length / outputs;
  let total = 0;
  for (let o = 0; o < outputs; o++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += yTrue[r * outputs + o] as number;
    mean /= rows;
    let ssRes = 0;
    let ssTot = 0;
    for (let r = 0; r < rows; r++) {
      const t = yTrue[r * outputs + o] as number;
      ssRes += (t - (yPred[r * outputs + o] as number)) ** 2;
      ssTot += (t - mean) ** 2;
    }
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / outputs;
}
