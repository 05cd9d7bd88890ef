/**
 * A numeric column as typed arrays (the data reader's number columns): the feature spec's
 * facts, its numeric feature and its encoding computed straight from them, with no array of
 * boxed cells. Each function gives exactly what features.ts computes from the same cells as
 * numbers and nulls (same order of summation, same refusals), so a model trained from columns
 * equals one trained from rows. The values may be float32 that restore exactly to the float64
 * ones (float32-exact.ts): the training loader keeps half the memory and the same model.
 */
import { type ColumnFacts, isSequenceSpan } from "./column-roles";
import { restoreFloat32 } from "./float32-exact";

/**
 * One column's numbers; `missing[i]` is 1 where row i has no value (one entry per row). Row i's
 * number is values[offset + i · stride]: a column of a row-major block when stride > 1.
 */
export interface NumericCells {
  values: Float64Array | Float32Array;
  missing: Uint8Array;
  /** float32 values of decimals: each reads back as restoreFloat32(value, scale) */
  scale?: number;
  stride?: number;
  offset?: number;
}

export const isNumericCells = (v: unknown): v is NumericCells =>
  typeof v === "object" &&
  v !== null &&
  ((v as NumericCells).values instanceof Float64Array || (v as NumericCells).values instanceof Float32Array);

const stored = (c: NumericCells, i: number) => c.values[(c.offset ?? 0) + i * (c.stride ?? 1)] as number;

/** Row i's number as the reader parsed it (NaN where missing). */
export const numberAt = (c: NumericCells, i: number): number => restoreFloat32(stored(c, i), c.scale);

/** The column's cells as features.ts's generic path takes them: numbers, null where missing. */
export function cellsOfNumeric(c: NumericCells): (number | null)[] {
  return Array.from({ length: c.missing.length }, (_, i) => {
    const x = numberAt(c, i);
    return c.missing[i] || Number.isNaN(x) ? null : x;
  });
}

/**
 * A column's layout read once, for loops over every cell of a training file (no property reads
 * per cell): row i's stored value is values[offset + i · stride], read back by restoreFloat32.
 */
function layoutOf(c: NumericCells) {
  return { values: c.values, missing: c.missing, scale: c.scale, offset: c.offset ?? 0, stride: c.stride ?? 1 };
}

/** column-roles.ts columnFacts of the same cells; `scratch` (reused across columns) holds a sorted copy. */
export function numericFacts(c: NumericCells, scratch: { sorted: Float64Array }): ColumnFacts {
  const { values, missing, scale, offset, stride } = layoutOf(c);
  const rows = missing.length;
  if (scratch.sorted.length < rows) scratch.sorted = new Float64Array(rows);
  const sorted = scratch.sorted;
  let n = 0;
  for (let i = 0, j = offset; i < rows; i++, j += stride) {
    const v = values[j] as number;
    if (missing[i] || Number.isNaN(v)) continue;
    sorted[n++] = scale === undefined ? v : Math.round(v * scale) / scale;
  }
  const xs = sorted.subarray(0, n).sort();
  let distinct = 0;
  let integers = true;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    // -0 and 0 are one value, as in a Set
    if (i === 0 || x !== xs[i - 1]) distinct++;
    if (!Number.isInteger(x)) integers = false;
  }
  const sequenceLike = distinct > 1 && integers && isSequenceSpan(xs[0] as number, xs[n - 1] as number, distinct);
  return { rows, missing: rows - n, distinct, numeric: true, sequenceLike, prose: false };
}

/** Mean and population standard deviation of the present values (std 1 when constant), and the missing count. */
export function numericMoments(
  c: NumericCells,
  fits: (x: number) => boolean,
): { mean: number; std: number; missing: number; bad: number } {
  const { values, missing, scale, offset, stride } = layoutOf(c);
  const rows = missing.length;
  let sum = 0;
  let n = 0;
  for (let i = 0, j = offset; i < rows; i++, j += stride) {
    const v = values[j] as number;
    if (missing[i] || Number.isNaN(v)) continue;
    const x = scale === undefined ? v : Math.round(v * scale) / scale;
    if (!fits(x)) return { mean: 0, std: 1, missing: 0, bad: i };
    sum += x;
    n++;
  }
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (let i = 0, j = offset; i < rows; i++, j += stride) {
    const v = values[j] as number;
    if (missing[i] || Number.isNaN(v)) continue;
    sq += ((scale === undefined ? v : Math.round(v * scale) / scale) - mean) ** 2;
  }
  const std = n ? Math.sqrt(sq / n) : 0;
  return { mean, std: std > 0 ? std : 1, missing: rows - n, bad: -1 };
}

/**
 * Writes the standardised values into column `col` of the row-major `out` (`width` columns), and
 * the missing flags into `col + 1` unless `f.flag` is false (a missing value is then only imputed
 * with the mean); the first row whose value does not fit, or -1.
 */
export function encodeNumeric(
  c: NumericCells,
  f: { mean: number; std: number; flag?: boolean },
  out: Float32Array,
  width: number,
  col: number,
  fits: (x: number) => boolean,
): number {
  const { mean, std } = f;
  const flag = f.flag !== false;
  const { values, missing, scale, offset, stride } = layoutOf(c);
  for (let r = 0, j = offset, at = col; r < missing.length; r++, j += stride, at += width) {
    const v = values[j] as number;
    if (missing[r] || Number.isNaN(v)) {
      out[at] = 0;
      if (flag) out[at + 1] = 1;
      continue;
    }
    const x = scale === undefined ? v : Math.round(v * scale) / scale;
    const z = (x - mean) / std;
    if (!fits(x) || !fits(z)) return r;
    out[at] = z;
  }
  return -1;
}

/** The first row whose value or standardised value does not fit (as encodeNumeric refuses it), or -1. */
export function firstUnfit(c: NumericCells, f: { mean: number; std: number }, fits: (x: number) => boolean): number {
  const { values, missing, scale, offset, stride } = layoutOf(c);
  for (let r = 0, j = offset; r < missing.length; r++, j += stride) {
    const v = values[j] as number;
    if (missing[r] || Number.isNaN(v)) continue;
    const x = scale === undefined ? v : Math.round(v * scale) / scale;
    if (!fits(x) || !fits((x - f.mean) / f.std)) return r;
  }
  return -1;
}

/**
 * encodeNumeric for every column at once, writing the matrix over `block`, the row-major block
 * the columns are strided views of (`stride` values per row, `width` ≤ stride): row r's inputs go
 * to block[r · width …) once row r's numbers are copied out, so nothing unread is overwritten.
 * The same values as encodeNumeric (callers check firstUnfit first); the block is spent and the
 * matrix is its first rows · width values.
 */
export function encodeRowsInPlace(
  cells: NumericCells[],
  features: { mean: number; std: number; flag?: boolean }[],
  block: Float32Array,
  stride: number,
  width: number,
): Float32Array {
  const rows = cells[0]?.missing.length ?? 0;
  const row = new Float32Array(stride);
  for (let r = 0; r < rows; r++) {
    // copied by hand: a subarray() per row is a view object per row, garbage the size of the block
    for (let j = 0, from = r * stride; j < stride; j++) row[j] = block[from + j] as number;
    let at = r * width;
    for (let k = 0; k < cells.length; k++) {
      const c = cells[k] as NumericCells;
      const f = features[k] as { mean: number; std: number; flag?: boolean };
      const v = row[c.offset ?? 0] as number;
      const missing = c.missing[r] === 1 || Number.isNaN(v);
      block[at] = missing ? 0 : (restoreFloat32(v, c.scale) - f.mean) / f.std;
      if (f.flag === false) at++;
      else {
        block[at + 1] = missing ? 1 : 0;
        at += 2;
      }
    }
  }
  return block.subarray(0, rows * width);
}
