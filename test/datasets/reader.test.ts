import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { chunksOfBytes, readTable, type Table, tableRows } from "../../src/datasets/reader";
import { ServiceError } from "../../src/errors";

const OPTS = { maxColumns: 100, maxDecompressedBytes: 1 << 20 };
const enc = (s: string) => new TextEncoder().encode(s);
const read = (bytes: Uint8Array | string, size?: number) =>
  readTable(chunksOfBytes(typeof bytes === "string" ? enc(bytes) : bytes, size), OPTS);

async function refusal(bytes: Uint8Array | string): Promise<ServiceError> {
  try {
    await read(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as ServiceError).status).toBe(422);
    return e as ServiceError;
  }
  throw new Error("expected a 422");
}

const TRICKY = '\uFEFFa,"b ""q""",c\r\n1,"x,\r\ny",NA\r\n\n2,plain,?\n3,"",5';

describe("the data reader", () => {
  test("reads quotes with delimiters and line breaks, a BOM, CRLF, blank lines and missing tokens", async () => {
    const t = await read(TRICKY);
    expect(t.delimiter).toBe(",");
    expect(t.columns.map((c) => [c.name, c.type])).toEqual([
      ["a", "number"],
      ['b "q"', "category"],
      ["c", "number"],
    ]);
    expect(tableRows(t)).toEqual([
      { a: 1, 'b "q"': "x,\r\ny", c: null },
      { a: 2, 'b "q"': "plain", c: null },
      { a: 3, 'b "q"': null, c: 5 },
    ]);
  });

  test("gives the same columns whatever the chunk boundaries", async () => {
    const whole = tableRows(await read(TRICKY));
    for (const size of [1, 2, 3, 5, 8]) expect(tableRows(await read(TRICKY, size))).toEqual(whole);
  });

  test("sniffs ; tab and | and reports the delimiter", async () => {
    for (const d of [";", "\t", "|"]) {
      const t = await read(`x${d}y${d}label\n1,5${d}2${d}a\n3${d}4${d}b\n`);
      expect(t.delimiter).toBe(d);
      expect(t.columns.map((c) => c.name)).toEqual(["x", "y", "label"]);
    }
  });

  test("numbers with NA, N/A, n/a, null, NULL, NaN, ?, - and empty cells stay numeric", async () => {
    const tokens = ["NA", "N/A", "n/a", "null", "NULL", "NaN", "?", "-", ""];
    const body = tokens.map((tok, i) => `${i}.5,${tok},c${i % 2}`).join("\n");
    const t = await read(`x,y,label\n${body}\n9,1e3,c0\n`);
    const y = t.columns[1];
    expect(y?.type).toBe("number");
    expect(tableRows(t).map((r) => r.y)).toEqual([...tokens.map(() => null), 1000]);
    expect(tableRows(t).map((r) => r.x)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9]);
  });

  test("reads gzip-compressed CSV and refuses a gzip bomb past the decompressed limit", async () => {
    const t = await read(gzipSync(enc(TRICKY)));
    expect(t.gzip).toBe(true);
    expect(tableRows(t)).toEqual(tableRows(await read(TRICKY)));
    const bomb = gzipSync(enc(`a,b\n${"1,2\n".repeat(600_000)}`));
    expect(bomb.length).toBeLessThan(OPTS.maxDecompressedBytes / 50);
    const e = await refusal(bomb);
    expect(e.message).toContain("decompresses past");
  });

  test("CSV, NDJSON and Parquet of the same data give identical columns", async () => {
    const csv = await read("x,n,city,when\n1.5,3,Oslo,2020-01-02\n-2,NA,Rome,2021-06-30\n0.25,7,Oslo,\n");
    const ndjson = await read(
      [
        '{"x":1.5,"n":3,"city":"Oslo","when":"2020-01-02"}',
        '{"x":-2,"n":null,"city":"Rome","when":"2021-06-30"}',
        '{"x":0.25,"n":"7","city":"Oslo"}',
      ].join("\n"),
    );
    const parquet = await read(
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "x", data: [1.5, -2, 0.25], type: "DOUBLE" },
            { name: "n", data: [3, null, 7], type: "INT32" },
            { name: "city", data: ["Oslo", "Rome", "Oslo"], type: "STRING" },
            { name: "when", data: ["2020-01-02", "2021-06-30", null], type: "STRING" },
          ],
        }),
      ),
    );
    // plain arrays: a typed array holding NaN never equals another under Bun's toEqual
    const shape = (t: Table) =>
      t.columns.map((c) =>
        c.type === "number"
          ? { name: c.name, values: [...c.values].map((v, i) => (c.missing[i] ? null : v)) }
          : { name: c.name, codes: [...c.codes], dictionary: c.dictionary },
      );
    expect(ndjson.format).toBe("ndjson");
    expect(parquet.format).toBe("parquet");
    expect(shape(ndjson)).toEqual(shape(csv));
    expect(shape(parquet)).toEqual(shape(csv));
    expect(csv.columns[2]).toEqual({
      name: "city",
      type: "category",
      codes: Int32Array.from([0, 1, 0]),
      dictionary: ["Oslo", "Rome"],
    });
  });

  test("bad input is a 422 naming row, column or reason", async () => {
    const ragged = await refusal("a,b\n1,2\n3\n");
    expect(ragged.message).toContain('row 2 (line 3) has 1 fields, but the header has 2: column 2 "b" is missing');
    expect(ragged.details).toMatchObject({ row: 2, line: 3, column: 2, column_name: "b" });
    expect((await refusal('a,b\n1,"never\nclosed\n')).message).toContain("line 2 is not closed");
    expect((await refusal("a:b:c\n1:2:3\n4:5:6\n")).message).toContain(
      'unknown delimiter: the lines look separated by ":"',
    );
    expect((await refusal("value\n1\n2\n")).message).toContain("single column");
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    expect((await refusal(garbage)).message).toMatch(/NUL byte|not UTF-8|delimiter|single column/);
    const latin1 = new Uint8Array([...enc("a,b\n1,caf"), 0xe9, ...enc("\n2,x\n")]);
    expect((await refusal(latin1)).details).toMatchObject({ row: 1, line: 2, column: 2, column_name: "b" });
    const nested = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "a", data: [1, 2], type: "INT32" },
          { name: "meta", data: [{ k: 1 }, { k: 2 }], type: "JSON" },
        ],
      }),
    );
    const parquet = await refusal(nested);
    expect(parquet.message).toContain('column "meta"');
    expect(parquet.message).toContain("unsupported type");
    expect((await refusal('{"a":1,"b":2}\n{"a":1,"c":3}\n')).details).toMatchObject({
      row: 2,
      line: 2,
      column_name: "c",
    });
  });
});
