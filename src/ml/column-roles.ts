/**
 * Columns a model should not see by default: a constant column (one value, or none) carries
 * nothing, and an ID-like column (a different value on every row: row numbers, customer ids)
 * lets a network memorise rows instead of learning. A user who knows better names the column's
 * type in `feature_types`, which keeps it.
 */

export type ExclusionReason = "constant" | "id";

/** below this many rows a column of distinct values is not called an ID */
export const MIN_ID_ROWS = 20;

export interface ColumnFacts {
  rows: number;
  missing: number;
  /** distinct present values (exact up to `rows`) */
  distinct: number;
  /** every present value is a number */
  numeric: boolean;
  /**
   * every present value is an integer and they span at most twice their count: row numbers,
   * also after a sample or a split has taken some out (measurements rarely look like that)
   */
  sequenceLike: boolean;
  /** half the present values or more are prose (a space, or over 40 characters): text, never an ID */
  prose: boolean;
}

/** Why a column is left out by default, or null to keep it. */
export function exclusionReason(f: ColumnFacts): ExclusionReason | null {
  if (f.distinct === 0 || (f.distinct === 1 && f.missing === 0)) return "constant";
  const unique = f.missing === 0 && f.distinct === f.rows && f.rows >= MIN_ID_ROWS;
  if (unique && ((!f.numeric && !f.prose) || f.sequenceLike)) return "id";
  return null;
}

/** Facts of one column's values (numbers or strings; missing ones as null). */
export function columnFacts(values: ArrayLike<unknown>, isMissing: (v: unknown) => boolean): ColumnFacts {
  const seen = new Set<unknown>();
  let missing = 0;
  let numeric = true;
  let long = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    if (typeof v !== "number") {
      numeric = false;
      const t = String(v);
      if (t.includes(" ") || t.length > 40) long++;
    }
    seen.add(typeof v === "number" ? v : String(v));
  }
  let sequenceLike = false;
  if (numeric && seen.size > 1) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let integers = true;
    for (const x of seen as Set<number>) {
      if (!Number.isInteger(x)) integers = false;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    sequenceLike = integers && isSequenceSpan(min, max, seen.size);
  }
  const prose = !numeric && long >= (values.length - missing) / 2;
  return { rows: values.length, missing, distinct: seen.size, numeric, sequenceLike, prose };
}

/** Distinct integers from min to max that many: a numbering rather than a measurement. */
export function isSequenceSpan(min: number, max: number, count: number): boolean {
  return max - min + 1 <= 2 * count;
}

/** A plain-language line for a dataset profile. */
export function exclusionWarning(name: string, reason: ExclusionReason): string {
  return reason === "constant"
    ? `"${name}" holds a single value (or none), so it cannot help a model: left out unless feature_types names it`
    : `"${name}" has a different value on every row, like an ID: left out unless feature_types names it`;
}
