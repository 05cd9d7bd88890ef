import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { datasetsApp } from "./helpers";

const CSV = "x,n,city,when\n1.5,3,Oslo,2020-01-02\n-2,NA,Rome,2021-06-30\n0.25,7,Oslo,\n4,8,Rome,2022-03-04\n";
const NDJSON = [
  '{"x":1.5,"n":3,"city":"Oslo","when":"2020-01-02"}',
  '{"x":-2,"n":null,"city":"Rome","when":"2021-06-30"}',
  '{"x":0.25,"n":"7","city":"Oslo"}',
  '{"x":4,"n":8,"city":"Rome","when":"2022-03-04"}',
].join("\n");
const PARQUET = new Uint8Array(
  parquetWriteBuffer({
    columnData: [
      { name: "x", data: [1.5, -2, 0.25, 4], type: "DOUBLE" },
      { name: "n", data: [3, null, 7, 8], type: "INT32" },
      { name: "city", data: ["Oslo", "Rome", "Oslo", "Rome"], type: "STRING" },
      { name: "when", data: ["2020-01-02", "2021-06-30", null, "2022-03-04"], type: "STRING" },
    ],
  }),
);

type App = Awaited<ReturnType<typeof datasetsApp>>;
const raw = (t: App, body: Uint8Array | string, type: string, query = "") =>
  t.send(`/datasets/upload${query}`, {
    method: "POST",
    body: body as BodyInit,
    headers: { ...t.alice.headers, "content-type": type },
  });
/** the profile without what differs between formats by nature */
const columnsOf = (profile: { columns: unknown[] }) => profile.columns;

describe("NDJSON and Parquet uploads", () => {
  test("each is stored in its own format, byte for byte, with the CSV's columns and profile", async () => {
    const t = await datasetsApp();
    const csv = await t.upload(CSV, { filename: "trips.csv" });
    const ndjson = await t.upload(NDJSON, { filename: "trips.ndjson" });
    const parquet = await raw(t, PARQUET, "application/vnd.apache.parquet", "?filename=trips.parquet");
    for (const r of [csv, ndjson, parquet]) expect(r.status).toBe(201);
    expect([csv.body.format, ndjson.body.format, parquet.body.format]).toEqual(["csv", "ndjson", "parquet"]);
    expect([csv.body.version, ndjson.body.version, parquet.body.version]).toEqual([1, 2, 3]);
    for (const r of [ndjson, parquet]) {
      expect(r.body.columns).toEqual(["x", "n", "city", "when"]);
      expect(r.body.row_count).toBe(4);
      expect(columnsOf(r.body.profile)).toEqual(columnsOf(csv.body.profile));
    }
    expect(ndjson.body.profile).toMatchObject({ format: "ndjson", delimiter: null, gzip: false });
    expect(t.files()).toEqual([`${csv.body.id}.csv`, `${ndjson.body.id}.ndjson`, `${parquet.body.id}.parquet`].sort());
    expect(readFileSync(join(t.root, `${parquet.body.id}.parquet`)).equals(PARQUET)).toBe(true);
    expect(readFileSync(join(t.root, `${ndjson.body.id}.ndjson`), "utf8")).toBe(NDJSON);

    // read back: the same preview rows and the stored file as uploaded
    const previews = await Promise.all([csv, ndjson, parquet].map((r) => t.send(`/datasets/${r.body.id}/preview`)));
    expect(previews[1]?.body.rows).toEqual(previews[0]?.body.rows);
    expect(previews[2]?.body.rows).toEqual(previews[0]?.body.rows);
    const file = await t.app.request(`/datasets/${parquet.body.id}/file`, { headers: t.alice.headers });
    expect(file.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expect(file.headers.get("content-disposition")).toContain(".parquet");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PARQUET);
  });

  test("a gzip-compressed NDJSON body sent as octet-stream is stored compressed as ndjson", async () => {
    const t = await datasetsApp();
    const gz = gzipSync(NDJSON);
    const res = await raw(t, gz, "application/octet-stream", "?name=lines");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "lines", format: "ndjson", row_count: 4, size_bytes: gz.length });
    expect(res.body.profile).toMatchObject({ format: "ndjson", gzip: true });
    expect(readFileSync(join(t.root, `${res.body.id}.ndjson`)).equals(gz)).toBe(true);
    const file = await t.app.request(`/datasets/${res.body.id}/file`, { headers: t.alice.headers });
    expect(file.headers.get("content-type")).toBe("application/gzip");
    expect(file.headers.get("content-disposition")).toContain('filename="lines-v1.ndjson.gz"');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(gz));
    const lines = await raw(t, NDJSON, "application/x-ndjson");
    const jsonl = await raw(t, NDJSON, "application/jsonl");
    expect([lines.status, jsonl.status]).toEqual([201, 201]);
  });

  test("bad files are a 422 naming row, column or reason, and nothing is stored", async () => {
    const t = await datasetsApp({ ML_MAX_DECOMPRESSED_BYTES: String(1 << 20) });
    const ragged = await t.upload('{"a":1,"b":2}\n{"a":3,"b":4}\n{"a":5,"c":6}\n', { filename: "r.ndjson" });
    expect(ragged.status).toBe(422);
    expect(ragged.body.error.details).toMatchObject({ row: 3, line: 3, column_name: "c" });
    const notObject = await raw(t, '{"a":1,"b":2}\n[3,4]\n{"a":5,"b":6}\n', "application/x-ndjson");
    expect(notObject.status).toBe(422);
    expect(notObject.body.error.message).toContain("line 2 is not a JSON object");

    const nested = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "a", data: [1, 2, 3], type: "INT32" },
          { name: "meta", data: [{ k: 1 }, { k: 2 }, { k: 3 }], type: "JSON" },
        ],
      }),
    );
    const parquet = await raw(t, nested, "application/vnd.apache.parquet");
    expect(parquet.status).toBe(422);
    expect(parquet.body.error.message).toContain('column "meta"');
    expect(parquet.body.error.message).toContain("unsupported type");
    const truncated = await raw(t, PARQUET.subarray(0, PARQUET.length - 20), "application/octet-stream");
    expect(truncated.status).toBe(422);
    expect(truncated.body.error.message).toContain("Parquet");

    const bomb = gzipSync(`a,b\n${"1,2\n".repeat(2 << 20)}`);
    const bombed = await raw(t, bomb, "application/gzip");
    expect(bombed.status).toBe(422);
    expect(bombed.body.error.message).toContain("decompresses past");

    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    const junk = await raw(t, garbage, "application/octet-stream");
    expect(junk.status).toBe(422);

    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
  });

  test("a body that is no data file is a 400 naming what to send", async () => {
    const t = await datasetsApp();
    const res = await raw(t, "<a/>", "application/xml");
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("application/x-ndjson");
  });
});

describe("the stored format of a gzip upload", () => {
  test("is told from its content however small the chunks arrive", async () => {
    const t = await datasetsApp();
    const gz = gzipSync(NDJSON);
    let at = 0;
    const trickle = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (at >= gz.length) return ctrl.close();
        ctrl.enqueue(gz.subarray(at, at + 7));
        at += 7;
      },
    });
    const res = await t.send("/datasets/upload?name=trickle", {
      method: "POST",
      body: trickle,
      headers: { ...t.alice.headers, "content-type": "application/gzip" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ format: "ndjson", row_count: 4, size_bytes: gz.length });
  });
});
