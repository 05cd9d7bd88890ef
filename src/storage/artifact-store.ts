/**
 * Where artifacts and datasets live: one small interface, one folder per implementation
 * (fs/ now; an S3 store is one more folder behind the same interface, chosen in open.ts).
 *
 * Every key passes the whitelist in keys.ts. A put is invisible until complete: it is written
 * under a temporary name and appears under its key only when all bytes are stored, so a
 * reader or `list` never sees half an object. A read given the sha256 recorded at write time
 * refuses bytes that do not match it.
 *
 * @example
 * const { sha256 } = await store.put(artifactKey("iris", "1.0.0"), bytes);
 * const same = await store.get(artifactKey("iris", "1.0.0"), sha256);
 */

/** What a completed put stored. */
export interface StoredObject {
  key: string;
  size: number;
  /** hex sha256 of the bytes */
  sha256: string;
}

/** What an object looks like now, without reading it: `version` changes whenever its bytes may have. */
export interface ObjectInfo {
  size: number;
  version: string;
}

/**
 * A put in progress (streaming). Bytes go to a temporary object; `commit` makes it visible
 * under its key; `discard` undoes the put, removing what it wrote even after a commit
 * (safe to call twice).
 */
export interface ObjectWriter {
  readonly key: string;
  /** bytes written so far */
  readonly size: number;
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the writing; the sha256 of what was written. */
  close(): Promise<string>;
  commit(): Promise<StoredObject>;
  discard(): Promise<void>;
}

/** missing: absent; integrity: bytes fail their sha256; unavailable: the store did not answer (transient) */
export type StorageErrorKind = "missing" | "integrity" | "unavailable";

/** An operation that cannot give the object: absent, its bytes fail the sha256 check, or the store is down. */
export class StorageError extends Error {
  override name = "StorageError";
  constructor(
    readonly kind: StorageErrorKind,
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ArtifactStore {
  /** Stores the bytes under `key`, replacing any object there, atomically. */
  put(key: string, bytes: Uint8Array): Promise<StoredObject>;
  /** The whole object; with `sha256`, refused (StorageError "integrity") unless the bytes match. */
  get(key: string, sha256?: string): Promise<Uint8Array>;
  /** Streaming put: write, then commit. */
  writer(key: string): Promise<ObjectWriter>;
  /** Streaming get; with `sha256`, the stream errors at its end (before closing) unless the bytes match. */
  stream(key: string, sha256?: string): Promise<ReadableStream<Uint8Array>>;
  /** Size and version, or null when absent. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Removes the object; an absent one is not an error. */
  delete(key: string): Promise<void>;
  /** Complete objects whose key starts with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
  /** Removes temporary objects of puts that never completed (a crash mid-write), older than `olderThanMs`. */
  sweepIncomplete(now: Date, olderThanMs: number): Promise<string[]>;
  /** Resolves when the store can be read and written now (readiness probe); rejects with why not. */
  probe(): Promise<void>;
}

/** Hex sha256 of some bytes: what every store records and checks. */
export const sha256Hex = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/**
 * Passes a stream through, hashing it; errors the stream at its end when the sha256 differs,
 * so a consumer never finishes reading changed bytes as if they were good.
 */
export function verifiedStream(
  source: ReadableStream<Uint8Array>,
  key: string,
  sha256: string,
): ReadableStream<Uint8Array> {
  const hash = new Bun.CryptoHasher("sha256");
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        hash.update(chunk);
        out.enqueue(chunk);
      },
      flush(out) {
        if (hash.digest("hex") !== sha256)
          out.error(new StorageError("integrity", key, `${key} fails its sha256 check`));
      },
    }),
  );
}
