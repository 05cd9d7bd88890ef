/**
 * The ArtifactStore on an S3-compatible object store (AWS S3, MinIO, …) through Bun's built-in
 * S3 client: key `a/b.mlsa` is the object `<prefix>a/b.mlsa` in the bucket.
 *
 * Visibility: a whole-bytes `put` is one PUT, which S3 makes visible only when complete. A
 * streaming `writer` uploads (multipart past 5 MB) to `<prefix>.incomplete/<key>.<random>.part`,
 * which `list` never shows and no key can name; `commit` copies it to its key (again visible
 * only when complete) and removes the temporary object; `sweepIncomplete` removes temporary
 * objects a crashed writer left. Reads given a sha256 refuse bytes that do not match it.
 */
import { createHash, type Hash } from "node:crypto";
import { S3Client, type S3File, type S3Options } from "bun";
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

const INCOMPLETE = ".incomplete/";
/** multipart part size: S3's minimum, so a streaming upload holds at most a few parts in memory */
const PART_SIZE = 5 * 1024 * 1024;

export interface S3StoreOptions {
  bucket: string;
  /** an operation (not a stream) unanswered after this long is a StorageError "unavailable"; default 30 s */
  timeoutMs?: number | undefined;
  /** "" or ending in "/" */
  prefix: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

/**
 * Runs one S3 call: "not there" stays as it is for the caller to judge; a refused connection,
 * a 5xx or no answer within `timeoutMs` becomes StorageError "unavailable" (transient: the
 * caller answers 503 with Retry-After), so no request waits on a dead store forever.
 */
async function call<T>(key: string, timeoutMs: number, op: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageError("unavailable", key, `the object store did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([op(), late]);
  } catch (e) {
    if (e instanceof StorageError || isMissing(e) || isRefusal(e)) throw e;
    throw new StorageError("unavailable", key, `the object store is unavailable: ${describe(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** An answer that is about the request (credentials, bucket), not about the store being down. */
function isRefusal(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? "";
  return /^(AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|NoSuchBucket|InvalidBucketName)$/.test(code);
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return [err?.code, err?.message].filter(Boolean).join(": ") || String(e);
}

/** True when S3 (or Bun's client) says the object is not there. */
function isMissing(e: unknown): boolean {
  const err = e as { code?: string; name?: string; message?: string };
  return (
    err?.code === "NoSuchKey" ||
    err?.code === "ERR_S3_FILE_NOT_FOUND" ||
    /NoSuchKey|not found/i.test(String(err?.message))
  );
}

export class S3ArtifactStore implements ArtifactStore {
  readonly #client: S3Client;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(o: S3StoreOptions) {
    const options: S3Options = { bucket: o.bucket };
    if (o.endpoint) options.endpoint = o.endpoint;
    if (o.region) options.region = o.region;
    if (o.accessKeyId) options.accessKeyId = o.accessKeyId;
    if (o.secretAccessKey) options.secretAccessKey = o.secretAccessKey;
    this.#client = new S3Client(options);
    this.#prefix = o.prefix;
    this.#timeoutMs = o.timeoutMs ?? 30_000;
  }

  #call<T>(key: string, op: () => Promise<T>): Promise<T> {
    return call(key, this.#timeoutMs, op);
  }

  #file(key: string): S3File {
    return this.#client.file(this.#prefix + checkKey(key));
  }

  async put(key: string, bytes: Uint8Array): Promise<StoredObject> {
    const file = this.#file(key);
    await this.#call(key, () => file.write(bytes));
    return { key, size: bytes.length, sha256: sha256Hex(bytes) };
  }

  async get(key: string, sha256?: string): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      const file = this.#file(key);
      bytes = await this.#call(key, () => file.bytes());
    } catch (e) {
      if (isMissing(e)) throw new StorageError("missing", key, `${key} is missing`);
      throw e;
    }
    if (sha256 !== undefined && sha256Hex(bytes) !== sha256) {
      throw new StorageError("integrity", key, `${key} fails its sha256 check`);
    }
    return bytes;
  }

  async writer(key: string): Promise<ObjectWriter> {
    checkKey(key);
    const suffix = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex");
    const temp = this.#client.file(`${this.#prefix}${INCOMPLETE}${key}.${suffix}.part`);
    return new S3Writer(key, temp, this.#file(key));
  }

  async stream(key: string, sha256?: string): Promise<ReadableStream<Uint8Array>> {
    const file = this.#file(key);
    if (!(await this.#call(key, () => file.exists()))) throw new StorageError("missing", key, `${key} is missing`);
    const bytes = file.stream() as ReadableStream<Uint8Array>;
    return sha256 === undefined ? bytes : verifiedStream(bytes, key, sha256);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const file = this.#file(key);
      const info = await this.#call(key, () => file.stat());
      return { size: info.size, version: `${info.etag}:${info.lastModified.getTime()}` };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.#file(key);
    await this.#call(key, () => file.delete());
  }

  /** Every object under `prefix` (in pages of 1,000), keys relative to the store's prefix. */
  async #listRaw(prefix: string): Promise<{ key: string; lastModified: Date | undefined }[]> {
    const out: { key: string; lastModified: Date | undefined }[] = [];
    let continuationToken: string | undefined;
    do {
      const token = continuationToken;
      const page = await this.#call(prefix, () =>
        this.#client.list({
          prefix: this.#prefix + prefix,
          maxKeys: 1000,
          ...(token ? { continuationToken: token } : {}),
        }),
      );
      for (const o of page.contents ?? []) {
        const lastModified = o.lastModified === undefined ? undefined : new Date(o.lastModified);
        out.push({ key: o.key.slice(this.#prefix.length), lastModified });
      }
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
    return out;
  }

  async list(prefix = ""): Promise<string[]> {
    const objects = await this.#listRaw(prefix);
    return objects
      .map((o) => o.key)
      .filter(isObjectKey)
      .sort();
  }

  /**
   * The bucket answers a listing with these credentials (no write: /readyz calls this often).
   * It lists a prefix no object has, so the answer is one small page whatever the bucket holds.
   */
  async probe(): Promise<void> {
    await this.#call(".probe/", () => this.#client.list({ prefix: `${this.#prefix}.probe/`, maxKeys: 1 }));
  }

  async sweepIncomplete(now: Date, olderThanMs: number): Promise<string[]> {
    const removed: string[] = [];
    for (const o of await this.#listRaw(INCOMPLETE)) {
      if (!o.key.endsWith(".part") || !o.lastModified) continue;
      if (now.getTime() - o.lastModified.getTime() <= olderThanMs) continue;
      await this.#client.delete(this.#prefix + o.key);
      removed.push(o.key);
    }
    return removed.sort();
  }
}

/** One streaming put: hashed and counted as written, multipart-uploaded to a temporary object. */
class S3Writer implements ObjectWriter {
  size = 0;
  readonly #hash: Hash = createHash("sha256");
  #sink: ReturnType<S3File["writer"]> | undefined;
  #sha256: string | undefined;
  #discarded = false;
  #committed = false;

  constructor(
    readonly key: string,
    readonly temp: S3File,
    readonly final: S3File,
  ) {
    this.#sink = temp.writer({ partSize: PART_SIZE, queueSize: 2, retry: 2 });
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#sink) throw new Error(`the write of ${this.key} is closed`);
    this.#hash.update(bytes);
    this.size += bytes.length;
    await this.#sink.write(bytes);
  }

  async close(): Promise<string> {
    if (this.#sink) {
      const sink = this.#sink;
      this.#sink = undefined;
      // an empty upload still creates the (empty) temporary object
      if (this.size === 0) await this.temp.write(new Uint8Array(0));
      else await sink.end();
      this.#sha256 = this.#hash.digest("hex");
    }
    if (this.#discarded || !this.#sha256) throw new Error(`the write of ${this.key} was discarded`);
    return this.#sha256;
  }

  async commit(): Promise<StoredObject> {
    const sha256 = await this.close();
    await this.final.write(this.temp);
    this.#committed = true;
    await this.temp.delete();
    return { key: this.key, size: this.size, sha256 };
  }

  async discard(): Promise<void> {
    const sink = this.#sink;
    this.#sink = undefined;
    this.#discarded = true;
    if (sink) await Promise.resolve(sink.end(new Error("discarded"))).catch(() => {});
    await this.temp.delete().catch(() => {});
    if (this.#committed) await this.final.delete().catch(() => {});
    this.#committed = false;
  }
}
