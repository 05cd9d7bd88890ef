/**
 * A numeric or boolean column that had no missing value in training gets no missing-flag input:
 * one input column instead of two, on the row path and the typed-array path alike. A missing
 * value sent to it later is imputed (mean, share of true) and nothing else. Specs saved before
 * the `flag` field existed keep their flag columns and encode exactly as they did.
 */
import { describe, expect, test } from "bun:test";
import { encodeColumns, encodeRows, type FeatureSpec, inferSpec, inferSpecOf } from "../../src/ml/features";
import { modelProblems } from "../../src/ml/model-check";
import type { NumericCells } from "../../src/ml/numeric-cells";

const typed = (xs: (number | null)[]): NumericCells => ({
  values: Float64Array.from(xs, (x) => (x === null ? Number.NaN : x)),
  missing: Uint8Array.from(xs, (x) => (x === null ? 1 : 0)),
});

const full = [1, 2, 3, 4, 6];
const gappy = [1, null, 3, 4, 6];
const rows = full.map((x, i) => ({ full: x, gappy: gappy[i], yes: i % 2 === 0, maybe: i === 2 ? null : i % 2 === 0 }));

describe("missing flags only where training saw a missing value", () => {
  test("rows: a column with no missing value is 1 input, with one missing 2 (numeric and boolean)", () => {
    const spec = inferSpec(rows, ["full", "gappy", "yes", "maybe"]);
    expect(spec.features.map((f) => [f.name, f.kind, "flag" in f ? f.flag : "absent"])).toEqual([
      ["full", "numeric", false],
      ["gappy", "numeric", "absent"],
      ["yes", "boolean", false],
      ["maybe", "boolean", "absent"],
    ]);
    expect(spec.width).toBe(1 + 2 + 1 + 2);
    const x = encodeRows(spec, [{ full: 6, gappy: null, yes: false, maybe: null }]);
    const std = Math.sqrt(full.reduce((s, v) => s + (v - 3.2) ** 2, 0) / 5);
    expect(x).toHaveLength(6);
    expect(x[0]).toBeCloseTo((6 - 3.2) / std, 6);
    // gappy: mean-imputed 0, flag 1; yes: 0; maybe: imputed share of true (2 of 4), flag 1
    expect(Array.from(x.slice(1))).toEqual([0, 1, 0, 0.5, 1]);
  });

  test("typed columns: the same spec and the same matrix as the rows give", () => {
    const cols: Record<string, NumericCells> = { full: typed(full), gappy: typed(gappy) };
    const spec = inferSpecOf(5, (n) => cols[n] as NumericCells, ["full", "gappy"]);
    expect(spec).toEqual(inferSpec(rows, ["full", "gappy"]));
    expect(spec.width).toBe(3);
    const fromColumns = encodeColumns(spec, 5, (n) => typed(n === "full" ? [null, 2, 3, 4, 6] : gappy));
    const fromRows = encodeRows(
      spec,
      full.map((_, i) => ({ full: i === 0 ? null : full[i], gappy: gappy[i] })),
    );
    expect(Array.from(fromColumns)).toEqual(Array.from(fromRows));
    // row 0: full missing → its mean (0 after standardising), no flag; gappy present, flag 0
    expect(fromColumns[0]).toBe(0);
    expect(fromColumns[2]).toBe(0);
    expect(fromColumns[3 + 2]).toBe(1);
  });

  test("a missing value in a flag-less column encodes as the mean does, so it predicts as the mean does", () => {
    const spec = inferSpec(rows, ["full", "yes"]);
    const f = spec.features[0] as { mean: number };
    const missing = encodeRows(spec, [
      { full: null, yes: true },
      { full: "", yes: null },
    ]);
    const imputed = encodeRows(spec, [
      { full: f.mean, yes: true },
      { full: f.mean, yes: true },
    ]);
    expect(Array.from(missing.slice(0, 2))).toEqual(Array.from(imputed.slice(0, 2)));
    expect(missing[2]).toBe(imputed[2] as number);
    // a missing boolean is the share of true in training (3 of 5), with no flag beside it
    expect(missing[3]).toBeCloseTo(0.6, 6);
    expect(missing).toHaveLength(4);
  });
});

describe("a spec saved before the flag field", () => {
  const old: FeatureSpec = {
    version: 1,
    width: 4,
    features: [
      { name: "a", kind: "numeric", count: 4, missing: 0, mean: 2, std: 4 },
      { name: "b", kind: "boolean", count: 4, missing: 0, rate: 0.25 },
    ],
  };

  test("keeps a flag column per numeric and boolean feature and encodes as before", () => {
    const x = encodeRows(old, [
      { a: 10, b: true },
      { a: null, b: null },
    ]);
    expect(Array.from(x)).toEqual([2, 0, 1, 0, 0, 1, 0.25, 1]);
    const y = encodeColumns(old, 2, (n) => (n === "a" ? typed([10, null]) : [true, null]));
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  test("passes the import check; a flag that is not a boolean, or a width that ignores it, does not", () => {
    const model = { layers: [], nFeatures: 4 } as never;
    const paths = (spec: unknown) =>
      modelProblems(spec, model, { field: "y", task: "regression" }, () => null).map((p) => p.path);
    expect(paths(old).filter((p) => p.startsWith("spec."))).toEqual([]);
    const flagged = { ...old, features: [{ ...old.features[0], flag: "no" }, old.features[1]] };
    expect(paths(flagged)).toContain("spec.features.0.flag");
    const narrower = { ...old, features: [{ ...old.features[0], flag: false }, old.features[1]] };
    expect(paths(narrower)).toContain("spec.width");
    expect(paths({ ...narrower, width: 3 }).filter((p) => p.startsWith("spec."))).toEqual([]);
  });
});
