/**
 * Where dataset files live: `<ML_DATASETS_ROOT>/<id>.<format>`, with an id the service
 * generated (`ds_` + 32 hex digits). No client-given name ever becomes part of a path; an id
 * from a URL is checked against the same pattern before it is joined. Files are written to a
 * hidden temp name and renamed into place, so a reader never sees half a file.
 */
import { createHash, type Hash } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";

export type DatasetFormat = "csv" | "json";

export const DATASET_ID = /^ds_[0-9a-f]{32}$/;

export function newDatasetId(): string {
  return `ds_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")}`;
}

export function datasetPath(root: string, id: string, format: DatasetFormat): string {
  if (!DATASET_ID.test(id)) throw new Error(`not a dataset id: ${JSON.stringify(id)}`);
  return join(resolve(root), `${id}.${format}`);
}

const TEMP_SUFFIX = ".part";
const tempPath = (root: string, id: string, format: DatasetFormat) =>
  join(resolve(root), `.${id}.${format}${TEMP_SUFFIX}`);

/** Removes a file if it is there. */
export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
}

/**
 * A file being written under a temp name, hashed and counted as it goes. `commit` renames it
 * to its final name; `discard` removes whatever exists, and is safe to call twice.
 */
export class StagedFile {
  sizeBytes = 0;
  readonly #hash: Hash = createHash("sha256");
  readonly #temp: string;
  readonly #final: string;
  #handle: FileHandle | undefined;
  #sha256: string | undefined;
  #discarded = false;

  private constructor(
    readonly id: string,
    readonly format: DatasetFormat,
    root: string,
  ) {
    this.#temp = tempPath(root, id, format);
    this.#final = datasetPath(root, id, format);
  }

  static async create(root: string, format: DatasetFormat): Promise<StagedFile> {
    await mkdir(resolve(root), { recursive: true });
    const file = new StagedFile(newDatasetId(), format, root);
    file.#handle = await open(file.#temp, "wx", 0o640);
    return file;
  }

  get path(): string {
    return this.#final;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#handle) throw new Error("the staged file is closed");
    this.#hash.update(bytes);
    this.sizeBytes += bytes.length;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  /** Flushes and closes the temp file; its sha256 (hex). */
  async close(): Promise<string> {
    if (this.#handle) {
      const handle = this.#handle;
      this.#handle = undefined;
      await handle.sync();
      await handle.close();
      this.#sha256 = this.#hash.digest("hex");
    }
    if (this.#discarded || !this.#sha256) throw new Error("the staged file was discarded");
    return this.#sha256;
  }

  async commit(): Promise<void> {
    await this.close();
    await rename(this.#temp, this.#final);
  }

  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#discarded = true;
    await handle?.close().catch(() => {});
    await removeFile(this.#temp);
    await removeFile(this.#final);
  }
}

/** Temp files older than `olderThanMs` (left by a crash mid-upload); removed, returned by name. */
export async function removeStaleTempFiles(root: string, now: Date, olderThanMs: number): Promise<string[]> {
  const dir = resolve(root);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!/^\.ds_[0-9a-f]{32}\.(csv|json)\.part$/.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now.getTime() - info.mtimeMs > olderThanMs) {
      await removeFile(path);
      removed.push(name);
    }
  }
  return removed;
}
