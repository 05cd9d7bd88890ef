import { describe, expect, test } from "bun:test";
import { Random } from "../../src/ml/random";
import type { NumericBaseline } from "../../src/monitoring/baseline";
import { buildBaseline } from "../../src/monitoring/baseline";
import type { DriftOptions, FeatureDrift } from "../../src/monitoring/drift";
import { checkDrift, createDriftAccumulator, DEFAULT_THRESHOLDS } from "../../src/monitoring/drift";
import { ks2samp } from "../../src/monitoring/stats/ks";

function normals(n: number, seed: number, mean = 0): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, () => {
    const u = 1 - rng.nextFloat();
    return mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

const train = { a: normals(20_000, 1), b: normals(20_000, 2), flag: normals(20_000, 3).map((v) => (v > 0.5 ? 1 : 0)) };
const cities = Array.from({ length: 20_000 }, (_, i) => ["paris", "lyon", "nice"][i % 3] as string);
const baseline = buildBaseline({ numeric: train, categorical: { city: cities } });

const feature = (r: { features: FeatureDrift[] }, name: string) =>
  r.features.find((f) => f.feature === name) as FeatureDrift;

describe("monitoring/drift", () => {
  test("finds nothing when the current data is the training data: PSI 0, JS 0, KS p near 1", () => {
    const r = checkDrift(baseline, { ...train, city: cities });
    expect(r).toMatchObject({ decided: true, drifted: false, reason: "no feature drifted", share_drifted: 0 });
    for (const f of r.features) {
      expect(f.psi).toBeCloseTo(0, 12);
      expect(f.js).toBeCloseTo(0, 12);
      expect(f.n_current).toBe(20_000);
    }
    expect(feature(r, "a").ks_pvalue).toBeGreaterThan(0.5);
    expect(feature(r, "a").n_reference_ks).toBe(5000);
  });

  test("finds nothing on a fresh draw from the same distribution", () => {
    const r = checkDrift(baseline, { a: normals(5000, 11), b: normals(5000, 12), flag: train.flag.subarray(0, 5000) });
    expect(feature(r, "a").drifted).toBe(false);
    expect(feature(r, "b").drifted).toBe(false);
    expect(feature(r, "a").psi as number).toBeLessThan(0.02);
  });

  test("flags a normal shifted by half a standard deviation, by all three statistics, with sizes beside them", () => {
    const r = checkDrift(baseline, {
      a: normals(5000, 11, 0.5),
      b: normals(5000, 12),
      flag: train.flag.subarray(0, 5000),
    });
    const a = feature(r, "a");
    expect(r.drifted).toBe(true);
    expect(r.drifted_features).toEqual(["a"]);
    expect(r.share_drifted).toBeCloseTo(1 / 4, 12);
    expect(a.reasons.map((s) => s.split(" ")[0])).toEqual(["ks", "psi"]); // real, and large; js stays < 0.2
    expect(a.psi as number).toBeGreaterThan(0.2);
    expect(a.ks_pvalue as number).toBeLessThan(1e-10);
    expect(a).toMatchObject({ n_reference: 20_000, n_reference_ks: 5000, n_current: 5000, ks_method: "exact" });
  });

  test("gives the KS of the reference sample against ALL current rows, ties included", () => {
    // rounded values put many current values exactly on reference sample points
    const rounded = Float64Array.from(normals(30_000, 21, 0.05), (v) => Math.round(v * 10) / 10);
    const base = buildBaseline({
      numeric: { r: Float64Array.from(normals(20_000, 22), (v) => Math.round(v * 10) / 10) },
    });
    const f = feature(checkDrift(base, { r: rounded }), "r");
    const direct = ks2samp((base.features.r as NumericBaseline).sample, rounded);
    expect(f.ks_stat).toBe(direct.statistic);
    expect(f.ks_pvalue).toBe(direct.pvalue);
    expect(f.ks_method).toBe("asymp");
  });

  test("gives the exact KS on heavy-tailed data too, where quantiles crowd into few buckets", () => {
    const cauchy = (n: number, seed: number, at: number) => {
      const rng = new Random(seed);
      return Float64Array.from({ length: n }, () => at + Math.tan(Math.PI * (rng.nextFloat() - 0.5)));
    };
    const base = buildBaseline({ numeric: { c: cauchy(20_000, 23, 0) } });
    const current = cauchy(8_000, 24, 0.2);
    const f = feature(checkDrift(base, { c: current }), "c");
    const direct = ks2samp((base.features.c as NumericBaseline).sample, current);
    expect(f.ks_stat).toBe(direct.statistic);
    expect(f.ks_pvalue).toBe(direct.pvalue);
    // KS finds the 0.2 shift of a Cauchy real on 8,000 rows, but it moves the deciles too little to matter
    expect(f.ks_pvalue as number).toBeLessThan(1e-6);
    expect(f.psi as number).toBeLessThan(0.1);
    expect(f.drifted).toBe(false);
    expect(f.reasons[0]).toStartWith("too small to matter: psi");
  });

  test("decides on a hundred rows when the evidence is clear, and refuses only below 30 values", () => {
    // the old fixed gate (100, then 500 rows) hid a 3σ shift that KS and PSI both call certain
    const clear = checkDrift(baseline, { a: normals(99, 5, 3), b: normals(99, 6), flag: train.flag.subarray(0, 99) });
    expect(clear).toMatchObject({ decided: true, drifted: true, drifted_features: ["a"], rows: 99 });
    expect(feature(clear, "a").drifted).toBe(true);
    expect(feature(clear, "b").drifted).toBe(false);
    const few = checkDrift(baseline, { a: normals(29, 5, 3), b: normals(29, 6), flag: train.flag.subarray(0, 29) });
    expect(few).toMatchObject({ decided: false, drifted: null, reason: "too few rows: 29 < 30", rows: 29 });
    expect(feature(few, "a").drifted).toBeNull();
    expect(feature(few, "a").reasons).toEqual(["too few values: 29 < 30"]);
    expect(feature(few, "a").psi as number).toBeGreaterThan(1); // still reported
    const lower = checkDrift(baseline, { a: normals(29, 5, 3) }, { minRows: 10 });
    expect(feature(lower, "a").drifted).toBe(true);
  });

  test("leaves a feature missing from current data undecided instead of alarming or crashing", () => {
    const r = checkDrift(baseline, {
      a: normals(1000, 8),
      flag: train.flag.subarray(0, 1000),
      city: cities.slice(0, 1000),
    });
    expect(feature(r, "b")).toMatchObject({
      drifted: null,
      reasons: ["missing from current data"],
      n_current: 0,
      psi: null,
    });
    expect(r.decided).toBe(false);
    expect(r.drifted).toBeNull();
    expect(r.reason).toContain("b (missing from current data)");
  });

  test("still reports drift found in other features when one is missing", () => {
    const r = checkDrift(baseline, { a: normals(1000, 8, 2) });
    expect(r).toMatchObject({ decided: true, drifted: true, drifted_features: ["a"] });
    expect(r.reason).toContain("undecided: b (missing from current data)");
  });

  test("has a clear undecided answer for a model with no baseline", () => {
    const r = checkDrift(null, { a: [1, 2, 3] });
    expect(r).toMatchObject({ decided: false, drifted: null, reason: "no baseline", features: [] });
  });

  test("counts NaN and null in current data as missing, not binned", () => {
    const a = normals(1000, 9);
    const withGaps = Float64Array.from(a, (v, i) => (i % 4 === 0 ? Number.NaN : v));
    const f = feature(checkDrift(baseline, { a: withGaps }), "a");
    expect(f.n_current).toBe(750);
    expect(f.missing_current).toBe(250);
    const g = feature(checkDrift(baseline, { a: Array.from(a, (v, i) => (i % 4 === 0 ? null : v)) }), "a");
    expect(g).toMatchObject({ n_current: 750, missing_current: 250, psi: f.psi, ks_stat: f.ks_stat });
  });

  test("handles a constant feature: the same constant is stable, another value drifts", () => {
    const base = buildBaseline({ numeric: { c: new Array(1000).fill(7) } });
    const same = feature(checkDrift(base, { c: new Array(500).fill(7) }), "c");
    expect(same).toMatchObject({ drifted: false, psi: 0, js: 0, ks_stat: 0, ks_pvalue: 1 });
    const moved = feature(checkDrift(base, { c: new Array(500).fill(6) }), "c");
    expect(moved.drifted).toBe(true);
    expect(moved.js).toBe(1);
  });

  test("sends categories unseen at training to 'other' and flags the shift", () => {
    const now = Array.from({ length: 3000 }, (_, i) => ["paris", "lyon", "nice", "brest"][i % 4]);
    const f = feature(checkDrift(baseline, { city: now }), "city");
    expect(f.kind).toBe("categorical");
    expect(f.drifted).toBe(true);
    expect(f.psi as number).toBeGreaterThan(0.5); // 25% in a bucket that held 0 (raised to 1e-4)
    expect(f.ks_pvalue).toBeUndefined();
  });

  test("applies a per-feature threshold to that feature only, touching neither the model's nor the defaults", () => {
    const current = { a: normals(5000, 11, 0.5), b: normals(5000, 12, 0.5), flag: train.flag.subarray(0, 5000) };
    const options: DriftOptions = Object.freeze({
      thresholds: Object.freeze({ ks_alpha: 0 }),
      features: Object.freeze({ a: Object.freeze({ psi: 10, js: undefined }) }),
    });
    const r = checkDrift(baseline, current, options);
    expect(feature(r, "a")).toMatchObject({ drifted: false, thresholds: { psi: 10, js: 0.2, ks_alpha: 0 } });
    expect(feature(r, "b")).toMatchObject({ drifted: true, thresholds: { psi: 0.1, js: 0.2, ks_alpha: 0 } });
    expect(feature(r, "flag").thresholds).toEqual({ psi: 0.1, js: 0.2, ks_alpha: 0 });
    expect(DEFAULT_THRESHOLDS).toEqual({ psi: 0.1, js: 0.2, ks_alpha: 0.01 });
    expect(feature(checkDrift(baseline, current), "a").thresholds).toEqual({ psi: 0.1, js: 0.2, ks_alpha: 0.01 });
    expect(() => checkDrift(baseline, current, { features: { a: { psi: -1 } } })).toThrow('threshold psi for "a"');
  });

  test("streaming over chunks gives exactly the one-shot result (f64 and f32 columns)", () => {
    const n = 25_000;
    const current = {
      a: normals(n, 31, 0.1),
      b: Float32Array.from(normals(n, 32)),
      flag: normals(n, 33).map((v) => (v > 0.4 ? 1 : 0)),
    };
    const cityNow = Array.from({ length: n }, (_, i) => ["paris", "lyon", "nice", "brest"][i % 5 === 0 ? 3 : i % 3]);
    const oneShot = checkDrift(baseline, { ...current, city: cityNow });
    for (const chunk of [1, 3_333, 4_096]) {
      const acc = createDriftAccumulator(baseline);
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(start + chunk, n);
        acc.add({
          a: current.a.subarray(start, end),
          b: current.b.subarray(start, end),
          flag: current.flag.subarray(start, end),
          city: cityNow.slice(start, end),
        });
      }
      expect(acc.rows).toBe(n);
      expect(acc.finish()).toEqual(oneShot);
    }
    expect(oneShot.drifted).toBe(true); // the categorical shift
  });

  test("takes row objects as well as columns", () => {
    const a = normals(500, 41, 1);
    const rows = Array.from(a, (v, i) => ({ a: v, b: i % 2, city: "paris" }));
    const fromRows = createDriftAccumulator(baseline);
    fromRows.addRows(rows);
    const fromColumns = checkDrift(baseline, {
      a,
      b: Array.from(a, (_, i) => i % 2),
      city: new Array(500).fill("paris"),
    });
    expect(fromRows.finish()).toEqual(fromColumns);
  });

  test("a categorical feature is tested by χ² of homogeneity, as scipy's chi2_contingency", () => {
    const col = (counts: Record<string, number>) => Object.entries(counts).flatMap(([k, n]) => new Array(n).fill(k));
    const base = buildBaseline({ categorical: { c: col({ a: 5000, b: 3000, c: 1500, d: 500 }) } });
    // chi2_contingency([[5000,3000,1500,500],[140,90,50,20]], correction=False) → (2.7887069417758537, 0.4253623311400506, 3)
    const f = feature(checkDrift(base, { c: col({ a: 140, b: 90, c: 50, d: 20 }) }), "c");
    expect(f).toMatchObject({ test: "chi2", chi2_df: 3, drifted: false });
    expect(f.chi2_stat as number).toBeCloseTo(2.7887069417758537, 9);
    expect(f.p_value as number).toBeCloseTo(0.4253623311400506, 12);
    expect(f.reasons[0]).toStartWith("not significant: chi2 p 0.4254");
  });

  test("reports mean shift and σ ratio in reference σ, category share changes and missing-rate change", () => {
    const current = normals(4000, 51, 0.5).map((v) => v * 2);
    const withGaps = Float64Array.from(current, (v, i) => (i % 10 === 0 ? Number.NaN : v));
    const kept = current.filter((_, i) => i % 10 !== 0);
    const m = kept.reduce((s, v) => s + v, 0) / kept.length;
    const sd = Math.sqrt(kept.reduce((s, v) => s + (v - m) ** 2, 0) / kept.length);
    const ref = baseline.features.a as NumericBaseline;
    const cityNow = Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? "paris" : i % 4 === 1 ? "lyon" : "nice"));
    const r = checkDrift(baseline, { a: withGaps, city: cityNow });
    const a = feature(r, "a");
    expect(a.mean_current as number).toBeCloseTo(m, 8);
    expect(a.std_current as number).toBeCloseTo(sd, 8);
    expect(a.mean_shift_sd as number).toBeCloseTo((m - ref.mean) / ref.std, 8);
    expect(a.std_ratio as number).toBeCloseTo(sd / ref.std, 8);
    expect(a).toMatchObject({ missing_rate_reference: 0, missing_rate_current: 0.1, missing_rate_change: 0.1 });
    const city = feature(r, "city");
    expect(city.category_shares?.[0]).toMatchObject({ category: "paris", current: 0.5 });
    expect(city.category_shares?.[0]?.change as number).toBeCloseTo(0.5 - 1 / 3, 4);
    expect(city.histogram?.labels).toEqual([
      ...(baseline.features.city as { categories: string[] }).categories,
      "(other)",
    ]);
    expect(a.histogram?.edges).toEqual(ref.edges);
    expect(a.histogram?.reference).toEqual(ref.proportions);
    expect(a.histogram?.current.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  test("refuses columns of different lengths in one chunk", () => {
    expect(() => checkDrift(baseline, { a: [1, 2], b: [1] })).toThrow('column "b" has 1 rows');
  });
});
