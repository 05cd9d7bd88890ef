/**
 * Sample-size noise floors of PSI and JS: what they reach by chance alone when reference and
 * current are independent draws from ONE distribution, so that an effect-size threshold is
 * never asked to separate drift from the noise of a small sample.
 *
 * With reference shares over k bins from n_ref values and current shares from n_cur values,
 * Σ (a − e)²/e ≈ (1/n_ref + 1/n_cur)·χ²(k − 1) under no change (the two-sample χ² statistic,
 * scaled). PSI = Σ (a − e)·ln(a/e) has the same second-order expansion, and JS in bits is
 * ≈ PSI / (8 ln 2) there (JS in nats ≈ ⅛ Σ (a − e)²/m). The floor is the 99% quantile.
 */
import { chi2Quantile } from "./chi2";

/** quantile of the chance distribution a floor sits at */
export const NOISE_QUANTILE = 0.99;

const quantiles = new Map<number, number>();

function chi2At99(df: number): number {
  let q = quantiles.get(df);
  if (q === undefined) {
    q = chi2Quantile(NOISE_QUANTILE, df);
    quantiles.set(df, q);
  }
  return q;
}

/** PSI reached by chance in 1% of checks: bins compared (non-empty on some side), sample sizes. */
export function psiNoiseFloor(bins: number, nRef: number, nCur: number): number {
  if (bins < 2 || !(nRef > 0) || !(nCur > 0)) return 0;
  return chi2At99(bins - 1) * (1 / nRef + 1 / nCur);
}

/** JS divergence (bits) reached by chance in 1% of checks. */
export function jsNoiseFloor(bins: number, nRef: number, nCur: number): number {
  return psiNoiseFloor(bins, nRef, nCur) / (8 * Math.LN2);
}
