import { describe, expect, test } from "bun:test";
import { columnNameIssue, columnNameProblem } from "../../src/datasets/column-names";
import { datasetsApp, numericCsv } from "./helpers";

type T = Awaited<ReturnType<typeof datasetsApp>>;

/** Uploads `csv`; expects a 422 and nothing stored (no row, no file). */
async function refusedUpload(t: T, csv: string) {
  const res = await t.upload(csv);
  expect(res.status).toBe(422);
  expect(t.files()).toEqual([]);
  expect(await t.rowCount()).toBe(0);
  return res.body.error;
}

const twoRows = (header: string) => `${header}\n1,2,3\n4,5,6\n`;

describe("column names", () => {
  test("each rule, checked alone", () => {
    expect(columnNameProblem("petal_length")).toBeNull();
    expect(columnNameProblem("Größe (cm)")).toBeNull();
    expect(columnNameProblem("")).toBe("is empty");
    expect(columnNameProblem("a\u0000b")).toContain("U+0000");
    expect(columnNameProblem("a\u0085b")).toContain("U+0085");
    expect(columnNameProblem("abc\u202etxt")).toContain("U+202E");
    expect(columnNameProblem("x\u2066")).toContain("U+2066");
    for (const name of ["__proto__", "constructor", "prototype"]) expect(columnNameProblem(name)).toContain("reserved");
    expect(columnNameIssue(["a", "b", "a"])).toMatchObject({ column: 3, column_name: "a", first_column: 1 });
  });

  test("a CSV header with a reserved, control or bidi name is refused naming the column", async () => {
    const t = await datasetsApp();
    for (const [header, column, name] of [
      ["a,__proto__,c", 2, "__proto__"],
      ["constructor,b,c", 1, "constructor"],
      ["a,b,prototype", 3, "prototype"],
      ["a,b\u0001,c", 2, "b\u0001"],
      ["a,\u202etxt.exe,c", 2, "\u202etxt.exe"],
    ] as const) {
      const e = await refusedUpload(t, twoRows(header));
      expect(e.code).toBe("validation_failed");
      expect(e.details).toMatchObject({ row: 0, line: 1, column, column_name: name });
      expect(e.message).toContain(`column ${column}`);
      // the message shows invisible characters escaped, never raw
      expect(e.message.includes("\u0001") || e.message.includes("\u202e")).toBe(false);
    }
  });

  test("a CSV cell holding a NUL is refused naming its row and column", async () => {
    const t = await datasetsApp();
    const e = await refusedUpload(t, "a,b,c\n1,2,3\n4,x\u0000y,6\n");
    expect(e.message).toContain("NUL");
    expect(e.details).toMatchObject({ row: 2, line: 3, column: 2, column_name: "b" });
  });

  test("a CSV wider than ML_MAX_CSV_COLUMNS is refused with the count and the limit", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_COLUMNS: "5" });
    const wide = Array.from({ length: 6 }, (_, j) => `c${j}`);
    const e = await refusedUpload(t, numericCsv(2, wide));
    expect(e.message).toContain("ML_MAX_CSV_COLUMNS");
    expect(e.details).toMatchObject({ row: 0, column_count: 6, max_columns: 5 });
    expect((await t.upload(numericCsv(2, wide.slice(0, 5)))).status).toBe(201);
  });

  test("POST /train refuses reserved, empty and control names in items, naming the column", async () => {
    const t = await datasetsApp();
    const train = (items: unknown[]) =>
      t.send("/train", {
        method: "POST",
        headers: { ...t.alice.headers, "content-type": "application/json" },
        body: JSON.stringify({ model_key: "names", target_field: "y", items }),
      });
    const rows = (extra: string) =>
      Array.from({ length: 10 }, (_, i) => JSON.parse(`{"x": ${i}, "y": ${i % 2}, ${extra}: ${i}}`));
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const res = await train(rows(JSON.stringify(key)));
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body.error)).toContain(key);
    }
    for (const [key, shown] of [
      ["", '""'],
      ["a\u0000", "\\u{0}"],
      ["\u202eb", "\\u{202e}"],
    ]) {
      const res = await train(rows(JSON.stringify(key)));
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain(shown);
      expect(res.body.error.details).toMatchObject({ column_name: key });
    }
    const none = await t.deps.db.selectFrom("jobs").select("id").execute();
    expect(none).toEqual([]);
  });
});
