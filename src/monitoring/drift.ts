/**
 * Drift of current inputs against a model's Baseline, per feature and for the model. Pure:
 * arrays in, plain objects out; no I/O. How a feature is decided: stats/verdict.ts.
 *
 * Statistics, exactly:
 *   psi  Σ (a − e)·ln(a/e) over the bins, empty bins raised to 1e-4 on both sides.
 *   js   Jensen–Shannon DIVERGENCE in bits (base 2), in [0, 1]; js_distance = √js is what
 *        scipy's jensenshannon(p, q, base=2) returns; it is reported, never compared.
 *   ks   D and p of ks_2samp(baseline sample, ALL current values): exact, because the
 *        current values are counted in cells between the sample's values (stats/cells.ts).
 *        The reference n is the sample size (≤ 5,000 by default), reported as n_reference_ks.
 *   chi2 scipy's chi2_contingency(correction=False) on (reference counts, current counts)
 *        over the categories and "other", small cells pooled (stats/chi2.ts).
 * Beside them: noise floors, histograms, missing-rate change, mean shift and σ ratio (numeric,
 * in reference σ) or category share changes (categorical): stats/measure.ts.
 */
import type { Baseline, CategoricalBaseline, NumericBaseline } from "./baseline";
import { binIndex, categoryKey } from "./baseline";
import { CellCounter, mergeDistinct } from "./stats/cells";
import { chi2Homogeneity } from "./stats/chi2";
import { ksTest } from "./stats/ks";
import { categoryShares, measure, missingRates, numericShift } from "./stats/measure";
import type { DriftOptions, DriftReport, DriftThresholds, FeatureDrift } from "./stats/verdict";
import {
  DEFAULT_MIN_ROWS,
  decideFeatures,
  effectiveThresholds,
  emptyResult,
  undecided,
  verdict,
} from "./stats/verdict";

export type {
  CategoryShare,
  DriftOptions,
  DriftReport,
  DriftThresholds,
  DriftVerdict,
  FeatureDrift,
  Histogram,
} from "./stats/verdict";
export { DEFAULT_MIN_ROWS, DEFAULT_THRESHOLDS, effectiveThresholds } from "./stats/verdict";

/** A column of current values; typed arrays are counted without copying. */
export type DriftColumn = Float64Array | Float32Array | ArrayLike<number | string | boolean | null | undefined>;

export interface DriftAccumulator {
  /** Adds a chunk of rows as columns of equal length; features not in the baseline are ignored. */
  add(columns: Record<string, DriftColumn>): void;
  /** Adds row objects, e.g. logged prediction inputs. */
  addRows(rows: ReadonlyArray<Record<string, unknown>>): void;
  /** Rows added so far. */
  readonly rows: number;
  finish(): DriftReport;
}

interface NumericState {
  base: NumericBaseline;
  counter: CellCounter | null;
  /** per grid point: reference sample values ≤ it, and bin of values at it */
  refAtOrBelow: Float64Array;
  binAt: Int32Array;
}

interface CategoricalState {
  base: CategoricalBaseline;
  index: Map<string, number>;
  counts: Float64Array;
  missing: number;
}

/**
 * Streaming drift check with bounded memory: O(sample + bins) per numeric feature and
 * O(categories) per categorical one, whatever the number of rows.
 * @example
 * const acc = createDriftAccumulator(baseline);
 * for (const chunk of chunks) acc.add({ age: chunk.age, city: chunk.city });
 * const report = acc.finish(); // report.drifted, report.features[i].psi …
 */
export function createDriftAccumulator(
  baseline: Baseline | null | undefined,
  options: DriftOptions = {},
): DriftAccumulator {
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  if (!Number.isInteger(minRows) || minRows < 1) throw new Error(`minRows must be an integer ≥ 1, got ${minRows}`);
  const numeric = new Map<string, NumericState>();
  const categorical = new Map<string, CategoricalState>();
  for (const [name, base] of Object.entries(baseline?.features ?? {})) {
    if (base.kind === "numeric") numeric.set(name, numericState(base));
    else {
      const index = new Map(base.categories.map((c, i) => [c, i] as const));
      categorical.set(name, { base, index, counts: new Float64Array(base.categories.length + 1), missing: 0 });
    }
  }
  const present = new Set<string>();
  let rows = 0;

  const add = (columns: Record<string, DriftColumn>) => {
    let n = -1;
    for (const [name, col] of Object.entries(columns)) {
      if (n >= 0 && col.length !== n) throw new Error(`column "${name}" has ${col.length} rows, others ${n}`);
      n = col.length;
    }
    if (n < 0) return;
    for (const [name, state] of numeric) {
      const col = columns[name];
      if (col === undefined) {
        if (state.counter) state.counter.missing += n;
      } else {
        present.add(name);
        const values = col instanceof Float64Array || col instanceof Float32Array ? col : toNumbers(col);
        if (state.counter) state.counter.add(values);
      }
    }
    for (const [name, state] of categorical) {
      const col = columns[name];
      if (col === undefined) state.missing += n;
      else {
        present.add(name);
        for (let i = 0; i < n; i++) {
          const key = categoryKey(col[i]);
          if (key === null) state.missing++;
          else {
            const c = state.index.get(key) ?? state.counts.length - 1; // unseen → "other"
            state.counts[c] = (state.counts[c] as number) + 1;
          }
        }
      }
    }
    rows += n;
  };

  const addRows = (list: ReadonlyArray<Record<string, unknown>>) => {
    const columns: Record<string, DriftColumn> = {};
    for (const name of [...numeric.keys(), ...categorical.keys()]) {
      if (!list.some((r) => r[name] !== undefined)) continue; // absent, not merely missing
      columns[name] = list.map((r) => r[name] as DriftColumn[number]);
    }
    if (Object.keys(columns).length === 0) {
      rows += list.length;
      for (const s of numeric.values()) if (s.counter) s.counter.missing += list.length;
      for (const s of categorical.values()) s.missing += list.length;
    } else add(columns);
  };

  const finish = (): DriftReport => {
    const features: FeatureDrift[] = [];
    for (const [name, s] of numeric)
      features.push(numericDrift(name, s, present.has(name), rows, effectiveThresholds(options, name), minRows));
    for (const [name, s] of categorical)
      features.push(categoricalDrift(name, s, present.has(name), rows, effectiveThresholds(options, name), minRows));
    decideFeatures(features);
    return { ...verdict(baseline, features, rows, minRows), rows, min_rows: minRows, features };
  };

  return {
    add,
    addRows,
    get rows() {
      return rows;
    },
    finish,
  };
}

/** One-shot check over columns already in memory; the same as one accumulator chunk. */
export function checkDrift(
  baseline: Baseline | null | undefined,
  columns: Record<string, DriftColumn>,
  options: DriftOptions = {},
): DriftReport {
  const acc = createDriftAccumulator(baseline, options);
  acc.add(columns);
  return acc.finish();
}

function numericState(base: NumericBaseline): NumericState {
  const grid = mergeDistinct(base.sample, base.edges);
  const refAtOrBelow = new Float64Array(grid.length);
  const binAt = new Int32Array(grid.length);
  for (let i = 0, k = 0; i < grid.length; i++) {
    const g = grid[i] as number;
    while (k < base.sample.length && (base.sample[k] as number) <= g) k++;
    refAtOrBelow[i] = k;
    binAt[i] = binIndex(base.edges, g);
  }
  return { base, counter: grid.length > 0 ? new CellCounter(grid, base.mean) : null, refAtOrBelow, binAt };
}

function numericDrift(
  name: string,
  s: NumericState,
  present: boolean,
  rows: number,
  t: DriftThresholds,
  minRows: number,
) {
  const out = emptyResult(name, "numeric", s.base.count, t);
  out.n_reference_ks = s.base.sample.length;
  out.missing_current = s.counter ? s.counter.missing : rows;
  out.n_current = s.counter && present ? s.counter.total() : 0;
  missingRates(out, s.base.missing);
  if (!present || !s.counter)
    return undecided(out, present ? "no reference values in the baseline" : "missing from current data");
  const { counts, grid } = s.counter;
  const nCur = out.n_current;
  const { sum, sumSquares, center } = s.counter;
  numericShift(out, s.base, { n: nCur, sum, sumSquares, center });
  if (nCur === 0) return undecided(out, `no current values (${out.missing_current} missing)`);
  const bins = new Float64Array(s.base.edges.length + 1);
  const nRef = s.base.sample.length;
  bins[0] = counts[0] as number;
  let cum = counts[0] as number;
  let d = cum / nCur; // first cell (below every grid point): the reference ECDF is 0 there
  for (let i = 0; i < grid.length; i++) {
    const f = (s.refAtOrBelow[i] as number) / nRef;
    const b = s.binAt[i] as number;
    for (const cell of [2 * i + 1, 2 * i + 2]) {
      const c = counts[cell] as number;
      bins[b] = (bins[b] as number) + c;
      cum += c;
      const gap = Math.abs(f - cum / nCur);
      if (gap > d) d = gap;
    }
  }
  const ks = ksTest(d, nRef, nCur);
  out.ks_stat = ks.statistic;
  out.ks_pvalue = ks.pvalue;
  out.ks_method = ks.method;
  out.test = "ks";
  out.p_value = ks.pvalue;
  return measure(out, s.base.proportions, bins, minRows, { edges: s.base.edges });
}

function categoricalDrift(
  name: string,
  s: CategoricalState,
  present: boolean,
  rows: number,
  t: DriftThresholds,
  minRows: number,
) {
  const out = emptyResult(name, "categorical", s.base.count, t);
  out.missing_current = s.missing;
  out.n_current = present ? rows - s.missing : 0;
  missingRates(out, s.base.missing);
  if (!present) return undecided(out, "missing from current data");
  if (s.base.count === 0) return undecided(out, "no reference values in the baseline");
  if (out.n_current === 0) return undecided(out, `no current values (${s.missing} missing)`);
  const chi2 = chi2Homogeneity(
    s.base.proportions.map((p) => Math.round(p * s.base.count)),
    s.counts,
  );
  out.test = "chi2";
  out.chi2_stat = chi2.statistic;
  out.chi2_df = chi2.df;
  out.p_value = chi2.pvalue;
  out.category_shares = categoryShares(s.base.categories, s.base.proportions, s.counts, out.n_current);
  return measure(out, s.base.proportions, s.counts, minRows, { labels: [...s.base.categories, "(other)"] });
}

function toNumbers(col: ArrayLike<unknown>): Float64Array {
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    out[i] = typeof v === "number" ? v : Number.NaN; // null, strings … are missing, never 0
  }
  return out;
}
