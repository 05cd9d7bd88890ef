import { describe, expect, test } from "bun:test";
import { Random } from "../../src/ml/random";
import type { CategoricalBaseline, NumericBaseline } from "../../src/monitoring/baseline";
import { binIndex, buildBaseline, quantileEdges } from "../../src/monitoring/baseline";

function normals(n: number, seed: number, mean = 0): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, () => {
    const u = 1 - rng.nextFloat();
    return mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

const numeric = (b: ReturnType<typeof buildBaseline>, name: string) => b.features[name] as NumericBaseline;

describe("monitoring/baseline", () => {
  test("puts interior edges at the deciles, as numpy's default quantile does", () => {
    // np.quantile([5,1,4,2,3,9,7,8,6,10,11], np.arange(1,10)/10) → [2.0, 3.0, …, 10.0]
    const b = buildBaseline({ numeric: { x: [5, 1, 4, 2, 3, 9, 7, 8, 6, 10, 11] } });
    expect(numeric(b, "x").edges).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantileEdges([0, 10], 4)).toEqual([2.5, 5, 7.5]);
  });

  test("bins values on an edge upwards and opens the outer bins", () => {
    expect(binIndex([1, 2, 3], -1e300)).toBe(0);
    expect(binIndex([1, 2, 3], 1)).toBe(1);
    expect(binIndex([1, 2, 3], 2.5)).toBe(2);
    expect(binIndex([1, 2, 3], 1e300)).toBe(3);
  });

  test("has proportions near 1/10 per bin for continuous data, and summary statistics", () => {
    const x = normals(100_000, 7);
    const f = numeric(buildBaseline({ numeric: { x } }), "x");
    expect(f.edges).toHaveLength(9);
    for (const p of f.proportions) expect(p).toBeCloseTo(0.1, 3);
    expect(f.mean).toBeCloseTo(0, 1);
    expect(f.std).toBeCloseTo(1, 1);
    expect(f.count).toBe(100_000);
    expect(f.min).toBe(Math.min(...x));
  });

  test("dedupes tied quantiles: a constant feature gets one edge, a 0/1 feature strictly increasing edges", () => {
    const c = numeric(buildBaseline({ numeric: { c: new Array(500).fill(4.2) } }), "c");
    expect(c.edges).toEqual([4.2]);
    expect(c.proportions).toEqual([0, 1]);
    expect(c.std).toBe(0);
    const flags = Array.from({ length: 1000 }, (_, i) => (i % 10 < 7 ? 0 : 1));
    const d = numeric(buildBaseline({ numeric: { d: flags } }), "d");
    for (let i = 1; i < d.edges.length; i++) expect(d.edges[i] as number).toBeGreaterThan(d.edges[i - 1] as number);
    expect(d.proportions.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });

  test("counts null, NaN and infinities as missing, never as values", () => {
    const f = numeric(
      buildBaseline({ numeric: { x: [1, null, Number.NaN, 2, undefined, Number.POSITIVE_INFINITY, 3] } }),
      "x",
    );
    expect(f.count).toBe(3);
    expect(f.missing).toBe(4);
    expect(f.mean).toBe(2);
    expect(f.sample).toEqual([1, 2, 3]);
  });

  test("keeps a bounded, sorted, seeded sample of training values for KS", () => {
    const x = normals(20_000, 3);
    const a = numeric(buildBaseline({ numeric: { x } }, { sampleSize: 1000, seed: 1 }), "x");
    const again = numeric(buildBaseline({ numeric: { x } }, { sampleSize: 1000, seed: 1 }), "x");
    const other = numeric(buildBaseline({ numeric: { x } }, { sampleSize: 1000, seed: 2 }), "x");
    expect(a.sample).toHaveLength(1000);
    expect(a.sample).toEqual(again.sample);
    expect(a.sample).not.toEqual(other.sample);
    const all = new Set(x);
    for (let i = 0; i < a.sample.length; i++) {
      expect(all.has(a.sample[i] as number)).toBe(true);
      if (i > 0) expect(a.sample[i] as number).toBeGreaterThanOrEqual(a.sample[i - 1] as number);
    }
    // uniform: the sample's median sits near the data's
    expect(a.sample[500] as number).toBeCloseTo(0, 1);
  });

  test("serialises to JSON and back without loss (no infinities stored)", () => {
    const b = buildBaseline({
      numeric: { x: normals(2000, 5), c: new Array(2000).fill(1) },
      categorical: { city: Array.from({ length: 2000 }, (_, i) => ["a", "b", "c"][i % 3]) },
      predictions: {
        classes: Array.from({ length: 2000 }, (_, i) => i % 2),
        confidences: normals(2000, 6).map(Math.abs),
      },
    });
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
  });

  test("gives categories their shares plus an 'other' bucket for the tail and unseen values", () => {
    const col = ["b", "a", "a", null, "c", "a", "b", "", "d", 1];
    const f = buildBaseline({ categorical: { k: col } }, { maxCategories: 3 }).features.k as CategoricalBaseline;
    expect(f.categories).toEqual(["a", "b", "1"]); // most frequent first, ties by name
    expect(f.count).toBe(8);
    expect(f.missing).toBe(2);
    expect(f.proportions).toEqual([3 / 8, 2 / 8, 1 / 8, 2 / 8]);
  });

  test("records predicted classes and a 10-bin confidence histogram", () => {
    const b = buildBaseline({ predictions: { classes: ["x", "y", "x", "x"], confidences: [0.95, 0.55, 0.91, 1] } });
    expect(b.predictions?.classes).toEqual(["x", "y"]);
    expect(b.predictions?.class_proportions).toEqual([0.75, 0.25]);
    expect(b.predictions?.confidence_proportions).toEqual([0, 0, 0, 0, 0, 0.25, 0, 0, 0, 0.75]);
  });

  test("refuses columns of different lengths and a feature that is both kinds", () => {
    expect(() => buildBaseline({ numeric: { a: [1, 2], b: [1] } })).toThrow('column "b" has 1 rows');
    expect(() => buildBaseline({ numeric: { a: [1] }, categorical: { a: ["x"] } })).toThrow(
      "both numeric and categorical",
    );
  });
});
