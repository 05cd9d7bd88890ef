/**
 * Parquet into columns, through hyparquet (which needs the whole file in memory, so uploads
 * of Parquet are bounded by the upload limit). Flat columns of numbers, strings, booleans,
 * dates and timestamps are read; a nested column (list, map, struct) or a binary one is a 422
 * naming it.
 */
import { parquetMetadata, parquetRead } from "hyparquet";
import { csvRefusal } from "../csv-check";
import type { CellSink } from "./cells";
import type { Scan } from "./table";

interface Chunk {
  rowStart: number;
  data: ArrayLike<unknown>;
}

export async function readParquet<S extends CellSink>(
  bytes: Uint8Array,
  opts: { maxColumns: number },
  make: (name: string) => S,
): Promise<Scan<S>> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(file);
  } catch (e) {
    throw csvRefusal(`not a readable Parquet file: ${(e as Error).message}`, {});
  }
  const [, ...schema] = metadata.schema;
  const names: string[] = [];
  for (let k = 0; k < schema.length; k++) {
    const el = schema[k];
    if (!el) break;
    if (el.num_children) {
      throw csvRefusal(
        `Parquet column "${el.name}" is nested (a list, map or struct): only flat columns are read`,
        {
          column: names.length + 1,
          column_name: el.name,
        },
        { problem: "unsupported_type" },
      );
    }
    names.push(el.name);
  }
  if (names.length > opts.maxColumns)
    throw csvRefusal(`the file has ${names.length} columns; at most ${opts.maxColumns} are allowed`, { row: 0 });
  const chunks = new Map<string, Chunk[]>(names.map((n) => [n, []]));
  try {
    await parquetRead({
      file,
      metadata,
      onChunk: (c) =>
        chunks.get(c.columnName)?.push({ rowStart: c.rowStart, data: c.columnData as ArrayLike<unknown> }),
    });
  } catch (e) {
    throw csvRefusal(`the Parquet file cannot be read: ${(e as Error).message}`, {});
  }
  const rows = Number(metadata.num_rows);
  // every sink made and sized before the first cell: sinks that share storage (compact.ts) then share it
  const columns = names.map((name) => make(name));
  for (const b of columns) b.reserve?.(rows);
  columns.forEach((b, j) => {
    const parts = (chunks.get(names[j] as string) as Chunk[]).sort((a, c) => a.rowStart - c.rowStart);
    for (const part of parts) {
      for (let i = 0; i < part.data.length; i++) addValue(b, part.data[i], part.rowStart + i + 1, j);
    }
  });
  return { format: "parquet", delimiter: null, gzip: false, rows, sinks: columns };
}

function addValue(b: CellSink, v: unknown, row: number, j: number): void {
  if (v === null || v === undefined) b.addMissing();
  else if (typeof v === "number") b.addNumber(v);
  else if (typeof v === "bigint") b.addNumber(Number(v));
  else if (typeof v === "string") b.addText(v);
  else if (typeof v === "boolean") b.addText(String(v));
  else if (v instanceof Date) b.addText(v.toISOString());
  else {
    const what = v instanceof Uint8Array ? "binary" : Array.isArray(v) ? "a list" : "an object";
    throw csvRefusal(
      `row ${row}, Parquet column "${b.name}" holds ${what}: an unsupported type`,
      {
        row,
        column: j + 1,
        column_name: b.name,
      },
      { problem: "unsupported_type" },
    );
  }
}
