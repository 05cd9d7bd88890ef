/**
 * The reference a model's inputs and outputs are later compared with for drift, built once
 * from its training data. Columnar arrays in, a plain JSON-serialisable object out (no
 * Infinity, NaN or typed arrays), so it can be stored beside the model version.
 */
import { Random } from "../ml/random";

/** Bin edges and counts of one numeric feature. Bins are [e_k−1, e_k) with open outer bins. */
export interface NumericBaseline {
  kind: "numeric";
  /** strictly increasing INTERIOR edges (≤ bins − 1); the outer bins reach to ±∞ */
  edges: number[];
  /** share of training values per bin, edges.length + 1 entries summing to 1 (all 0 if no values) */
  proportions: number[];
  mean: number;
  /** population standard deviation (ddof = 0) */
  std: number;
  min: number;
  max: number;
  /** finite values seen */
  count: number;
  /** null, NaN or ±Infinity values seen */
  missing: number;
  /**
   * A seeded uniform sample (reservoir) of at most `sample_size` finite values, ascending.
   * KS compares against THIS, so its reference n is sample.length, not count.
   */
  sample: number[];
}

export interface CategoricalBaseline {
  kind: "categorical";
  /** the most frequent training values (up to max_categories), as strings */
  categories: string[];
  /** categories.length + 1 shares: the last is "other" (the cut tail, and values unseen at training) */
  proportions: number[];
  count: number;
  /** null, undefined or "" values seen */
  missing: number;
}

export type FeatureBaseline = NumericBaseline | CategoricalBaseline;

/** What the model said on its training rows. */
export interface PredictionBaseline {
  classes: string[];
  class_proportions: number[];
  /** interior edges of 10 equal confidence bins on [0, 1]: 0.1, 0.2, …, 0.9 */
  confidence_edges: number[];
  confidence_proportions: number[];
  count: number;
}

export interface Baseline {
  version: 1;
  rows: number;
  bins: number;
  sample_size: number;
  seed: number;
  features: Record<string, FeatureBaseline>;
  predictions?: PredictionBaseline;
}

export type NumericColumn = ArrayLike<number | null | undefined>;
export type CategoricalColumn = ArrayLike<string | number | boolean | null | undefined>;

export interface BaselineInput {
  numeric?: Record<string, NumericColumn>;
  categorical?: Record<string, CategoricalColumn>;
  predictions?: { classes: ArrayLike<string | number>; confidences: ArrayLike<number> };
}

export interface BaselineOptions {
  /** quantile bins per numeric feature (default 10) */
  bins?: number;
  /** KS reference sample per numeric feature (default 5,000) */
  sampleSize?: number;
  /** seed of the reservoir sample (default 0) */
  seed?: number;
  /** categories kept per categorical feature before the rest goes to "other" (default 100) */
  maxCategories?: number;
}

/**
 * @example
 * const baseline = buildBaseline({ numeric: { age: ages }, categorical: { city: cities } });
 * await Bun.write("baseline.json", JSON.stringify(baseline));
 */
export function buildBaseline(input: BaselineInput, options: BaselineOptions = {}): Baseline {
  const bins = options.bins ?? 10;
  const sampleSize = options.sampleSize ?? 5000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`bins must be an integer ≥ 2, got ${bins}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new Error(`sampleSize must be ≥ 1, got ${sampleSize}`);
  const features: Record<string, FeatureBaseline> = {};
  let rows = -1;
  const checkRows = (name: string, n: number) => {
    if (rows >= 0 && n !== rows) throw new Error(`column "${name}" has ${n} rows, others ${rows}`);
    rows = n;
  };
  for (const [name, column] of Object.entries(input.numeric ?? {})) {
    checkRows(name, column.length);
    features[name] = numericBaseline(column, bins, sampleSize, seed ^ hashName(name));
  }
  for (const [name, column] of Object.entries(input.categorical ?? {})) {
    if (name in features) throw new Error(`feature "${name}" is both numeric and categorical`);
    checkRows(name, column.length);
    features[name] = categoricalBaseline(column, options.maxCategories ?? 100);
  }
  const baseline: Baseline = { version: 1, rows: Math.max(rows, 0), bins, sample_size: sampleSize, seed, features };
  if (input.predictions) baseline.predictions = predictionBaseline(input.predictions);
  return baseline;
}

export function numericBaseline(
  column: NumericColumn,
  bins: number,
  sampleSize: number,
  seed: number,
): NumericBaseline {
  const values = new Float64Array(column.length);
  let n = 0;
  const rng = new Random(seed);
  const sample: number[] = [];
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    // Algorithm R: after t values each has been kept with probability sampleSize / t.
    if (n < sampleSize) sample.push(v);
    else {
      const j = rng.int(n + 1);
      if (j < sampleSize) sample[j] = v;
    }
    values[n++] = v;
  }
  const sorted = values.subarray(0, n).sort();
  sample.sort((a, b) => a - b);
  const edges = quantileEdges(sorted, bins);
  const counts = new Float64Array(edges.length + 1);
  // Sums are taken about the first value so that a constant feature has mean = value, std = 0
  // exactly, and large offsets lose no precision.
  const shift = n > 0 ? (sorted[0] as number) : 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    const b = binIndex(edges, v);
    counts[b] = (counts[b] as number) + 1;
    sum += v - shift;
  }
  const meanShifted = n > 0 ? sum / n : 0;
  const mean = shift + meanShifted;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((sorted[i] as number) - shift - meanShifted) ** 2;
  return {
    kind: "numeric",
    edges,
    proportions: Array.from(counts, (c) => (n > 0 ? c / n : 0)),
    mean,
    std: n > 0 ? Math.sqrt(squares / n) : 0,
    min: n > 0 ? (sorted[0] as number) : 0,
    max: n > 0 ? (sorted[n - 1] as number) : 0,
    count: n,
    missing: column.length - n,
    sample,
  };
}

/**
 * Interior edges at the k/bins quantiles (k = 1 … bins−1, numpy's default "linear"
 * interpolation), duplicates dropped so that they increase strictly: a constant feature
 * gets a single edge, a 0/1 feature at most a few.
 */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  for (let k = 1; k < bins; k++) {
    const pos = ((n - 1) * k) / bins;
    const lo = Math.floor(pos);
    const a = sorted[lo] as number;
    const b = sorted[Math.min(lo + 1, n - 1)] as number;
    const q = a + (pos - lo) * (b - a);
    const last = edges[edges.length - 1];
    if (last === undefined || q > last) edges.push(q);
  }
  return edges;
}

/** Bin of x over interior edges: the number of edges ≤ x (so a value on an edge goes up). */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A categorical value as the string it is counted under, or null when missing. */
export function categoryKey(v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  return String(v);
}

function categoricalBaseline(column: CategoricalColumn, maxCategories: number): CategoricalBaseline {
  const counts = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < column.length; i++) {
    const key = categoryKey(column[i]);
    if (key === null) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    n++;
  }
  // Most frequent first, ties by name, so that the baseline does not depend on row order.
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = ranked.slice(0, maxCategories);
  const other = ranked.slice(maxCategories).reduce((s, [, c]) => s + c, 0);
  return {
    kind: "categorical",
    categories: kept.map(([k]) => k),
    proportions: [...kept.map(([, c]) => (n > 0 ? c / n : 0)), n > 0 ? other / n : 0],
    count: n,
    missing: column.length - n,
  };
}

function predictionBaseline(p: NonNullable<BaselineInput["predictions"]>): PredictionBaseline {
  if (p.classes.length !== p.confidences.length)
    throw new Error("predictions: classes and confidences differ in length");
  const classCounts = new Map<string, number>();
  for (let i = 0; i < p.classes.length; i++) {
    const key = String(p.classes[i]);
    classCounts.set(key, (classCounts.get(key) ?? 0) + 1);
  }
  const classes = [...classCounts.keys()].sort();
  const edges = Array.from({ length: 9 }, (_, k) => (k + 1) / 10);
  const conf = new Float64Array(10);
  let nConf = 0;
  for (let i = 0; i < p.confidences.length; i++) {
    const c = p.confidences[i] as number;
    if (!Number.isFinite(c)) continue;
    const b = binIndex(edges, c);
    conf[b] = (conf[b] as number) + 1;
    nConf++;
  }
  const n = p.classes.length;
  return {
    classes,
    class_proportions: classes.map((k) => (classCounts.get(k) as number) / Math.max(n, 1)),
    confidence_edges: edges,
    confidence_proportions: Array.from(conf, (c) => c / Math.max(nConf, 1)),
    count: n,
  };
}

/** FNV-1a, so each feature's sample has its own stream that does not depend on column order. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
