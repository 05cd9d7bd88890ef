import { describe, expect, test } from "bun:test";
import { parseCsv, parseRecords } from "../../src/ml/csv";

describe("csv", () => {
  test("reads numeric columns and keeps requested text columns as strings", () => {
    const csv = parseCsv('a,b,label\r\n1,2.5,x\n-3,1e2,"y, z"\n\n', { textColumns: ["label"] });
    expect(csv).toEqual({
      columns: ["a", "b"],
      rows: [
        [1, 2.5],
        [-3, 100],
      ],
      text: { label: ["x", "y, z"] },
    });
  });

  test("handles quoted fields with doubled quotes and a byte order mark", () => {
    expect(parseRecords('\ufeff"a ""q""",b\n"1",2')).toEqual([
      ['a "q"', "b"],
      ["1", "2"],
    ]);
  });

  test("names the row and column of a value that is not a number", () => {
    expect(() => parseCsv("a,b\n1,2\n3,abc\n")).toThrow('row 2 (line 3), column "b": "abc" is not a finite number');
  });

  test("names the row and column of a missing value", () => {
    expect(() => parseCsv("a,b\n1,\n")).toThrow('row 1 (line 2), column "b": missing value');
  });

  test("rejects ragged rows, empty input, duplicate headers and unknown text columns", () => {
    expect(() => parseCsv("a,b\n1,2,3\n")).toThrow("row 1 (line 2): 3 fields, but the header has 2");
    expect(() => parseCsv("")).toThrow(/empty/);
    expect(() => parseCsv("a,a\n1,2\n")).toThrow(/appears twice/);
    expect(() => parseCsv("a\n1\n", { textColumns: ["zz"] })).toThrow(/no column named "zz"/);
    expect(() => parseCsv('a\n"1\n')).toThrow(/not closed/);
  });
});
