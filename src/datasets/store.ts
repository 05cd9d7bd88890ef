/**
 * Datasets: CSV, NDJSON and Parquet uploads (checked as they stream in) and JSON training rows,
 * stored as `<id>.<csv|ndjson|parquet|json>` in the dataset store (files.ts) with a row in
 * `datasets`; each save of a name is its next version. A failed save leaves neither a row nor a file. No HTTP here: a refusal is a
 * ServiceError naming the status a route answers with.
 */
import { sql } from "kysely";
import { ServiceError } from "../errors";
import type { Actor } from "../registry/ownership";
import { StorageError } from "../storage/artifact-store";
import { type Dataset, type DatasetDeps, datasetForUser, getDataset, toDataset } from "./catalog";
import { csvRefusal, MAX_EMPTY_SHARE, MIN_DATA_ROWS } from "./csv-check";
import { type DatasetFormat, readDatasetFile, type StagedFile, stageFile } from "./files";
import { streamChunks } from "./multipart";
import { chunksOfBytes, type ReadOptions, readTable, scanTable, type Table, tableRows } from "./reader";
import { ColumnProfiler, type DatasetProfile, datasetProfile } from "./reader/profile";
import { storedFormat } from "./stored-format";

export * from "./catalog";

export type Cell = string | number | boolean | null;
export interface DatasetRows {
  columns: string[];
  rows: Record<string, Cell>[];
}

/** Bytes of an upload: a request body, a multipart file part, a Uint8Array or a string. */
export type UploadSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array | string;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const NAME_RULE = "1 to 64 of A-Z a-z 0-9 _ . -, not starting with . or -";

/** A file name made into a dataset name: last path segment, no extension, [A-Za-z0-9_.-], ≤ 64. */
export function sanitizeDatasetName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const stem = base.includes(".") ? base.slice(0, base.lastIndexOf(".")) : base;
  const clean = stem
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^[.-]+/, "")
    .slice(0, 64);
  return clean || "dataset";
}

/** An explicit name must already be clean (a 422 otherwise); else one comes from the file name. */
export function resolveDatasetName(name: string | undefined, originalFilename: string | undefined): string {
  const given = name?.trim();
  if (given) {
    if (!NAME.test(given)) {
      throw new ServiceError(422, "validation_failed", `name: expected ${NAME_RULE}`, [
        { path: "name", message: NAME_RULE },
      ]);
    }
    return given;
  }
  return sanitizeDatasetName(originalFilename ?? "");
}

/** Only the last segment is kept, printable, ≤ 255 characters: it is shown, never used as a path. */
const cleanFilename = (f: string | undefined) =>
  f === undefined ? null : (f.split(/[\\/]/).pop() ?? "").replace(/\p{Cc}/gu, "").slice(0, 255) || null;

async function* chunksOf(source: UploadSource): AsyncGenerator<Uint8Array> {
  if (typeof source === "string") yield new TextEncoder().encode(source);
  else if (source instanceof Uint8Array) yield source;
  else if (source instanceof ReadableStream) yield* streamChunks(source);
  else yield* source;
}

/** An upload written to a temp file and found valid; `save` records it, `file.discard()` drops it. */
export interface StagedUpload {
  file: StagedFile;
  columns: string[];
  rowCount: number;
  profile: DatasetProfile;
}

/** The reader's limits from the settings. */
export const readOptions = (
  config: Pick<DatasetDeps["config"], "ML_MAX_CSV_COLUMNS" | "ML_MAX_DECOMPRESSED_BYTES">,
): ReadOptions => ({
  maxColumns: config.ML_MAX_CSV_COLUMNS,
  maxDecompressedBytes: config.ML_MAX_DECOMPRESSED_BYTES,
});

/** bytes looked at to tell an upload's format (stored-format.ts), however small the chunks come */
const PEEK_BYTES = 4096;

/** The first PEEK_BYTES or so (undefined for no bytes at all), and every chunk again from the start. */
async function peek(chunks: AsyncGenerator<Uint8Array>) {
  const seen: Uint8Array[] = [];
  let size = 0;
  while (size < PEEK_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    seen.push(next.value);
    size += next.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* seen;
    yield* chunks;
  }
  return { head: size > 0 ? Buffer.concat(seen) : undefined, chunks: all() };
}

/**
 * Streams an upload (CSV, NDJSON or Parquet, each optionally gzip-compressed) to a temp file in
 * its own format (stored-format.ts) while reading it (reader/): over ML_MAX_CSV_UPLOAD_BYTES is a
 * 413 as soon as the limit is passed; a broken rule is a 422 naming row and column. Only
 * per-column counts are kept (profile.ts), so memory stays bounded whatever the size (a Parquet
 * file, whose index is at its end, is read whole, so within the upload limit). On any failure
 * the temp file is gone before the error leaves.
 */
export async function stageUpload(deps: DatasetDeps, source: UploadSource): Promise<StagedUpload> {
  const limit = deps.config.ML_MAX_CSV_UPLOAD_BYTES;
  const { head, chunks } = await peek(chunksOf(source));
  const file = await stageFile(deps.config, head ? storedFormat(head) : "csv");
  async function* stored(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      if (file.size + chunk.length > limit) {
        const why = `the upload is over ${limit} bytes (ML_MAX_CSV_UPLOAD_BYTES)`;
        throw new ServiceError(413, "payload_too_large", why, { limit_bytes: limit });
      }
      await file.write(chunk);
      yield chunk;
    }
  }
  try {
    const scan = await scanTable(stored(), readOptions(deps.config), (name) => new ColumnProfiler(name));
    const profile = datasetProfile(scan);
    checkCells(profile);
    await file.close();
    return { file, columns: profile.columns.map((c) => c.name), rowCount: profile.rows, profile };
  } catch (e) {
    await file.discard();
    await chunks.return(undefined);
    throw e;
  }
}

/** The rules that need the whole table: enough rows, not mostly missing cells. */
function checkCells(profile: DatasetProfile): void {
  const { rows, columns } = profile;
  if (rows < MIN_DATA_ROWS) {
    throw csvRefusal(
      `expected at least ${MIN_DATA_ROWS} data rows after the header; found ${rows}`,
      { row: rows + 1 },
      { row_count: rows, min_rows: MIN_DATA_ROWS },
    );
  }
  const missing = columns.reduce((s, c) => s + c.missing, 0);
  const cells = rows * columns.length;
  if (missing / cells > MAX_EMPTY_SHARE) {
    const worst = columns.reduce((w, c, j) => (c.missing > (columns[w] as { missing: number }).missing ? j : w), 0);
    const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
    const worstShare = Math.round(((columns[worst]?.missing ?? 0) / rows) * 1000) / 1000;
    throw csvRefusal(
      `${pct(missing / cells)} of the cells are empty or missing (at most ${pct(MAX_EMPTY_SHARE)} allowed); ` +
        `the emptiest column is ${worst + 1} "${columns[worst]?.name}" at ${pct(worstShare)}`,
      { column: worst + 1, column_name: columns[worst]?.name ?? null },
      {
        empty_share: Math.round((missing / cells) * 1000) / 1000,
        max_empty_share: MAX_EMPTY_SHARE,
        column_empty_share: worstShare,
      },
    );
  }
}

export interface DatasetMeta {
  /** explicit name (checked) or undefined for one made from originalFilename */
  name?: string | undefined;
  originalFilename?: string | undefined;
  createdBy: number | null;
}

/** Renames a staged file into place and records it as the next version of its name. */
async function record(
  deps: DatasetDeps,
  file: StagedFile,
  meta: DatasetMeta & { format: DatasetFormat; columns: string[]; rowCount: number; profile?: DatasetProfile },
): Promise<Dataset> {
  try {
    const name = resolveDatasetName(meta.name, meta.originalFilename);
    const { sha256 } = await file.commit();
    // one statement: SQLite serialises writers, so two saves of a name cannot take the same version
    const row = await deps.db
      .insertInto("datasets")
      .values({
        id: file.id,
        name,
        version: sql<number>`(select coalesce(max(version), 0) + 1 from datasets where name = ${name})`,
        format: meta.format,
        original_filename: cleanFilename(meta.originalFilename),
        columns: JSON.stringify(meta.columns),
        row_count: meta.rowCount,
        size_bytes: file.size,
        sha256,
        created_by: meta.createdBy,
        created_at: deps.now().toISOString(),
        last_used_at: null,
        profile: meta.profile ? JSON.stringify(meta.profile) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDataset(row);
  } catch (e) {
    await file.discard();
    throw e;
  }
}

/** Records a staged upload (see stageUpload) in its format; the staged file is dropped if that fails. */
export function saveStagedUpload(deps: DatasetDeps, staged: StagedUpload, meta: DatasetMeta): Promise<Dataset> {
  return record(deps, staged.file, {
    ...meta,
    format: staged.file.format,
    columns: staged.columns,
    rowCount: staged.rowCount,
    profile: staged.profile,
  });
}

/**
 * Checks and stores an uploaded CSV, NDJSON or Parquet file as the next version of its name.
 * @example
 * const ds = await saveUploadedDataset(deps, { originalFilename: "iris.csv", source: req.body, createdBy: 1 });
 * // ds.name === "iris", ds.version === 1, ds.id === "ds_…", ds.format === "csv"
 */
export async function saveUploadedDataset(
  deps: DatasetDeps,
  input: DatasetMeta & { source: UploadSource },
): Promise<Dataset> {
  return saveStagedUpload(deps, await stageUpload(deps, input.source), input);
}

/**
 * Stores training rows sent as JSON (`items`) so that retraining can reuse them. Values must
 * be strings, finite numbers, booleans or null (undefined keys are dropped); columns are the
 * union of the rows' keys in first-seen order.
 */
export async function saveJsonDataset(
  deps: DatasetDeps,
  input: { name: string; rows: readonly Record<string, unknown>[]; createdBy: number | null },
): Promise<Dataset> {
  if (input.rows.length === 0) throw csvRefusal("no rows to store", { row: 1 });
  const columns = new Map<string, number>();
  const rows = input.rows.map((raw, i) => {
    const row: Record<string, Cell> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      const ok =
        value === null ||
        typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value));
      if (!ok) {
        throw csvRefusal(`row ${i + 1}, "${key}": expected a string, finite number, boolean or null`, {
          row: i + 1,
          column_name: key,
        });
      }
      if (!columns.has(key)) columns.set(key, columns.size + 1);
      row[key] = value as Cell;
    }
    return row;
  });
  const file = await stageFile(deps.config, "json");
  try {
    await file.write(new TextEncoder().encode(JSON.stringify(rows)));
  } catch (e) {
    await file.discard();
    throw e;
  }
  return record(deps, file, {
    name: input.name,
    createdBy: input.createdBy,
    format: "json",
    columns: [...columns.keys()],
    rowCount: rows.length,
  });
}

async function datasetBytes(deps: DatasetDeps, ds: Dataset): Promise<Uint8Array> {
  try {
    return await readDatasetFile(deps.config, ds.id, ds.format, ds.sha256);
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    if (e.kind === "unavailable")
      throw new ServiceError(503, "not_ready", `the file of dataset ${ds.id} cannot be read now: ${e.message}`, null, {
        "Retry-After": "5",
      });
    const what = e.kind === "missing" ? "is missing from ML_DATASETS_ROOT" : "fails its sha256 check";
    throw new ServiceError(500, "internal", `the file of dataset ${ds.id} ${what}`);
  }
}

async function readRows(deps: DatasetDeps, ds: Dataset, max = Number.POSITIVE_INFINITY): Promise<DatasetRows> {
  const bytes = await datasetBytes(deps, ds);
  if (ds.format === "json") {
    const rows = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, Cell>[];
    return { columns: ds.columns, rows: rows.slice(0, max) };
  }
  return { columns: ds.columns, rows: tableRows(await tableOf(deps, bytes), max) };
}

/** A stored upload read into typed columns (numbers, with missing tokens missing; other columns as text). */
function tableOf(deps: DatasetDeps, bytes: Uint8Array): Promise<Table> {
  return readTable(chunksOfBytes(bytes), readOptions(deps.config));
}

/**
 * A dataset's typed columns, for batch scoring; marks it used. No permission check: a request
 * resolves the id with datasetForUser first.
 */
export async function loadDatasetTable(deps: DatasetDeps, id: string): Promise<Table> {
  const ds = await getDataset(deps, id);
  const bytes = await datasetBytes(deps, ds);
  await deps.db.updateTable("datasets").set({ last_used_at: deps.now().toISOString() }).where("id", "=", id).execute();
  if (ds.format === "json") {
    const rows = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, Cell>[];
    const lines = rows.map((r) => JSON.stringify(r)).join("\n");
    return readTable(chunksOfBytes(new TextEncoder().encode(lines)), readOptions(deps.config));
  }
  return tableOf(deps, bytes);
}

/**
 * All rows of a dataset, for training; marks it used (which restarts its TTL). No permission
 * check (workers run it for the system): a request resolves the id with datasetForUser first.
 */
export async function loadDatasetRows(deps: DatasetDeps, id: string): Promise<DatasetRows> {
  const ds = await getDataset(deps, id);
  const rows = await readRows(deps, ds);
  await deps.db.updateTable("datasets").set({ last_used_at: deps.now().toISOString() }).where("id", "=", id).execute();
  return rows;
}

/** The first rows, typed from those rows alone, for its uploader or an admin; does not count as use. */
export async function previewDataset(deps: DatasetDeps, actor: Actor, id: string, limit = 20): Promise<DatasetRows> {
  return readRows(deps, await datasetForUser(deps, actor, id), limit);
}

/** A dataset's stored file as uploaded, for its uploader or an admin; does not count as use. */
export async function datasetFile(
  deps: DatasetDeps,
  actor: Actor,
  id: string,
): Promise<{ dataset: Dataset; bytes: Uint8Array }> {
  const dataset = await datasetForUser(deps, actor, id);
  return { dataset, bytes: await datasetBytes(deps, dataset) };
}
