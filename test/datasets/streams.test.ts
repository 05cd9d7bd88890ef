import { describe, expect, test } from "bun:test";
import { boundaryOf, formParts } from "../../src/datasets/multipart";

async function encoded(form: FormData) {
  const res = new Response(form);
  const type = res.headers.get("content-type") as string;
  return { bytes: new Uint8Array(await res.arrayBuffer()), type };
}

async function* chunked(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(bytes: Uint8Array, boundary: string, size: number) {
  const parts: { name: string; filename: string | undefined; text: string }[] = [];
  for await (const part of formParts(chunked(bytes, size), boundary)) {
    const pieces: Uint8Array[] = [];
    for await (const c of part.body) pieces.push(c);
    parts.push({ name: part.name, filename: part.filename, text: Buffer.concat(pieces).toString("utf8") });
  }
  return parts;
}

describe("formParts", () => {
  test("finds the boundary of a multipart Content-Type only", () => {
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe("a b");
    expect(boundaryOf("multipart/form-data; charset=utf-8; boundary=xyz")).toBe("xyz");
    expect(boundaryOf("text/csv; boundary=xyz")).toBeUndefined();
    expect(boundaryOf("multipart/form-data")).toBeUndefined();
  });

  test("splits fields and files exactly, whatever the chunk boundaries", async () => {
    const form = new FormData();
    form.append("name", "ünïcode name");
    // content that looks like a boundary start, split anywhere, must survive intact
    const file = "a,b\r\n--\r\n-\r\n--x\r\n1,2\r\n";
    form.append("file", new File([file], "../evil.csv"));
    form.append("empty", "");
    const { bytes, type } = await encoded(form);
    const boundary = boundaryOf(type) as string;
    const expected = [
      { name: "name", filename: undefined, text: "ünïcode name" },
      { name: "file", filename: "../evil.csv", text: file },
      { name: "empty", filename: undefined, text: "" },
    ];
    for (const size of [1, 2, 3, 7, 64, bytes.length]) expect(await collect(bytes, boundary, size)).toEqual(expected);
  });

  test("moves past a part its reader skipped", async () => {
    const form = new FormData();
    form.append("skip", "x".repeat(5000));
    form.append("keep", "yes");
    const { bytes, type } = await encoded(form);
    const seen: string[] = [];
    for await (const part of formParts(chunked(bytes, 100), boundaryOf(type) as string)) {
      if (part.name === "keep") for await (const c of part.body) seen.push(Buffer.from(c).toString());
    }
    expect(seen.join("")).toBe("yes");
  });

  test("a truncated body or a missing boundary is a 400", async () => {
    const form = new FormData();
    form.append("file", new File(["a,b\n1,2\n"], "f.csv"));
    const { bytes, type } = await encoded(form);
    const boundary = boundaryOf(type) as string;
    await expect(collect(bytes.subarray(0, bytes.length - 20), boundary, 16)).rejects.toMatchObject({ status: 400 });
    await expect(collect(new TextEncoder().encode("no parts here"), boundary, 16)).rejects.toMatchObject({
      status: 400,
    });
  });
});
