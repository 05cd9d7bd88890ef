/**
 * Chi-square: the distribution (survival function and quantile) and the test of homogeneity
 * that drift uses for categorical features, after scipy.stats.chi2_contingency on a 2 × k table
 * (reference counts, current counts) with `correction=False`: Yates' continuity correction is
 * meant for 2 × 2 tables of small counts and would make the 2-category case a different test
 * from the k-category one.
 *
 * Categories with no value on either side are dropped (they carry no information; scipy raises
 * on a zero expected frequency). Categories whose expected CURRENT count is below 5 are pooled
 * into one cell so that the χ² approximation holds; a pool that is still small joins the
 * smallest remaining cell. One cell left means both sides hold the same single category: χ² 0.
 */

/** Smallest expected count per cell before cells are pooled (Cochran's rule). */
export const MIN_EXPECTED = 5;

export interface Chi2Result {
  statistic: number;
  /** degrees of freedom: cells compared − 1 */
  df: number;
  pvalue: number;
  /** cells compared after dropping empty ones and pooling small ones */
  cells: number;
}

/** χ² test of homogeneity between two count vectors over the same categories. */
export function chi2Homogeneity(reference: ArrayLike<number>, current: ArrayLike<number>): Chi2Result {
  if (reference.length !== current.length)
    throw new Error(`count vectors differ in length: ${reference.length} vs ${current.length}`);
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < reference.length; i++) {
    nRef += reference[i] as number;
    nCur += current[i] as number;
  }
  if (!(nRef > 0) || !(nCur > 0)) throw new Error("chi2Homogeneity: both sides need at least one value");
  const total = nRef + nCur;
  // cells as [reference, current], small ones pooled in `pool`
  const cells: [number, number][] = [];
  const pool: [number, number] = [0, 0];
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    if (r + c === 0) continue;
    if (((r + c) * nCur) / total < MIN_EXPECTED) {
      pool[0] += r;
      pool[1] += c;
    } else cells.push([r, c]);
  }
  if (pool[0] + pool[1] > 0) {
    if (((pool[0] + pool[1]) * nCur) / total >= MIN_EXPECTED || cells.length === 0) cells.push(pool);
    else {
      let smallest = 0;
      for (let k = 1; k < cells.length; k++) {
        const [a, b] = cells[k] as [number, number];
        const [sa, sb] = cells[smallest] as [number, number];
        if (a + b < sa + sb) smallest = k;
      }
      const s = cells[smallest] as [number, number];
      s[0] += pool[0];
      s[1] += pool[1];
    }
  }
  if (cells.length < 2) return { statistic: 0, df: 0, pvalue: 1, cells: cells.length };
  let statistic = 0;
  for (const [r, c] of cells) {
    const colTotal = r + c;
    const eRef = (colTotal * nRef) / total;
    const eCur = (colTotal * nCur) / total;
    statistic += (r - eRef) ** 2 / eRef + (c - eCur) ** 2 / eCur;
  }
  const df = cells.length - 1;
  return { statistic, df, pvalue: chi2Sf(statistic, df), cells: cells.length };
}

/** P(X ≥ x) for X ~ χ²(df): the regularised upper incomplete gamma Q(df/2, x/2). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0)) throw new Error(`degrees of freedom must be > 0, got ${df}`);
  if (!(x > 0)) return 1;
  return gammaQ(df / 2, x / 2);
}

/** The x with P(X ≤ x) = p for X ~ χ²(df), by bisection on chi2Sf (to ~1e-12 relative). */
export function chi2Quantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`p must lie in (0, 1), got ${p}`);
  let lo = 0;
  let hi = Math.max(1, df);
  while (1 - chi2Sf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (1 - chi2Sf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Q(a, x) = Γ(a, x)/Γ(a): the series for P when x < a + 1, Lentz's continued fraction otherwise. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return clip01(1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return clip01(Math.exp(logPrefix) * h);
}

// Lanczos approximation (g = 7, n = 9), ~1e-15 relative for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) s += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

function clip01(p: number): number {
  return Math.max(0, Math.min(p, 1));
}
