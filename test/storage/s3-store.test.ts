import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3Client } from "bun";
import { sha256Hex } from "../../src/storage/artifact-store";
import { artifactKey, datasetKey } from "../../src/storage/keys";
import { storeLocation } from "../../src/storage/location";
import { S3ArtifactStore } from "../../src/storage/s3/s3-store";
import { type S3TestServer, startS3 } from "./s3-server";

let s3: S3TestServer;
let raw: S3Client;
let n = 0;
beforeAll(async () => {
  s3 = await startS3();
  raw = new S3Client({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
  });
});
afterAll(() => s3.close());

/** A store under its own prefix, so tests do not see each other's objects. */
function fresh() {
  const prefix = `t${++n}/`;
  const store = new S3ArtifactStore({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  });
  return { prefix, store };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const ID = "ds_0123456789abcdef0123456789abcdef";
const readAll = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe("storeLocation", () => {
  test("a directory, an s3 bucket with or without a prefix", () => {
    expect(storeLocation("", "./ml_artifacts")).toEqual({ kind: "fs", root: "./ml_artifacts" });
    expect(storeLocation("/srv/art", "./x")).toEqual({ kind: "fs", root: "/srv/art" });
    expect(storeLocation("s3://models", "./x")).toEqual({ kind: "s3", bucket: "models", prefix: "" });
    expect(storeLocation("s3://models/prod/eu/", "./x")).toEqual({ kind: "s3", bucket: "models", prefix: "prod/eu/" });
    expect(() => storeLocation("s3://Bad_Bucket/x", "./x")).toThrow("not an s3://bucket/prefix");
    expect(() => storeLocation("s3://models/../x", "./x")).toThrow("not an s3://bucket/prefix");
  });
});

describe("S3ArtifactStore (against s3rver)", () => {
  test("put then get gives the same bytes under the prefix; list and stat see it", async () => {
    const { prefix, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const stored = await store.put(key, bytes("weights"));
    expect(stored).toEqual({ key: "iris/1.0.0.mlsa", size: 7, sha256: sha256Hex(bytes("weights")) });
    expect(await raw.file(`${prefix}iris/1.0.0.mlsa`).text()).toBe("weights");
    expect(new TextDecoder().decode(await store.get(key, stored.sha256))).toBe("weights");
    expect(await store.list()).toEqual(["iris/1.0.0.mlsa"]);
    expect(await store.list("other/")).toEqual([]);
    expect(await store.stat(key)).toMatchObject({ size: 7 });
    expect(await store.stat(artifactKey("iris", "9.0.0"))).toBeNull();
  });

  test("a streaming put past the multipart size is read back whole by a streaming get", async () => {
    const { store } = fresh();
    const w = await store.writer(datasetKey(ID, "csv"));
    const chunk = bytes(`${"x".repeat(1023)}\n`);
    const expected = new Bun.CryptoHasher("sha256");
    for (let i = 0; i < 6 * 1024 + 3; i++) {
      await w.write(chunk);
      expected.update(chunk);
    }
    const { sha256, size } = await w.commit();
    expect(size).toBe((6 * 1024 + 3) * 1024);
    expect(sha256).toBe(expected.digest("hex"));
    const text = await readAll(await store.stream(datasetKey(ID, "csv"), sha256));
    expect(text.length).toBe(size);
    expect(await store.list()).toEqual([`${ID}.csv`]);
  });

  test("bytes changed after the put are refused, whole or streamed; an absent key is missing", async () => {
    const { prefix, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const { sha256 } = await store.put(key, bytes("weights"));
    await raw.write(`${prefix}iris/1.0.0.mlsa`, "tampered");
    await expect(store.get(key, sha256)).rejects.toMatchObject({ name: "StorageError", kind: "integrity" });
    await expect(readAll(await store.stream(key, sha256))).rejects.toMatchObject({ kind: "integrity" });
    await expect(store.get(artifactKey("iris", "2.0.0"))).rejects.toMatchObject({ kind: "missing" });
    await expect(store.stream(artifactKey("iris", "2.0.0"))).rejects.toMatchObject({ kind: "missing" });
  });

  test("a put in progress is invisible until committed, and a discarded one leaves nothing", async () => {
    const { prefix, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const w = await store.writer(key);
    await w.write(bytes("half"));
    await w.close();
    expect(await store.list()).toEqual([]);
    expect(await store.stat(key)).toBeNull();
    await expect(store.get(key)).rejects.toMatchObject({ kind: "missing" });
    await w.discard();
    expect((await raw.list({ prefix })).contents ?? []).toEqual([]);

    const again = await store.writer(key);
    await again.write(bytes("whole"));
    await again.commit();
    expect(await store.list("iris/")).toEqual(["iris/1.0.0.mlsa"]);
    expect(((await raw.list({ prefix })).contents ?? []).map((o) => o.key)).toEqual([`${prefix}iris/1.0.0.mlsa`]);
    await again.discard();
    expect(await store.stat(key)).toBeNull();
  });

  test("only whitelisted keys reach the bucket", async () => {
    const { store } = fresh();
    for (const key of ["../escape.mlsa", "/etc/passwd", ".incomplete/iris/1.0.0.mlsa.x.part", "x.csv"]) {
      await expect(store.put(key, bytes("x"))).rejects.toThrow("not an object key");
      await expect(store.get(key)).rejects.toThrow("not an object key");
      await expect(store.delete(key)).rejects.toThrow("not an object key");
      await expect(store.writer(key)).rejects.toThrow("not an object key");
    }
  });

  test("delete is quiet for an absent object; the sweep removes only old unfinished puts", async () => {
    const { prefix, store } = fresh();
    await store.delete(artifactKey("iris", "1.0.0"));
    await raw.write(`${prefix}.incomplete/iris/1.0.0.mlsa.0123456789ab.part`, "crashed");
    await store.put(artifactKey("iris", "3.0.0"), bytes("done"));
    // nothing is older than an hour yet; an hour later the crashed part is old
    expect(await store.sweepIncomplete(new Date(), 3_600_000)).toEqual([]);
    expect(await store.sweepIncomplete(new Date(Date.now() + 7_200_000), 3_600_000)).toEqual([
      ".incomplete/iris/1.0.0.mlsa.0123456789ab.part",
    ]);
    expect(await store.list()).toEqual(["iris/3.0.0.mlsa"]);
    expect(((await raw.list({ prefix })).contents ?? []).map((o) => o.key)).toEqual([`${prefix}iris/3.0.0.mlsa`]);
  });

  test("the probe fails with an unknown access key or bucket and passes with the right ones", async () => {
    const { store } = fresh();
    await store.probe();
    const wrong = new S3ArtifactStore({
      bucket: s3.bucket,
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: "nobody",
      secretAccessKey: "S3RVER",
    });
    await expect(wrong.probe()).rejects.toMatchObject({ code: "InvalidAccessKeyId" });
    const noBucket = new S3ArtifactStore({
      bucket: "no-such-bucket",
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    await expect(noBucket.probe()).rejects.toMatchObject({ code: "NoSuchBucket" });
  });
});
