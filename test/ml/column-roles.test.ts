import { describe, expect, test } from "bun:test";
import { encodeRows, inferSpec } from "../../src/ml/features";

const rows = Array.from({ length: 30 }, (_, i) => ({
  row_id: i + 1,
  customer: `C${1000 + i * 7}`,
  constant: 5,
  empty: null,
  x: (i * 37) % 11,
  size: i % 3 === 0 ? "S" : "L",
}));
const names = ["row_id", "customer", "constant", "empty", "x", "size"];

describe("columns left out by default", () => {
  test("row numbers, unique strings, constant and empty columns are left out and listed", () => {
    const spec = inferSpec(rows, names);
    expect(spec.features.map((f) => f.name)).toEqual(["x", "size"]);
    expect(spec.excluded).toEqual([
      { name: "row_id", reason: "id" },
      { name: "customer", reason: "id" },
      { name: "constant", reason: "constant" },
      { name: "empty", reason: "constant" },
    ]);
  });

  test("a kind named for a column keeps it", () => {
    const spec = inferSpec(rows, names, { row_id: "numeric", customer: "text" });
    expect(spec.features.map((f) => [f.name, f.kind])).toEqual([
      ["row_id", "numeric"],
      ["customer", "text"],
      ["x", "numeric"],
      ["size", "categorical"],
    ]);
  });

  test("unique float measurements are features, not IDs", () => {
    const spec = inferSpec(
      rows.map((r, i) => ({ ...r, w: i * 1.37 + 0.5 })),
      ["w"],
    );
    expect(spec.features.map((f) => f.kind)).toEqual(["numeric"]);
  });

  test("free text is a feature even when no two rows say the same", () => {
    const titles = rows.map((r, i) => ({ ...r, title: `wireless mouse model ${i} with ${i % 4} buttons` }));
    const spec = inferSpec(titles, ["title", "customer"]);
    expect(spec.features.map((f) => [f.name, f.kind])).toEqual([["title", "text"]]);
    expect(spec.excluded).toEqual([{ name: "customer", reason: "id" }]);
  });
});

describe("date columns", () => {
  test("are recognised and become year, cyclic month/weekday/day-of-year (and hour) plus a missing flag", () => {
    const data = [{ d: "2020-01-01" }, { d: "2021-07-02" }, { d: null }];
    const spec = inferSpec(data, ["d"]);
    const f = spec.features[0];
    expect(f?.kind).toBe("date");
    expect(spec.width).toBe(8);
    const x = encodeRows(spec, [{ d: "2020-12-31" }, { d: "2021-01-01" }, { d: null }]);
    // December 31 and January 1 sit side by side on the month and day-of-year circles
    const monthCos = (r: number) => x[r * 8 + 2] as number;
    expect(Math.abs(monthCos(0) - monthCos(1))).toBeLessThan(0.15);
    expect(x[2 * 8 + 7]).toBe(1);
    expect(x[0 * 8 + 7]).toBe(0);
  });

  test("datetimes add the hour of day", () => {
    const spec = inferSpec([{ t: "2020-01-01T23:30:00Z" }, { t: "2020-01-02 00:30" }], ["t"], { t: "date" });
    expect(spec.width).toBe(10);
    const x = encodeRows(spec, [{ t: "2020-01-01T23:30:00Z" }, { t: "2020-01-02 00:30" }]);
    // 23:30 and 00:30 are an hour apart on the clock, not 23 hours
    const hourSin = (r: number) => x[r * 10 + 7] as number;
    const hourCos = (r: number) => x[r * 10 + 8] as number;
    expect(Math.hypot(hourSin(0) - hourSin(1), hourCos(0) - hourCos(1))).toBeLessThan(0.3);
  });

  test("ambiguous day/month text stays categorical, and a non-date under a date feature is refused", () => {
    expect(inferSpec([{ d: "01/02/2012" }, { d: "03/04/2012" }], ["d"]).features[0]?.kind).toBe("categorical");
    const spec = inferSpec([{ d: "2020-01-01" }, { d: "2020-02-01" }], ["d"]);
    expect(() => encodeRows(spec, [{ d: "soon" }])).toThrow("expected a date");
  });
});
