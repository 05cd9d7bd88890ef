import { describe, expect, test } from "bun:test";
import { chunksOfBytes, readTable, type Table } from "../../src/datasets/reader";
import { Random } from "../../src/ml/random";

const OPTS = { maxColumns: 100, maxDecompressedBytes: 1 << 20 };

/** decimals as files write them: fixed and varying precision, signs, leading zeros, exponents, long mantissas */
function samples(): string[] {
  const rng = new Random(7);
  const out = ["0", "-0", "+0", "0.0", "-0.0", ".5", "-.5", "5.", "007", "00.25", "1e3", "-2.5E-3", "1e+300"];
  out.push("123456789012345", "1234567890123456", "12345678901234567890", "0.1234567890123456789");
  out.push("9007199254740993", "0.000000000000000000000000001", "1.7976931348623157e308", "4.9e-324");
  out.push("0.30000000000000004", "  42 ", "\t-3.25", "999999999999999.9", "0.000001");
  for (let i = 0; i < 3000; i++) {
    const x = rng.uniform(-1, 1) * 10 ** Math.floor(rng.uniform(-8, 12));
    out.push(x.toFixed(Math.floor(rng.uniform(0, 17))), String(x), x.toPrecision(Math.floor(rng.uniform(1, 22))));
  }
  return out;
}

describe("numbers read from bytes", () => {
  test("are bit-identical to Number(text), whatever the chunk boundaries", async () => {
    const cells = samples();
    const csv = `x,label\n${cells.map((c, i) => `${c},${i % 2}`).join("\n")}\n`;
    const expected = cells.map((c) => Number(c));
    for (const size of [1 << 20, 4096, 7]) {
      const t = await readTable(chunksOfBytes(new TextEncoder().encode(csv), size), OPTS);
      const x = t.columns[0];
      if (x?.type !== "number") throw new Error(`x read as ${x?.type}`);
      const mismatches = expected.flatMap((e, i) =>
        Object.is(e, x.values[i]) ? [] : [`${JSON.stringify(cells[i])}: ${x.values[i]} ≠ ${e}`],
      );
      expect(mismatches).toEqual([]);
      expect(x.missing.every((m) => m === 0)).toBe(true);
    }
  });

  test("a column with text after numbers becomes categories named by the cells' numbers", async () => {
    const t = await readTable(chunksOfBytes(new TextEncoder().encode("x,label\n1.50,a\n2,b\nNA,a\nred,b\n")), OPTS);
    expect(t.columns[0]).toEqual({
      name: "x",
      type: "category",
      codes: Int32Array.from([0, 1, -1, 2]),
      dictionary: ["1.5", "2", "red"],
    });
  });
});

describe("columns sized from the file's size", () => {
  test("hold the same cells whether the size is right, too small or far too large", async () => {
    const rng = new Random(11);
    const lines = ["a,b,c"];
    for (let i = 0; i < 5000; i++) {
      // b gains a missing cell late, c turns into categories late: both after the columns were sized
      const b = i === 4000 ? "NA" : rng.uniform(0, 9).toFixed(3);
      const c = i === 4500 ? "red" : String(i % 7);
      lines.push(`${rng.uniform(-1, 1).toFixed(5)},${b},${c}`);
    }
    const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
    const read = (expectedBytes?: number) =>
      readTable(chunksOfBytes(bytes, 4096), { ...OPTS, ...(expectedBytes && { expectedBytes }) });
    const plain = await read();
    expect(plain.columns.map((c) => c.type)).toEqual(["number", "number", "category"]);
    for (const size of [bytes.length, 10_000, bytes.length * 50]) {
      const t = await read(size);
      // as plain arrays: toEqual holds NaN unequal to NaN inside a Float64Array
      const cells = (table: Table) =>
        table.columns.map((c) => (c.type === "number" ? [Array.from(c.values), c.missing] : [c.codes, c.dictionary]));
      expect(cells(t)).toEqual(cells(plain));
      expect(t.rows).toBe(5000);
    }
  });
});
