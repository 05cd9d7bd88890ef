/**
 * Counts current values of one numeric feature against a fixed, sorted grid
 * g_0 < … < g_{m−1} (the reference sample's distinct values plus the bin edges), in the
 * 2m + 1 cells (−∞, g_0), {g_0}, (g_0, g_1), {g_1}, …, {g_{m−1}}, (g_{m−1}, ∞).
 *
 * Why that is enough for exact statistics over every current row, in O(m) memory:
 *  - PSI/JS bins: every bin edge is a grid point, so each cell lies inside one bin.
 *  - KS: the reference ECDF F is constant on each cell, and the current ECDF G only rises
 *    inside it, so sup |F − G| on a cell is |F − G| at the cell's start or end; the start of a
 *    cell is the end of the one before. D over the cells' ends is therefore exactly the D of
 *    ks_2samp(reference sample, all current values).
 *
 * Lookup is a bucket table over [g_0, g_{m−1}] (about 4 buckets per grid point) followed by a
 * binary search inside one bucket, so dense quantile grids cost a comparison or two per value.
 */
export class CellCounter {
  /** cell counts, 2m + 1 entries (float64 so they stay exact past 2^32 rows) */
  readonly counts: Float64Array;
  readonly grid: Float64Array;
  missing = 0;
  readonly #first: Int32Array;
  readonly #scale: number;
  readonly #lo: number;
  readonly #hi: number;
  readonly #lastBucket: number;

  constructor(grid: Float64Array) {
    const m = grid.length;
    if (m === 0) throw new Error("CellCounter needs at least one grid point");
    for (let i = 1; i < m; i++) {
      if (!((grid[i] as number) > (grid[i - 1] as number))) throw new Error("grid must increase strictly");
    }
    this.grid = grid;
    this.counts = new Float64Array(2 * m + 1);
    this.#lo = grid[0] as number;
    this.#hi = grid[m - 1] as number;
    const buckets = 4 * m;
    this.#lastBucket = buckets - 1;
    const span = this.#hi - this.#lo;
    this.#scale = span > 0 && Number.isFinite(buckets / span) ? buckets / span : 0;
    // first[b] = number of grid points whose bucket is < b. Bucketing is monotone in x,
    // so a value in bucket b has exactly first[b] grid points below it, plus some of bucket b's.
    const first = new Int32Array(buckets + 1);
    for (let i = 0; i < m; i++) {
      const b = this.#bucket(grid[i] as number) + 1;
      first[b] = (first[b] as number) + 1;
    }
    for (let b = 1; b < first.length; b++) first[b] = (first[b] as number) + (first[b - 1] as number);
    this.#first = first;
  }

  #bucket(x: number): number {
    const b = Math.floor((x - this.#lo) * this.#scale);
    return Math.max(0, Math.min(b, this.#lastBucket));
  }

  /** Adds values[start, end); NaN and ±Infinity count as missing, not binned. */
  add(values: ArrayLike<number>, start = 0, end = values.length): void {
    const grid = this.grid;
    const counts = this.counts;
    const first = this.#first;
    const lo = this.#lo;
    const hi = this.#hi;
    const scale = this.#scale;
    const lastBucket = this.#lastBucket;
    const m = grid.length;
    let missing = 0;
    for (let i = start; i < end; i++) {
      const x = values[i] as number;
      if (!(x - x === 0)) {
        missing++; // NaN or ±Infinity
        continue;
      }
      let cell: number;
      if (x < lo) cell = 0;
      else if (x > hi) cell = 2 * m;
      else {
        let b = Math.floor((x - lo) * scale);
        if (b > lastBucket) b = lastBucket;
        // k = number of grid points ≤ x, searched among the points of bucket b
        let k = first[b] as number;
        let top = first[b + 1] as number;
        while (k < top) {
          const mid = (k + top) >>> 1;
          if ((grid[mid] as number) <= x) k = mid + 1;
          else top = mid;
        }
        cell = k > 0 && grid[k - 1] === x ? 2 * k - 1 : 2 * k;
      }
      counts[cell] = (counts[cell] as number) + 1;
    }
    this.missing += missing;
  }

  /** Values binned so far (missing excluded). */
  total(): number {
    let s = 0;
    for (let i = 0; i < this.counts.length; i++) s += this.counts[i] as number;
    return s;
  }
}

/** Ascending distinct values of a ∪ b (both ascending). */
export function mergeDistinct(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const v =
      j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i++] as number) : (b[j++] as number);
    if (n === 0 || v > (out[n - 1] as number)) out[n++] = v;
  }
  return out.slice(0, n);
}
