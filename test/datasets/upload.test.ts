import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { addSession, datasetsApp, IRIS, numericCsv } from "./helpers";

const iris = readFileSync(IRIS);

describe("POST /datasets/upload", () => {
  test("stores the iris CSV under a generated name with its hash, columns and row count", async () => {
    const t = await datasetsApp();
    const res = await t.upload(iris, { filename: "iris_train.csv" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "iris_train",
      version: 1,
      format: "csv",
      original_filename: "iris_train.csv",
      columns: ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"],
      row_count: 120,
      size_bytes: iris.length,
      sha256: createHash("sha256").update(iris).digest("hex"),
      last_used_at: null,
    });
    expect(res.body.id).toMatch(/^ds_[0-9a-f]{32}$/);
    expect(res.headers.get("location")).toBe(`/datasets/${res.body.id}`);
    expect(t.files()).toEqual([`${res.body.id}.csv`]);
    expect(readFileSync(join(t.root, `${res.body.id}.csv`)).equals(iris)).toBe(true);
  });

  test("a second upload of the same name is the next version", async () => {
    const t = await datasetsApp();
    const first = await t.upload(numericCsv(3), { name: "sales" });
    const second = await t.upload(numericCsv(4), { name: "sales" });
    const other = await t.upload(numericCsv(2), { name: "costs" });
    expect([first.body.version, second.body.version, other.body.version]).toEqual([1, 2, 1]);
    expect(second.body.id).not.toBe(first.body.id);
  });

  test("takes the name field after the file part too", async () => {
    const t = await datasetsApp();
    const form = new FormData();
    form.append("file", new File([numericCsv(2)], "x.csv"));
    form.append("name", "late_name");
    const res = await t.send("/datasets/upload", { method: "POST", body: form });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("late_name");
  });

  test("accepts a raw text/csv body with ?name=", async () => {
    const t = await datasetsApp();
    const res = await t.send("/datasets/upload?name=raw", {
      method: "POST",
      body: numericCsv(5),
      headers: { ...t.alice.headers, "content-type": "text/csv" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "raw", version: 1, row_count: 5, columns: ["a", "b", "c"] });
  });

  test("reads RFC 4180 quoting, a BOM and CRLF line ends", async () => {
    const t = await datasetsApp();
    const csv = '\uFEFFid,"note, with comma",x\r\n1,"line one\r\nline two",2\r\n2,"say ""hi""",3\r\n';
    const res = await t.upload(csv);
    expect(res.status).toBe(201);
    expect(res.body.columns).toEqual(["id", "note, with comma", "x"]);
    expect(res.body.row_count).toBe(2);
  });

  test("a browser form with its _csrf field uploads too, under the same limit", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: "4096" });
    const { cookie, csrf } = await addSession(t.deps, t.alice.id);
    const post = (csv: string, fields: Record<string, string>, headers: Record<string, string> = {}) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append("file", new File([csv], "browser.csv"));
      return t.send("/datasets/upload", { method: "POST", body: form, headers: { cookie, ...headers } });
    };
    // the auth middleware reads _csrf from the parsed form; the route then works from that copy
    const viaField = await post(numericCsv(3), { _csrf: csrf, name: "from_form" });
    expect(viaField.status).toBe(201);
    expect(viaField.body).toMatchObject({ name: "from_form", row_count: 3, original_filename: "browser.csv" });
    const viaHeader = await post(numericCsv(2), {}, { "x-csrf-token": csrf });
    expect(viaHeader.status).toBe(201);
    expect((await post(numericCsv(400), { _csrf: csrf })).status).toBe(413);
    // the form the CSRF check parses is bounded too (no global body limit on this path)
    const huge = await post(numericCsv(20_000), { _csrf: csrf });
    expect(huge.status).toBe(413);
    expect(huge.body.error.details).toEqual({ limit_bytes: 4096 });
    // and so is one of unknown length, read only up to the limit
    let pulled = 0;
    const head = `--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\na,b,c\n`;
    const line = new TextEncoder().encode("1,2,3\n");
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode(head)),
      pull(c) {
        pulled += line.length;
        if (pulled > 2_000_000) c.close();
        else c.enqueue(line);
      },
    });
    const streamed = await t.send("/datasets/upload", {
      method: "POST",
      body,
      headers: { cookie, "content-type": "multipart/form-data; boundary=b" },
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(200_000);
    expect((await post(numericCsv(2), { _csrf: "wrong" })).status).toBe(403);
    expect(t.files()).toHaveLength(2);
  });

  test("needs a signed-in user", async () => {
    const t = await datasetsApp();
    const res = await t.upload(numericCsv(3), { headers: {} });
    expect(res.status).toBe(401);
    expect(t.files()).toEqual([]);
  });

  test("refuses other content types and forms without a file", async () => {
    const t = await datasetsApp();
    const json = await t.send("/datasets/upload", {
      method: "POST",
      body: "{}",
      headers: { ...t.alice.headers, "content-type": "application/json" },
    });
    expect(json.status).toBe(400);
    const form = new FormData();
    form.append("name", "x");
    const empty = await t.send("/datasets/upload", { method: "POST", body: form });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toContain("no file field");
  });
});

describe("upload validation", () => {
  async function refused(csv: string, status = 422) {
    const t = await datasetsApp();
    const res = await t.upload(csv);
    expect(res.status).toBe(status);
    // nothing left behind: no row, no file, no temp file
    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
    return res.body.error;
  }

  test("a file without a header row", async () => {
    const e = await refused("1,2,3\n4,5,6\n7,8,9\n");
    expect(e.code).toBe("validation_failed");
    expect(e.message).toContain("header");
    expect(e.details).toMatchObject({ row: 0, line: 1, column: 1 });
  });

  test("a duplicate or empty column name", async () => {
    const dup = await refused("a,b,a\n1,2,3\n4,5,6\n");
    expect(dup.details).toMatchObject({ row: 0, column: 3, column_name: "a", first_column: 1 });
    const blank = await refused("a,,c\n1,2,3\n4,5,6\n");
    expect(blank.details).toMatchObject({ row: 0, column: 2 });
  });

  test("an empty file and a file with one data row", async () => {
    expect((await refused("")).message).toContain("empty");
    const one = await refused("a,b\n1,2\n");
    expect(one.message).toContain("at least 2 data rows");
    expect(one.details).toMatchObject({ row_count: 1, min_rows: 2 });
  });

  test("a ragged row names the row, the line and the column", async () => {
    const lines = numericCsv(10).split("\n");
    lines[7] = "60,61"; // data row 7, file line 8: the third column is missing
    const e = await refused(lines.join("\n"));
    expect(e.message).toContain("row 7");
    expect(e.details).toMatchObject({
      row: 7,
      line: 8,
      column: 3,
      column_name: "c",
      expected_fields: 3,
      found_fields: 2,
    });
    lines[7] = "60,61,62,63";
    const extra = await refused(lines.join("\n"));
    expect(extra.details).toMatchObject({ row: 7, column: 4, column_name: null, found_fields: 4 });
  });

  test("a row after a multi-line quoted field is numbered by row and by line", async () => {
    const e = await refused('a,b\n1,"x\ny"\n2,3\n4\n');
    expect(e.details).toMatchObject({ row: 3, line: 5 });
  });

  test("more than half the cells empty names the share and the emptiest column", async () => {
    const e = await refused("a,b,c\n1,,\n,,3\n2,,\n");
    expect(e.message).toContain("66.7%");
    expect(e.message).toContain('"b"');
    expect(e.details).toMatchObject({ empty_share: 0.667, column: 2, column_name: "b", column_empty_share: 1 });
  });

  test("exactly half empty is allowed", async () => {
    const t = await datasetsApp();
    expect((await t.upload("a,b\n1,\n,2\n")).status).toBe(201);
  });

  test("an unclosed quote and bytes that are not UTF-8", async () => {
    const quote = await refused('a,b\n1,2\n3,"open\n');
    expect(quote.details).toMatchObject({ line: 3 });
    const t = await datasetsApp();
    const res = await t.upload(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31, 0x0a]));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("UTF-8");
    expect(t.files()).toEqual([]);
  });
});

describe("upload size limit", () => {
  const LIMIT = 4096;

  test("a file over ML_MAX_CSV_UPLOAD_BYTES is 413 with the limit, and leaves nothing", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: String(LIMIT) });
    const csv = numericCsv(400);
    expect(csv.length).toBeGreaterThan(LIMIT);
    const res = await t.upload(csv);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: "payload_too_large", details: { limit_bytes: LIMIT } });
    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
    const raw = await t.send("/datasets/upload", {
      method: "POST",
      body: csv,
      headers: { ...t.alice.headers, "content-type": "text/csv" },
    });
    expect(raw.status).toBe(413);
  });

  test("is enforced while reading a body of unknown length, without reading it all", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: String(LIMIT) });
    let pulled = 0;
    const line = new TextEncoder().encode("1,2,3\n");
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("a,b,c\n"));
      },
      pull(c) {
        // an endless body: only the limit can stop it
        pulled += line.length;
        c.enqueue(line);
      },
    });
    const res = await t.app.request("/datasets/upload?name=endless", {
      method: "POST",
      body,
      headers: { ...t.alice.headers, "content-type": "text/csv" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(LIMIT * 4);
    expect(t.files()).toEqual([]);
  });

  test("a declared Content-Length over the limit is refused before reading", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: String(LIMIT) });
    const res = await t.send("/datasets/upload", {
      method: "POST",
      body: "a,b\n1,2\n3,4\n",
      headers: { ...t.alice.headers, "content-type": "text/csv", "content-length": String(LIMIT * 100) },
    });
    expect(res.status).toBe(413);
  });

  test("the global JSON body limit does not apply to uploads", async () => {
    const t = await datasetsApp({ ML_MAX_REQUEST_BYTES: "2048", ML_MAX_CSV_UPLOAD_BYTES: "100000" });
    const res = await t.upload(numericCsv(400));
    expect(res.status).toBe(201);
  });
});

describe("client-given names never reach the filesystem", () => {
  test("a traversal in the filename becomes a plain name; the file keeps its generated name", async () => {
    const t = await datasetsApp();
    const res = await t.upload(numericCsv(2), { filename: "../../etc/passwd" });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("passwd");
    expect(res.body.original_filename).toBe("passwd");
    expect(t.files()).toEqual([`${res.body.id}.csv`]);
    expect(existsSync(join(t.root, "..", "..", "etc", "passwd.csv"))).toBe(false);
    const win = await t.upload(numericCsv(2), { filename: "..\\..\\boot.ini" });
    expect(win.body.name).toBe("boot");
    const odd = await t.upload(numericCsv(2), { filename: "..my data (v2)!.csv" });
    expect(odd.body.name).toBe("my_data_v2_");
  });

  test("a traversal in the name field is refused with 422", async () => {
    const t = await datasetsApp();
    for (const name of ["../../etc/passwd", "..", "a/b", ".hidden", "x".repeat(65)]) {
      const res = await t.upload(numericCsv(2), { name });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].path).toBe("name");
    }
    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
  });

  test("ids in URLs are checked before any path is built", async () => {
    const t = await datasetsApp();
    for (const id of ["..%2F..%2Fetc%2Fpasswd", "ds_../x", "ds_0123"]) {
      expect((await t.send(`/datasets/${id}`)).status).toBe(404);
      expect((await t.send(`/datasets/${id}/preview`)).status).toBe(404);
      expect((await t.send(`/datasets/${id}`, { method: "DELETE" })).status).toBe(404);
    }
  });
});
