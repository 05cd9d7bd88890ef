import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../src/storage/artifact-store";
import { FsArtifactStore } from "../../src/storage/fs/fs-store";
import { artifactKey, checkKey, datasetKey } from "../../src/storage/keys";

const dirs: string[] = [];
function fresh() {
  const root = mkdtempSync(join(tmpdir(), "mls-store-"));
  dirs.push(root);
  return { root, store: new FsArtifactStore(root) };
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);
const ID = "ds_0123456789abcdef0123456789abcdef";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("FsArtifactStore", () => {
  test("put then get gives the same bytes, at the layout the service always used", async () => {
    const { root, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const stored = await store.put(key, bytes("weights"));
    expect(stored).toEqual({ key: "iris/1.0.0.mlsa", size: 7, sha256: sha256Hex(bytes("weights")) });
    expect(readFileSync(join(root, "iris", "1.0.0.mlsa"), "utf8")).toBe("weights");
    expect(new TextDecoder().decode(await store.get(key, stored.sha256))).toBe("weights");
    expect(await store.list()).toEqual(["iris/1.0.0.mlsa"]);
    expect(await store.list("other/")).toEqual([]);
  });

  test("files written before the store existed, at the same layout, are read and listed", async () => {
    const { root, store } = fresh();
    mkdirSync(join(root, "iris"));
    writeFileSync(join(root, "iris", "1.0.0.mlsa"), "old weights");
    writeFileSync(join(root, `${ID}.json`), "[]");
    expect(await store.list()).toEqual([`${ID}.json`, "iris/1.0.0.mlsa"]);
    const old = await store.get(artifactKey("iris", "1.0.0"), sha256Hex(bytes("old weights")));
    expect(new TextDecoder().decode(old)).toBe("old weights");
    expect(await store.stat(datasetKey(ID, "json"))).toMatchObject({ size: 2 });
  });

  test("a streaming put is read back by a streaming get", async () => {
    const { store } = fresh();
    const w = await store.writer(datasetKey(ID, "csv"));
    await w.write(bytes("a,b\n"));
    await w.write(bytes("1,2\n"));
    const { sha256, size } = await w.commit();
    expect(size).toBe(8);
    expect(await readAll(await store.stream(datasetKey(ID, "csv"), sha256))).toBe("a,b\n1,2\n");
  });

  test("bytes changed after the put are refused, whole or streamed", async () => {
    const { root, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const { sha256 } = await store.put(key, bytes("weights"));
    writeFileSync(join(root, "iris", "1.0.0.mlsa"), "tampered");
    await expect(store.get(key, sha256)).rejects.toMatchObject({ name: "StorageError", kind: "integrity" });
    await expect(readAll(await store.stream(key, sha256))).rejects.toMatchObject({ kind: "integrity" });
    await expect(store.get(artifactKey("iris", "2.0.0"))).rejects.toMatchObject({ kind: "missing" });
  });

  test("a put in progress is invisible until committed, and a discarded one leaves nothing", async () => {
    const { root, store } = fresh();
    const key = artifactKey("iris", "1.0.0");
    const w = await store.writer(key);
    await w.write(bytes("half"));
    expect(await store.list()).toEqual([]);
    expect(await store.stat(key)).toBeNull();
    await expect(store.get(key)).rejects.toMatchObject({ kind: "missing" });
    await w.discard();
    expect(readdirSync(join(root, "iris"))).toEqual([]);

    const again = await store.writer(key);
    await again.write(bytes("whole"));
    await again.commit();
    expect(await store.list("iris/")).toEqual(["iris/1.0.0.mlsa"]);
    await again.discard();
    expect(existsSync(join(root, "iris", "1.0.0.mlsa"))).toBe(false);
  });

  test("only whitelisted keys reach the folder", async () => {
    const { store } = fresh();
    for (const key of [
      "../escape.mlsa",
      "/etc/passwd",
      "iris/../../x/1.0.0.mlsa",
      ".hidden/1.0.0.mlsa",
      "iris/1.0.0",
      "x.csv",
    ]) {
      expect(() => checkKey(key)).toThrow("not an object key");
      await expect(store.put(key, bytes("x"))).rejects.toThrow("not an object key");
      await expect(store.get(key)).rejects.toThrow("not an object key");
      await expect(store.delete(key)).rejects.toThrow("not an object key");
    }
    expect(() => artifactKey("../x", "1.0.0")).toThrow("invalid model_key");
    expect(() => artifactKey("iris", "1.0")).toThrow("invalid version");
    expect(() => datasetKey("ds_../x", "csv")).toThrow("not a dataset id");
  });

  test("delete is quiet for an absent object; the sweep removes only old unfinished puts", async () => {
    const { root, store } = fresh();
    await store.delete(artifactKey("iris", "1.0.0"));
    mkdirSync(join(root, "iris"));
    const old = join(root, "iris", ".1.0.0.mlsa.0123456789ab.part");
    writeFileSync(old, "crashed");
    utimesSync(old, new Date(0), new Date(0));
    const inProgress = await store.writer(artifactKey("iris", "2.0.0"));
    await inProgress.write(bytes("in progress"));
    await store.put(artifactKey("iris", "3.0.0"), bytes("done"));
    expect(await store.sweepIncomplete(new Date(), 60_000)).toEqual(["iris/.1.0.0.mlsa.0123456789ab.part"]);
    expect(readdirSync(join(root, "iris")).filter((n) => n.endsWith(".part"))).toHaveLength(1);
    expect(await store.list()).toEqual(["iris/3.0.0.mlsa"]);
    await inProgress.discard();
  });
});
