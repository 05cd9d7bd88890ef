/** The CSV writer every export uses: RFC 4180 quoting, formula cells neutralised, numbers kept. */
import { describe, expect, test } from "bun:test";
import { csvField, csvTable } from "../../src/datasets/csv-writer";
import { readRecords } from "../csv-records";

describe("csv-writer", () => {
  test("neutralises text that a spreadsheet would run as a formula", () => {
    for (const cell of ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"]) {
      expect(readRecords(`${csvField(cell)}\n`)[0]?.fields).toEqual([`'${cell}`]);
    }
  });

  test("keeps numbers as numbers, whether JSON numbers or the text of one", () => {
    expect([-1.5, "-1.5", "+2", "-3e-4", 0, null, undefined, true].map(csvField)).toEqual([
      "-1.5",
      "-1.5",
      "+2",
      "-3e-4",
      "0",
      "",
      "",
      "true",
    ]);
  });

  test("quotes header and rows alike, so every record has the header's width", () => {
    const text = csvTable(['a,"b"', "score_x,y"], [['line\nbreak, "q"', { k: [1, 2] }]]);
    expect(readRecords(text).map((r) => r.fields)).toEqual([
      ['a,"b"', "score_x,y"],
      ['line\nbreak, "q"', '{"k":[1,2]}'],
    ]);
    expect(() => csvTable(["a", "b"], [["only one"]])).toThrow("CSV row 1 has 1 fields, the header 2");
  });
});
