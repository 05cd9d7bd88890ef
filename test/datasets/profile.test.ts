import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { datasetsApp } from "./helpers";

/** 30 rows, semicolon-separated: a row id, a date, a number with NA tokens, a constant and a class. */
function quirkyCsv(): string {
  const lines = ["id;day;temp;site;label"];
  for (let i = 0; i < 30; i++) {
    const temp = i % 7 === 0 ? ["NA", "?", "n/a", "-"][i % 4] : (10 + (i % 5) * 1.5).toFixed(1);
    lines.push(`${i + 1};2021-03-${String((i % 28) + 1).padStart(2, "0")};${temp};north;${i % 2 ? "yes" : "no"}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

describe("dataset profile", () => {
  test("an upload lists each decision with a plain-language warning, on upload and on GET /datasets/{id}", async () => {
    const t = await datasetsApp();
    const up = await t.upload(quirkyCsv(), { filename: "quirky.csv" });
    expect(up.status).toBe(201);
    const { profile } = up.body;
    expect(profile).toMatchObject({ format: "csv", delimiter: ";", gzip: false, rows: 30 });
    const byName = Object.fromEntries(profile.columns.map((c: { name: string }) => [c.name, c]));
    expect(byName.id).toMatchObject({ kind: "numeric", excluded: "id" });
    expect(byName.day).toMatchObject({ kind: "date", excluded: null });
    expect(byName.temp).toMatchObject({ kind: "numeric", missing: 5, excluded: null });
    expect(byName.site).toMatchObject({ excluded: "constant" });
    expect(byName.label).toMatchObject({ kind: "boolean" });
    expect(profile.warnings).toEqual(
      expect.arrayContaining([
        'values are separated by ";" (sniffed from the first lines)',
        '"id" has a different value on every row, like an ID: left out unless feature_types names it',
        '"site" holds a single value (or none), so it cannot help a model: left out unless feature_types names it',
        '"temp": 5 of 30 cells are missing (empty, NA, ?, null…); they are imputed and flagged',
        '"day" read as dates: becomes year, month, weekday and day of year',
      ]),
    );
    const one = await t.send(`/datasets/${up.body.id}`);
    expect(one.body.profile).toEqual(profile);
    const page = await t.app.request(`/ui/datasets/${up.body.id}`, { headers: t.alice.headers });
    expect(await page.text()).toContain("left out unless feature_types names it");
    const preview = await t.send(`/datasets/${up.body.id}/preview`);
    expect(preview.body.rows[0]).toEqual({ id: 1, day: "2021-03-01", temp: null, site: "north", label: "no" });
  });

  test("a gzip upload is stored as sent and read decompressed; a gzip bomb is refused and nothing is stored", async () => {
    const t = await datasetsApp({ ML_MAX_DECOMPRESSED_BYTES: "100000" });
    const up = await t.upload(gzipSync(quirkyCsv()), { filename: "quirky.csv.gz" });
    expect(up.status).toBe(201);
    expect(up.body.profile.gzip).toBe(true);
    expect(up.body.row_count).toBe(30);
    const bomb = gzipSync(`a,b\n${"1,2\n".repeat(100_000)}`);
    const refused = await t.upload(bomb, { filename: "bomb.csv.gz" });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain("decompresses past 100000 bytes");
    expect(t.files()).toEqual([`${up.body.id}.csv`]);
  });

  test("bad files are a 422 naming row, column or reason, and leave nothing stored", async () => {
    const t = await datasetsApp();
    const cases: [string | Uint8Array, RegExp][] = [
      ["a,b\n1,2\n3\n", /row 2 \(line 3\) has 1 fields/],
      ['a,b\n1,"open\n2,3\n', /line 2 is not closed/],
      ["a:b\n1:2\n3:4\n", /unknown delimiter/],
      ["value\n1\n2\n", /single column/],
      [new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0xff, 0xfe, 0, 1, 2, 3]), /NUL byte|not UTF-8|single column/],
    ];
    for (const [body, message] of cases) {
      const res = await t.upload(body, { filename: "bad.csv" });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toMatch(message);
    }
    expect(t.files()).toEqual([]);
  });
});
