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
  /** every present value is an integer and sorted they step by exactly 1 (row numbers) */
  consecutiveIntegers: boolean;
}

/** Why a column is left out by default, or null to keep it. */
export function exclusionReason(f: ColumnFacts): ExclusionReason | null {
  if (f.distinct === 0 || (f.distinct === 1 && f.missing === 0)) return "constant";
  const unique = f.missing === 0 && f.distinct === f.rows && f.rows >= MIN_ID_ROWS;
  if (unique && (!f.numeric || f.consecutiveIntegers)) return "id";
  return null;
}

/** Facts of one column's values (numbers or strings; missing ones as null). */
export function columnFacts(values: ArrayLike<unknown>, isMissing: (v: unknown) => boolean): ColumnFacts {
  const seen = new Set<unknown>();
  let missing = 0;
  let numeric = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    if (typeof v !== "number") numeric = false;
    seen.add(typeof v === "number" ? v : String(v));
  }
  let consecutiveIntegers = false;
  if (numeric && seen.size > 1 && seen.size === values.length - missing) {
    const sorted = Float64Array.from(seen as Set<number>).sort();
    consecutiveIntegers =
      Number.isInteger(sorted[0]) && sorted.every((x, i) => i === 0 || x - (sorted[i - 1] as number) === 1);
  }
  return { rows: values.length, missing, distinct: seen.size, numeric, consecutiveIntegers };
}

/** A plain-language line for a dataset profile. */
export function exclusionWarning(name: string, reason: ExclusionReason): string {
  return reason === "constant"
    ? `"${name}" holds a single value (or none), so it cannot help a model: left out unless feature_types names it`
    : `"${name}" has a different value on every row, like an ID: left out unless feature_types names it`;
}
