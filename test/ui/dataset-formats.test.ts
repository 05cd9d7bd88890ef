/**
 * The Datasets page takes NDJSON and Parquet files as it takes CSV ones (a plain multipart form,
 * no JavaScript), and shows what went wrong beside the file field; seed 002's upload path stores
 * them too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { ADMIN_TOKEN } from "../ml-service/helpers";
import { Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let user: Browser;
beforeAll(async () => {
  svc = await startUi();
  const u = await svc.createUser("alice");
  user = new Browser(svc.app);
  await user.signIn(u.username, u.password);
});
afterAll(() => svc.close());

const NDJSON = Array.from({ length: 6 }, (_, i) => JSON.stringify({ x: i * 1.5, kind: i % 2 ? "odd" : "even" })).join(
  "\n",
);
const PARQUET = new Uint8Array(
  parquetWriteBuffer({
    columnData: [
      { name: "x", data: [0, 1.5, 3, 4.5, 6, 7.5], type: "DOUBLE" },
      { name: "kind", data: ["even", "odd", "even", "odd", "even", "odd"], type: "STRING" },
    ],
  }),
);

describe("dataset uploads in other formats", () => {
  test("the Datasets page stores an NDJSON and a Parquet file and lists them", async () => {
    for (const [name, bytes] of [
      ["lines.ndjson", NDJSON],
      ["columns.parquet", PARQUET],
    ] as const) {
      const up = await user.post("/ui/datasets", { file: new File([bytes as BlobPart], name), name: "" });
      expect(up.status).toBe(303);
      expect(up.location).toBe("/ui/datasets?done=uploaded");
    }
    const list = mainText((await user.get("/ui/datasets")).text);
    expect(list).toContain("lines");
    expect(list).toContain("columns");
    const bad = await user.post("/ui/datasets", {
      file: new File(['{"x":1}\n{"x":2,"y":3}\n{"x":4}\n'], "bad.ndjson"),
      name: "",
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="f-file-err"[^>]*>[^<]*key &quot;y&quot;/);
  });

  test("seed 002's upload path stores a Parquet file as parquet", async () => {
    const form = new FormData();
    form.append("file", new File([PARQUET as BlobPart], "seed.parquet"));
    const res = await svc.app.request("/api/ml/v1/datasets/upload", {
      method: "POST",
      body: form,
      headers: { "x-admin-token": ADMIN_TOKEN },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { format: string; row_count: number; file_url: string };
    expect(body).toMatchObject({ format: "parquet", row_count: 6 });
    expect(body.file_url).toMatch(/^\/datasets\/ds_/);
  });
});
