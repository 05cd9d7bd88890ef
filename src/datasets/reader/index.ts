/**
 * The one data reader: CSV (optionally gzip-compressed), NDJSON or Parquet bytes → a Table of
 * typed columns. Used by uploads, training, batch scoring and the CLI. The format is told by
 * the bytes (gzip and Parquet magic numbers, a leading `{`), else CSV.
 */
import { csvRefusal } from "../csv-check";
import { type CellSink, ColumnBuilder } from "./cells";
import { CompactColumnBuilder, type CompactTable } from "./compact";
import { CsvColumns } from "./csv";
import { NdjsonColumns } from "./ndjson";
import { readParquet } from "./parquet";
import { RowBlock } from "./row-block";
import type { Scan, Table, TableFormat } from "./table";

export type { CompactColumn, CompactTable, Float32Column } from "./compact";
export * from "./table";

export interface ReadOptions {
  /** ML_MAX_CSV_COLUMNS */
  maxColumns: number;
  /** a gzip file is refused once it decompresses past this many bytes */
  maxDecompressedBytes: number;
  /** the source's size in bytes when known (a file): a CSV's columns are then sized once, not grown */
  expectedBytes?: number;
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isParquet = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;

/** What the first bytes say the data is; a BOM and spaces are skipped before looking for `{`. */
export function sniffFormat(first: Uint8Array): TableFormat {
  if (isParquet(first)) return "parquet";
  let i = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  while (i < first.length && (first[i] === 0x20 || first[i] === 0x0a || first[i] === 0x0d || first[i] === 0x09)) i++;
  return first[i] === 0x7b ? "ndjson" : "csv";
}

async function* gunzip(chunks: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  const compressed = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const n = await it.next();
      if (n.done) ctrl.close();
      else ctrl.enqueue(n.value.slice());
    },
  });
  const stream = compressed.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (e) {
        throw csvRefusal(`the gzip data is damaged: ${(e as Error).message}`, {}, { problem: "bad_gzip" });
      }
      if (next.done) return;
      total += next.value.length;
      if (total > limit) {
        throw csvRefusal(
          `the gzip file decompresses past ${limit} bytes (the limit on uncompressed data)`,
          {},
          { problem: "decompressed_too_large", limit_bytes: limit },
        );
      }
      yield next.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * Reads a whole table from chunks of bytes into typed columns. A chunk need only stay intact until
 * the next one is asked for (a source may read a file into one reused buffer): whatever the
 * readers keep beyond that, they copy.
 */
export async function readTable(source: AsyncIterable<Uint8Array>, opts: ReadOptions): Promise<Table> {
  const { sinks, ...scan } = await scanTable(source, opts, (name) => new ColumnBuilder(name));
  return { ...scan, columns: sinks.map((b) => b.finish()) };
}

/**
 * readTable for the training loader: number columns as float32 wherever every value restores
 * exactly (compact.ts), row-major in one block that can become the network's matrix in place, so
 * a file's columns take about half the memory and train the same model.
 */
export async function readCompactTable(source: AsyncIterable<Uint8Array>, opts: ReadOptions): Promise<CompactTable> {
  const block = new RowBlock();
  const { sinks, ...scan } = await scanTable(source, opts, (name) => new CompactColumnBuilder(name, block));
  return { ...scan, columns: sinks.map((b) => b.finish()) };
}

/** Reads chunks of bytes, handing each column's cells to its own sink from `make`. */
export async function scanTable<S extends CellSink>(
  source: AsyncIterable<Uint8Array>,
  opts: ReadOptions,
  make: (name: string) => S,
): Promise<Scan<S>> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) throw csvRefusal("the file is empty: expected a header row and data rows", {});
  const head = first.value;
  const rest: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    },
  };
  if (isGzip(head)) {
    const { expectedBytes: _compressed, ...plain } = opts;
    const scan = await scanTable(gunzip(rest, opts.maxDecompressedBytes), plain, make);
    return { ...scan, gzip: true };
  }
  const format = sniffFormat(head);
  if (format === "parquet") {
    const parts: Uint8Array[] = [];
    for await (const c of rest) parts.push(c.slice());
    return readParquet(Buffer.concat(parts), opts, make);
  }
  const reader = format === "ndjson" ? new NdjsonColumns(opts, make) : new CsvColumns(opts, make);
  for await (const c of rest) reader.push(c);
  return reader.end();
}

/** A whole CSV already in memory, read at once (tests, benches, small files). */
export function readCsvBytes(bytes: Uint8Array, opts: Pick<ReadOptions, "maxColumns">): Table {
  const reader = new CsvColumns(opts, (name) => new ColumnBuilder(name));
  reader.push(bytes);
  const { sinks, ...scan } = reader.end();
  return { ...scan, columns: sinks.map((b) => b.finish()) };
}

/** A whole buffer as one chunk (tests, files read at once). */
export async function* chunksOfBytes(bytes: Uint8Array, size = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
