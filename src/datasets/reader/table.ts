/**
 * What the one data reader (csv.ts, ndjson.ts, parquet.ts) produces: columns, never rows of
 * strings. A column of numbers is a Float64Array with a missing mask (float64 so that IDs and
 * large integers stay distinct and means match the row path; the network still gets float32);
 * any other column is dictionary-encoded: one Int32Array code per row (-1 missing) into the
 * distinct strings in first-seen order.
 */

export interface NumberColumn {
  name: string;
  type: "number";
  values: Float64Array;
  /** 1 where the cell was missing (its value is NaN) */
  missing: Uint8Array;
}

export interface CategoryColumn {
  name: string;
  type: "category";
  /** index into dictionary, -1 for a missing cell */
  codes: Int32Array;
  dictionary: string[];
}

export type Column = NumberColumn | CategoryColumn;

export type TableFormat = "csv" | "ndjson" | "parquet";

/** What a reader found, with one sink per column (a ColumnBuilder, a profiler…). */
export interface Scan<S> {
  format: TableFormat;
  /** the sniffed CSV delimiter; null for other formats */
  delimiter: string | null;
  /** whether the bytes came gzip-compressed */
  gzip: boolean;
  rows: number;
  sinks: S[];
}

export interface Table extends Omit<Scan<never>, "sinks"> {
  columns: Column[];
}

/** The value of one cell as the row path sees it: a number, a string or null when missing. */
export function cellAt(column: Column, row: number): number | string | null {
  if (column.type === "number") return column.missing[row] ? null : (column.values[row] as number);
  const code = column.codes[row] as number;
  return code < 0 ? null : (column.dictionary[code] as string);
}

/** How many cells of a column are missing. */
export function missingCount(column: Column): number {
  let n = 0;
  if (column.type === "number") for (let i = 0; i < column.missing.length; i++) n += column.missing[i] as number;
  else for (let i = 0; i < column.codes.length; i++) if ((column.codes[i] as number) < 0) n++;
  return n;
}

/** Rows [start, end) as objects (names → cell), for the code paths that still work on rows. */
export function tableRows(
  table: Table,
  end = Number.POSITIVE_INFINITY,
  start = 0,
): Record<string, number | string | null>[] {
  const n = Math.max(0, Math.min(table.rows, end) - start);
  const out: Record<string, number | string | null>[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const row: Record<string, number | string | null> = {};
    for (const c of table.columns) row[c.name] = cellAt(c, start + k);
    out[k] = row;
  }
  return out;
}
