/**
 * The ArtifactStore on a local folder: key `a/b.mlsa` is the file `<root>/a/b.mlsa`. A put
 * writes `<dir>/.<name>.<random>.part`, syncs it and renames it over the final name (atomic on
 * one filesystem); names starting with "." are never listed or read as objects.
 */
import { createHash, type Hash } from "node:crypto";
import { constants } from "node:fs";
import { access, type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import {
  type ArtifactStore,
  type ObjectInfo,
  type ObjectWriter,
  StorageError,
  type StoredObject,
  sha256Hex,
  verifiedStream,
} from "../artifact-store";
import { checkKey, isObjectKey } from "../keys";

const INCOMPLETE = /^\.[A-Za-z0-9_.-]+\.part$/;

async function removeIfThere(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
}

export class FsArtifactStore implements ArtifactStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  /** The file of a key; keys are whitelisted, and the result is checked to stay under the root. */
  #path(key: string): string {
    const file = resolve(this.#root, checkKey(key));
    if (!file.startsWith(this.#root + sep)) throw new StorageError("missing", key, `${key} escapes the store`);
    return file;
  }

  async put(key: string, bytes: Uint8Array): Promise<StoredObject> {
    const w = await this.writer(key);
    try {
      await w.write(bytes);
      return await w.commit();
    } catch (e) {
      await w.discard();
      throw e;
    }
  }

  async get(key: string, sha256?: string): Promise<Uint8Array> {
    const file = Bun.file(this.#path(key));
    if (!(await file.exists())) throw new StorageError("missing", key, `${key} is missing`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (sha256 !== undefined && sha256Hex(bytes) !== sha256) {
      throw new StorageError("integrity", key, `${key} fails its sha256 check`);
    }
    return bytes;
  }

  async writer(key: string): Promise<ObjectWriter> {
    const final = this.#path(key);
    await mkdir(dirname(final), { recursive: true });
    const suffix = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex");
    const temp = join(dirname(final), `.${final.slice(dirname(final).length + 1)}.${suffix}.part`);
    return FsWriter.open(key, temp, final);
  }

  async stream(key: string, sha256?: string): Promise<ReadableStream<Uint8Array>> {
    const file = Bun.file(this.#path(key));
    if (!(await file.exists())) throw new StorageError("missing", key, `${key} is missing`);
    const bytes = file.stream() as ReadableStream<Uint8Array>;
    return sha256 === undefined ? bytes : verifiedStream(bytes, key, sha256);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const info = await stat(this.#path(key)).catch(() => null);
    if (!info?.isFile()) return null;
    return { size: info.size, version: `${info.size}:${info.mtimeMs}:${info.ino}` };
  }

  async delete(key: string): Promise<void> {
    await removeIfThere(this.#path(key));
  }

  async list(prefix = ""): Promise<string[]> {
    const names = await readdir(this.#root, { recursive: true }).catch(() => [] as string[]);
    return names
      .map((n) => n.split(sep).join("/"))
      .filter((k) => k.startsWith(prefix) && isObjectKey(k))
      .sort();
  }

  /** The root exists (created when missing, as the first put would) and is writable. */
  async probe(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    await access(this.#root, constants.R_OK | constants.W_OK | constants.X_OK);
  }

  async sweepIncomplete(now: Date, olderThanMs: number): Promise<string[]> {
    const names = await readdir(this.#root, { recursive: true }).catch(() => [] as string[]);
    const removed: string[] = [];
    for (const name of names) {
      const path = join(this.#root, name);
      if (!INCOMPLETE.test(path.slice(dirname(path).length + 1))) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && now.getTime() - info.mtimeMs > olderThanMs) {
        await removeIfThere(path);
        removed.push(relative(this.#root, path).split(sep).join("/"));
      }
    }
    return removed.sort();
  }
}

/** One put in progress: hashed and counted as it is written, renamed into place on commit. */
class FsWriter implements ObjectWriter {
  size = 0;
  readonly #hash: Hash = createHash("sha256");
  #handle: FileHandle | undefined;
  #sha256: string | undefined;
  #discarded = false;
  #committed = false;

  private constructor(
    readonly key: string,
    readonly temp: string,
    readonly final: string,
  ) {}

  static async open(key: string, temp: string, final: string): Promise<FsWriter> {
    const w = new FsWriter(key, temp, final);
    w.#handle = await open(temp, "wx", 0o640);
    return w;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#handle) throw new Error(`the write of ${this.key} is closed`);
    this.#hash.update(bytes);
    this.size += bytes.length;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  async close(): Promise<string> {
    if (this.#handle) {
      const handle = this.#handle;
      this.#handle = undefined;
      await handle.sync();
      await handle.close();
      this.#sha256 = this.#hash.digest("hex");
    }
    if (this.#discarded || !this.#sha256) throw new Error(`the write of ${this.key} was discarded`);
    return this.#sha256;
  }

  async commit(): Promise<StoredObject> {
    const sha256 = await this.close();
    await rename(this.temp, this.final);
    this.#committed = true;
    return { key: this.key, size: this.size, sha256 };
  }

  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#discarded = true;
    await handle?.close().catch(() => {});
    await removeIfThere(this.temp);
    if (this.#committed) await removeIfThere(this.final);
    this.#committed = false;
  }
}
