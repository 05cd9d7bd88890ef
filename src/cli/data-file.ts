/**
 * A data file for the CLI (train, predict): CSV (gzip or not), NDJSON or Parquet, streamed from
 * disk through the service's one reader, with the service's limits from the config. A refusal
 * becomes a DataFileError naming the file, row and column.
 */
import { open, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Config } from "../config";
import {
  type CompactColumn,
  type CompactTable,
  type ReadOptions,
  readCompactTable,
  readTable,
  type Table,
} from "../datasets/reader";
import { readOptions } from "../datasets/store";
import { ServiceError } from "../errors";
import { restoreFloat32 } from "../ml/float32-exact";

export class DataFileError extends Error {
  override name = "DataFileError";
}

type ReaderLimits = Pick<Config, "ML_MAX_CSV_COLUMNS" | "ML_MAX_DECOMPRESSED_BYTES">;

export function readDataFile(cwd: string, path: string, config: ReaderLimits): Promise<Table> {
  return readFileWith(cwd, path, config, readTable);
}

/** readDataFile for training: number columns as float32 wherever that loses nothing (readCompactTable). */
export function readTrainingFile(cwd: string, path: string, config: ReaderLimits): Promise<CompactTable> {
  return readFileWith(cwd, path, config, readCompactTable);
}

async function readFileWith<T>(
  cwd: string,
  path: string,
  config: ReaderLimits,
  read: (chunks: AsyncIterable<Uint8Array>, opts: ReadOptions) => Promise<T>,
): Promise<T> {
  try {
    const file = resolve(cwd, path);
    const { size } = await stat(file);
    return await read(fileChunks(file), { ...readOptions(config), expectedBytes: size });
  } catch (e) {
    if (e instanceof ServiceError) throw new DataFileError(`${path}: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new DataFileError(`cannot read ${path}: ${code}`);
    throw e;
  }
}

/**
 * A file's bytes in chunks read into one reused 1 MiB buffer: the reader copies what it keeps, so
 * reading a large file leaves no chunk-sized garbage behind.
 */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path, "r");
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** One column's cells (number, string or null) at `rows`, or undefined when the table lacks it. */
export function cellsAt(
  table: { columns: CompactColumn[] },
  name: string,
  rows: ArrayLike<number>,
): (number | string | null)[] | undefined {
  const col = table.columns.find((c) => c.name === name);
  if (!col) return undefined;
  const out = new Array<number | string | null>(rows.length);
  if (col.type === "float32") {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      out[i] = col.missing?.[r] ? null : restoreFloat32(col.values[col.offset + r * col.stride] as number, col.scale);
    }
  } else if (col.type === "number") {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      out[i] = col.missing[r] ? null : (col.values[r] as number);
    }
  } else {
    for (let i = 0; i < rows.length; i++) {
      const code = col.codes[rows[i] as number] as number;
      out[i] = code < 0 ? null : (col.dictionary[code] as string);
    }
  }
  return out;
}

/** Writes a command's output file (predictions), replacing it. */
export async function writeOutputFile(cwd: string, path: string, text: string): Promise<void> {
  try {
    await writeFile(resolve(cwd, path), text);
  } catch (e) {
    throw new DataFileError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
