import { describe, expect, test } from "bun:test";
import { encodeColumns, FeatureError, inferSpecOf } from "../../src/ml/features";
import { cellsOfNumeric, type NumericCells } from "../../src/ml/numeric-cells";
import { Random } from "../../src/ml/random";

/** numeric columns as the reader gives them, and the same cells as the generic path takes them */
function columns(rows: number): Record<string, NumericCells> {
  const rng = new Random(3);
  const make = (f: (i: number) => number | null): NumericCells => {
    const values = new Float64Array(rows);
    const missing = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = f(i);
      if (v === null) {
        values[i] = Number.NaN;
        missing[i] = 1;
      } else values[i] = v;
    }
    return { values, missing };
  };
  return {
    measured: make(() => rng.uniform(-5, 5) * 1e3),
    gappy: make((i) => (i % 7 === 0 ? null : rng.uniform(0, 1))),
    rowNumber: make((i) => i + 1),
    constant: make(() => 4.5),
    constantWithGaps: make((i) => (i % 3 ? 4.5 : null)),
    signedZeros: make((i) => (i % 2 ? 0 : -0)),
    counts: make(() => Math.floor(rng.uniform(0, 5))),
    empty: make(() => null),
  };
}

describe("numeric columns as typed arrays", () => {
  const rows = 500;
  const cols = columns(rows);
  const names = Object.keys(cols);
  const typed = (n: string) => cols[n] as NumericCells;
  const cells = (n: string) => cellsOfNumeric(cols[n] as NumericCells);

  test("give the spec and the matrix that the same cells give as numbers and nulls", () => {
    const fromCells = inferSpecOf(rows, cells, names);
    const fromTyped = inferSpecOf(rows, typed, names);
    expect(fromTyped).toEqual(fromCells);
    expect(fromCells.excluded).toEqual([
      { name: "rowNumber", reason: "id" },
      { name: "constant", reason: "constant" },
      { name: "signedZeros", reason: "constant" },
      { name: "empty", reason: "constant" },
    ]);
    const x = encodeColumns(fromCells, rows, cells);
    expect(encodeColumns(fromCells, rows, typed)).toEqual(x);
  });

  test("a type given in feature_types keeps the column, or reads its numbers as that type", () => {
    const kinds = { rowNumber: "numeric", counts: "categorical" } as const;
    const fromCells = inferSpecOf(rows, cells, names, kinds);
    expect(inferSpecOf(rows, typed, names, kinds)).toEqual(fromCells);
    expect(fromCells.features.find((f) => f.name === "counts")?.kind).toBe("categorical");
    expect(encodeColumns(fromCells, rows, typed)).toEqual(encodeColumns(fromCells, rows, cells));
  });

  test("each encoded column is handed back once it is in the matrix", () => {
    const spec = inferSpecOf(rows, typed, names);
    const done: string[] = [];
    encodeColumns(spec, rows, typed, (n) => done.push(n));
    expect(done).toEqual(spec.features.map((f) => f.name));
  });

  test("a value beyond float32 is refused naming its row, as from cells", () => {
    const big = { values: Float64Array.from([1, 2, 1e39, 3]), missing: new Uint8Array(4) };
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FeatureError);
        return (e as FeatureError).message;
      }
      throw new Error("expected a FeatureError");
    };
    expect(err(() => inferSpecOf(4, () => big, ["big"]))).toBe(
      err(() => inferSpecOf(4, () => cellsOfNumeric(big), ["big"])),
    );
  });
});
