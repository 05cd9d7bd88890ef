import { describe, expect, test } from "bun:test";
import { Random } from "../../src/ml/random";
import { chi2Homogeneity, chi2Quantile, chi2Sf } from "../../src/monitoring/stats/chi2";
import { jsDistance, jsDivergence, PSI_EPSILON, psi } from "../../src/monitoring/stats/divergence";
import { kolmogorovSf, ks2samp, ksStatisticSorted } from "../../src/monitoring/stats/ks";
import { jsNoiseFloor, psiNoiseFloor } from "../../src/monitoring/stats/noise";
import { holmAdjust } from "../../src/monitoring/stats/verdict";

// Reference values from scipy 1.10.1 (Debian python3-scipy), computed once with
//   /usr/bin/python3 -c "from scipy.stats import ks_2samp; print(repr(ks_2samp(X, Y).pvalue))"
// and so on, for the literal inputs below (the script is quoted beside each constant).
const X = [0.61, -1.2, 0.33, 2.05, -0.47, 0.9, 1.3, -0.05];
const Y = [1.1, 0.2, 2.4, 1.75, 0.95, 3.0, 1.42, 0.66, 2.2, 1.9];

describe("stats/ks", () => {
  test("matches scipy's exact ks_2samp on small samples", () => {
    // ks_2samp(X, Y) → (0.55, 0.09511403629050688)
    const r = ks2samp(X, Y);
    expect(r.method).toBe("exact");
    expect(r.statistic).toBeCloseTo(0.55, 12);
    expect(r.pvalue).toBeCloseTo(0.09511403629050688, 12);
  });

  test("treats ties as scipy does (ECDFs compared right after each value)", () => {
    // ks_2samp([1,1,2,2,2,3,3,4,5,5,5,5], [2,3,3,3,4,4,4,4,5,6]) → (0.31666666666666665, 0.5577178239716939)
    const r = ks2samp([1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5, 5], [2, 3, 3, 3, 4, 4, 4, 4, 5, 6]);
    expect(r.statistic).toBeCloseTo(0.31666666666666665, 12);
    expect(r.pvalue).toBeCloseTo(0.5577178239716939, 12);
  });

  test("switches to the asymptotic p-value above 10,000 values, within 5e-3 of scipy where p > 0.02", () => {
    // xs=(np.arange(12000)+0.5)/12000; ys=((np.arange(500)+0.5)/500)**1.1
    // ks_2samp(xs, ys) → (0.036083333333333356, 0.5473629855746178)
    const xs = Array.from({ length: 12000 }, (_, i) => (i + 0.5) / 12000);
    const ys = Array.from({ length: 500 }, (_, j) => ((j + 0.5) / 500) ** 1.1);
    const r = ks2samp(xs, ys);
    expect(r.method).toBe("asymp");
    expect(r.statistic).toBeCloseTo(0.036083333333333356, 12);
    expect(Math.abs(r.pvalue - 0.5473629855746178)).toBeLessThan(5e-3);
  });

  test("agrees with scipy's kstwo.sf to 1e-9 relative in the tail where decisions are made", () => {
    // kstwo.sf(0.03, 4975) → 0.0002527145989728994 (n·D² = 4.5 ≥ 2.2: both sum Smirnov exactly)
    expect(kolmogorovSf(4975, 0.03) / 0.0002527145989728994).toBeCloseTo(1, 9);
    // kstwo.sf(0.015, 4975) → 0.21081174846081496 (n·D² = 1.1: Stephens-corrected limit here)
    expect(Math.abs(kolmogorovSf(4975, 0.015) - 0.21081174846081496)).toBeLessThan(2e-3);
  });

  test("gives D = 0 and p = 1 for identical samples", () => {
    const r = ks2samp(X, [...X].reverse());
    expect(r.statistic).toBe(0);
    expect(r.pvalue).toBe(1);
  });

  test("gives D = 1 for disjoint samples", () => {
    expect(ksStatisticSorted([1, 2, 3], [4, 5])).toBe(1);
  });

  test("drops non-finite values and refuses an empty sample", () => {
    expect(ks2samp([...X, Number.NaN, Number.POSITIVE_INFINITY], Y).pvalue).toBeCloseTo(0.09511403629050688, 12);
    expect(() => ks2samp([Number.NaN], Y)).toThrow("at least one finite value");
  });
});

describe("stats/divergence", () => {
  test("PSI by hand: Σ (a − e)·ln(a/e)", () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.25·ln 3
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(3), 12);
  });

  test("PSI raises an empty bin to 1e-4 on either side", () => {
    expect(PSI_EPSILON).toBe(1e-4);
    // 0 + (0.4 − 0.5)·ln(0.8) + (0.1 − 1e-4)·ln(0.1 / 1e-4)
    const expected = -0.1 * Math.log(0.8) + (0.1 - 1e-4) * Math.log(1000);
    expect(psi([0.5, 0.5, 0], [0.5, 0.4, 0.1])).toBeCloseTo(expected, 12);
    expect(psi([0.5, 0.4, 0.1], [0.5, 0.5, 0])).toBeCloseTo(expected, 12); // symmetric formula
  });

  test("PSI normalises counts to proportions", () => {
    expect(psi([50, 50], [25, 75])).toBeCloseTo(psi([0.5, 0.5], [0.25, 0.75]), 12);
  });

  test("JS divergence is in bits and matches scipy's squared base-2 distance", () => {
    // jensenshannon([0.1,0.2,0.3,0.4], [0.25]*4, base=2)**2 → 0.04020158234614192
    // jensenshannon(…, base=2) → 0.2005033225314282 (the distance scipy returns)
    const p = [0.1, 0.2, 0.3, 0.4];
    const q = [0.25, 0.25, 0.25, 0.25];
    expect(jsDivergence(p, q)).toBeCloseTo(0.04020158234614192, 12);
    expect(jsDistance(p, q)).toBeCloseTo(0.2005033225314282, 12);
    // jensenshannon([3,0,1], [0,2,2], base=2)**2 → 0.6556390622295666 (counts, empty bins)
    expect(jsDivergence([3, 0, 1], [0, 2, 2])).toBeCloseTo(0.6556390622295666, 12);
  });

  test("JS divergence lies in [0, 1]: 0 for equal, 1 for disjoint distributions", () => {
    expect(jsDivergence([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 15);
    expect(jsDivergence([1, 0], [0, 1])).toBe(1);
    for (let s = 1; s < 50; s++) {
      const p = [s, 50 - s, (s * 7) % 11];
      const q = [(s * 3) % 13, s % 5, 49 - s];
      const v = jsDivergence(p, q);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  test("refuses distributions of different lengths or with no mass", () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow("differ in length");
    expect(() => jsDivergence([0, 0], [1, 1])).toThrow("empty");
  });
});

describe("stats/chi2", () => {
  // scipy 1.17.1 (python3): chi2.sf, chi2.ppf, chi2_contingency(table, correction=False)
  test("the distribution matches scipy's chi2.sf and chi2.ppf", () => {
    const rel = (a: number, b: number) => Math.abs(a / b - 1);
    expect(rel(chi2Sf(46.6, 1), 8.706025206193606e-12)).toBeLessThan(1e-9);
    expect(rel(chi2Sf(12.3, 4), 0.015254394655769615)).toBeLessThan(1e-9);
    expect(rel(chi2Sf(0.7, 2), 0.7046880897187136)).toBeLessThan(1e-9);
    expect(rel(chi2Sf(400, 99), 8.372893780664211e-38)).toBeLessThan(1e-9);
    expect(chi2Quantile(0.99, 1)).toBeCloseTo(6.6348966010212145, 9);
    expect(chi2Quantile(0.99, 9)).toBeCloseTo(21.665994333461924, 9);
    expect(chi2Quantile(0.99, 100)).toBeCloseTo(135.80672317102676, 8);
  });

  test("the homogeneity test matches chi2_contingency(correction=False)", () => {
    // [[5000,3000,1500,500],[140,90,50,20]] → (2.7887069417758537, 0.4253623311400506, 3)
    const a = chi2Homogeneity([5000, 3000, 1500, 500], [140, 90, 50, 20]);
    expect(a.statistic).toBeCloseTo(2.7887069417758537, 10);
    expect(a.pvalue).toBeCloseTo(0.4253623311400506, 12);
    expect(a.df).toBe(3);
    // [[5000,5000],[210,90]] → (46.608268065417505, 8.669369385329537e-12, 1): a 70/30 mix on 300 rows
    const b = chi2Homogeneity([5000, 5000, 0], [210, 90, 0]);
    expect(b.statistic).toBeCloseTo(46.608268065417505, 9);
    expect(b.pvalue / 8.669369385329537e-12).toBeCloseTo(1, 9);
    expect(b.df).toBe(1); // the empty "other" cell is dropped
  });

  test("pools categories expected fewer than 5 times, as scipy's answer on the pooled table", () => {
    // [[120,80,43],[30,40,26]] → (9.579676596886742, 0.008313801627901594, 2): the last two cells pooled
    const r = chi2Homogeneity([120, 80, 40, 3], [30, 40, 25, 1]);
    expect(r.statistic).toBeCloseTo(9.579676596886742, 10);
    expect(r.pvalue).toBeCloseTo(0.008313801627901594, 12);
    expect(chi2Homogeneity([500, 0], [20, 0])).toMatchObject({ statistic: 0, pvalue: 1 }); // one category on both sides
  });
});

describe("stats/verdict", () => {
  test("Holm's adjusted p-values (by hand: sorted, times m − rank, running maximum)", () => {
    // 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → max so far 0.06
    expect(holmAdjust([0.01, 0.04, 0.03, 0.005])).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(holmAdjust([0.9, 0.8])).toEqual([1, 1]);
  });

  test("the PSI noise floor is the χ²(k − 1) 99% quantile times 1/n_ref + 1/n_cur, and holds by simulation", () => {
    expect(psiNoiseFloor(10, 10_000, 100)).toBeCloseTo(21.665994333461924 * (1e-4 + 1e-2), 9);
    expect(jsNoiseFloor(10, 10_000, 100)).toBeCloseTo(psiNoiseFloor(10, 10_000, 100) / (8 * Math.LN2), 12);
    // 10 equal bins, reference 10,000 and current 1,000 uniform draws: PSI over the floor in ~1% of 400
    const rng = new Random(9);
    const draw = (n: number) => {
      const c = new Array(10).fill(0);
      for (let i = 0; i < n; i++) c[rng.int(10)]++;
      return c;
    };
    let over = 0;
    for (let k = 0; k < 400; k++) if (psi(draw(10_000), draw(1_000)) >= psiNoiseFloor(10, 10_000, 1_000)) over++;
    expect(over).toBeLessThanOrEqual(12);
  });
});
