/**
 * The per-feature figures a drift decision is made from (verdict.ts decides): PSI and JS over
 * the reference bins, their noise floors at these sample sizes, the histograms behind them, the
 * missing-rate change, and the mean / standard-deviation shift or category share changes.
 */
import { jsDivergence, psi } from "./divergence";
import { jsNoiseFloor, psiNoiseFloor } from "./noise";
import type { CategoryShare, FeatureDrift, Histogram } from "./verdict";
import { undecided } from "./verdict";

/** Most category share changes listed per feature (the histogram keeps them all). */
export const MAX_CATEGORY_SHARES = 20;

/**
 * Fills PSI, JS, floors and the histogram from reference shares and current counts per bin;
 * leaves the feature undecided when it has fewer than `minRows` current values.
 */
export function measure(
  out: FeatureDrift,
  expected: readonly number[],
  actual: ArrayLike<number>,
  minRows: number,
  axis: Pick<Histogram, "edges" | "labels">,
): FeatureDrift {
  out.psi = psi(expected, actual);
  out.js = jsDivergence(expected, actual);
  out.js_distance = Math.sqrt(out.js);
  let bins = 0;
  for (let i = 0; i < expected.length; i++) if ((expected[i] as number) > 0 || (actual[i] as number) > 0) bins++;
  out.psi_floor = psiNoiseFloor(bins, out.n_reference, out.n_current);
  out.js_floor = jsNoiseFloor(bins, out.n_reference, out.n_current);
  const n = out.n_current;
  out.histogram = { ...axis, reference: [...expected], current: Array.from(actual, (c) => c / n) };
  if (n < minRows) return undecided(out, `too few values: ${n} < ${minRows}`);
  return out;
}

/** Missing shares of values, training and current. */
export function missingRates(out: FeatureDrift, refMissing: number): void {
  const refAll = out.n_reference + refMissing;
  const curAll = out.n_current + out.missing_current;
  out.missing_rate_reference = refAll > 0 ? refMissing / refAll : null;
  out.missing_rate_current = curAll > 0 ? out.missing_current / curAll : null;
  out.missing_rate_change =
    out.missing_rate_reference !== null && out.missing_rate_current !== null
      ? out.missing_rate_current - out.missing_rate_reference
      : null;
}

/**
 * Mean and standard deviation of the current values against the reference, in reference σ,
 * rounded to 1e-9 σ: the sums behind them depend in their last bits on how the rows were
 * chunked, and a report must not (the same rows give the same report, however they were read).
 * `cur.sum` and `cur.sumSquares` are taken about `cur.center`, the reference mean.
 */
export function numericShift(
  out: FeatureDrift,
  ref: { mean: number; std: number },
  cur: { n: number; sum: number; sumSquares: number; center: number },
): void {
  out.mean_reference = ref.mean;
  out.std_reference = ref.std;
  if (cur.n === 0) {
    out.mean_current = out.std_current = out.mean_shift_sd = out.std_ratio = null;
    return;
  }
  const scale = ref.std > 0 ? ref.std : 1;
  const m = cur.sum / cur.n;
  const shift = nano(m / scale);
  const ratio = nano(Math.sqrt(Math.max(0, cur.sumSquares / cur.n - m * m)) / scale);
  out.mean_current = cur.center + shift * scale;
  out.std_current = ratio * scale;
  out.mean_shift_sd = ref.std > 0 ? nano((cur.center + shift * scale - ref.mean) / ref.std) : null;
  out.std_ratio = ref.std > 0 ? ratio : null;
}

const nano = (x: number) => Math.round(x * 1e9) / 1e9;

/** Share changes per category, the largest first. */
export function categoryShares(
  categories: readonly string[],
  expected: readonly number[],
  counts: ArrayLike<number>,
  n: number,
): CategoryShare[] {
  const labels = [...categories, "(other)"];
  const out = labels.map((category, i) => {
    const reference = expected[i] as number;
    const current = n > 0 ? (counts[i] as number) / n : 0;
    return { category, reference, current, change: current - reference };
  });
  return out
    .filter((s) => s.reference > 0 || s.current > 0)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change))
    .slice(0, MAX_CATEGORY_SHARES);
}
