/**
 * Simulated drift checks through the service's own path (buildBaseline at training, then
 * createDriftAccumulator → add → finish, as src/monitoring/check.ts does), for the decision
 * targets of issue #15. Shared by `bun run bench:drift` (≥ 200 checks per cell) and
 * test/monitoring/decisions.test.ts (a smaller seeded run with loose bounds).
 *
 * The model: 32 features, 30 numeric x_f ~ N(f/8, 1 + f/32) and 2 categorical, c0 over
 * {a, b} at 50/50 and c1 over five values at 40/25/15/12/8 %. The reference is 10,000
 * training rows; each check draws fresh current rows, changed as the cell says.
 */
import { Random } from "../src/ml/random";
import { type Baseline, buildBaseline } from "../src/monitoring/baseline";
import { createDriftAccumulator, type DriftOptions } from "../src/monitoring/drift";

export const NUMERIC = 30;
const C1 = ["v", "w", "x", "y", "z"];
const C1_SHARES = [0.4, 0.25, 0.15, 0.12, 0.08];

export interface Change {
  /** mean shift of x0 in its standard deviations */
  shiftSd?: number;
  /** share of "a" in c0 (0.5 unchanged) */
  c0A?: number;
}

export interface Cell {
  name: string;
  rows: number;
  change: Change;
  /** the feature whose flagging counts (null: any feature) */
  watch: string | null;
}

export interface CellResult extends Cell {
  checks: number;
  /** share of checks in which `watch` (or any feature) was flagged */
  flagged: number;
  /** share of checks flagging any feature */
  any: number;
  /** share of checks left undecided */
  undecided: number;
}

const mean = (f: number) => f / 8;
const sd = (f: number) => 1 + f / 32;

/** Acklam's inverse normal CDF (relative error < 1.2e-9): one uniform per normal, no trig. */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      ((((((c[0] as number) * q + (c[1] as number)) * q + (c[2] as number)) * q + (c[3] as number)) * q +
        (c[4] as number)) *
        q +
        (c[5] as number)) /
      (((((d[0] as number) * q + (d[1] as number)) * q + (d[2] as number)) * q + (d[3] as number)) * q + 1)
    );
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    (((((((a[0] as number) * r + (a[1] as number)) * r + (a[2] as number)) * r + (a[3] as number)) * r +
      (a[4] as number)) *
      r +
      (a[5] as number)) *
      q) /
    ((((((b[0] as number) * r + (b[1] as number)) * r + (b[2] as number)) * r + (b[3] as number)) * r +
      (b[4] as number)) *
      r +
      1)
  );
}

function uniform(rng: Random): number {
  return (rng.nextU32() + 0.5) / 4_294_967_296;
}

function fillNormal(out: Float64Array, rng: Random, m: number, s: number): void {
  for (let i = 0; i < out.length; i++) out[i] = m + s * normalQuantile(uniform(rng));
}

function pick(rng: Random, values: readonly string[], shares: readonly number[]): string {
  let u = uniform(rng);
  for (let i = 0; i < values.length - 1; i++) {
    u -= shares[i] as number;
    if (u < 0) return values[i] as string;
  }
  return values[values.length - 1] as string;
}

/** Columns of n rows drawn from the model, changed as `change` says; `numericOnly`: x0 alone. */
export function drawRows(
  rng: Random,
  n: number,
  change: Change = {},
  numericOnly = false,
): Record<string, Float64Array | string[]> {
  const columns: Record<string, Float64Array | string[]> = {};
  for (let f = 0; f < (numericOnly ? 1 : NUMERIC); f++) {
    const col = new Float64Array(n);
    fillNormal(col, rng, mean(f) + (f === 0 ? (change.shiftSd ?? 0) * sd(f) : 0), sd(f));
    columns[`x${f}`] = col;
  }
  if (numericOnly) return columns;
  const a = change.c0A ?? 0.5;
  columns.c0 = Array.from({ length: n }, () => (uniform(rng) < a ? "a" : "b"));
  columns.c1 = Array.from({ length: n }, () => pick(rng, C1, C1_SHARES));
  return columns;
}

/** The baseline a model trained on `rows` rows of the model would have saved. */
export function trainingBaseline(seed: number, rows = 10_000): Baseline {
  const columns = drawRows(new Random(seed), rows);
  const numeric: Record<string, Float64Array> = {};
  const categorical: Record<string, string[]> = {};
  for (const [name, col] of Object.entries(columns)) {
    if (col instanceof Float64Array) numeric[name] = col;
    else categorical[name] = col;
  }
  return buildBaseline({ numeric, categorical });
}

/** Rows per add(): the check reads the log in chunks of this size too (window.ts). */
const CHUNK = 32_768;

/** `checks` simulated checks of one cell, each on fresh rows, streamed in chunks. */
export function runCell(
  baseline: Baseline,
  cell: Cell,
  checks: number,
  seed: number,
  options: DriftOptions = {},
): CellResult {
  const rng = new Random(seed);
  let flagged = 0;
  let any = 0;
  let undecided = 0;
  for (let k = 0; k < checks; k++) {
    const acc = createDriftAccumulator(baseline, options);
    for (let start = 0; start < cell.rows; start += CHUNK) {
      acc.add(drawRows(rng, Math.min(CHUNK, cell.rows - start), cell.change));
    }
    const r = acc.finish();
    if (!r.decided) undecided++;
    if (r.drifted_features.length > 0) any++;
    if (cell.watch === null ? r.drifted_features.length > 0 : r.drifted_features.includes(cell.watch)) flagged++;
  }
  return { ...cell, checks, flagged: flagged / checks, any: any / checks, undecided: undecided / checks };
}

/** The cells of the targets; `target` is the bound each must meet. */
export const TARGET_CELLS: (Cell & { target: string; ok: (r: CellResult) => boolean })[] = [
  ...[50, 200, 1_000, 10_000, 100_000, 1_000_000].map((rows) => ({
    name: `no drift, ${rows.toLocaleString("en")} rows`,
    rows,
    change: {},
    watch: null,
    target: "any feature flagged ≤ 1%",
    ok: (r: CellResult) => r.flagged <= 0.01,
  })),
  {
    name: "x0 +1σ, 100 rows",
    rows: 100,
    change: { shiftSd: 1 },
    watch: "x0",
    target: "x0 flagged ≥ 99%",
    ok: (r) => r.flagged >= 0.99,
  },
  {
    name: "x0 +0.5σ, 500 rows",
    rows: 500,
    change: { shiftSd: 0.5 },
    watch: "x0",
    target: "x0 flagged ≥ 95%",
    ok: (r) => r.flagged >= 0.95,
  },
  {
    name: "c0 50/50 → 70/30, 300 rows",
    rows: 300,
    change: { c0A: 0.7 },
    watch: "c0",
    target: "c0 flagged ≥ 95%",
    ok: (r) => r.flagged >= 0.95,
  },
  {
    name: "x0 +0.02σ, 1,000,000 rows",
    rows: 1_000_000,
    change: { shiftSd: 0.02 },
    watch: null,
    target: "any feature flagged ≤ 1%",
    ok: (r) => r.flagged <= 0.01,
  },
];
