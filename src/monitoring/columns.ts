/**
 * The columnar copy of logged inputs (table prediction_batches, migrations/0005): one batch
 * per (model_key, version) per PredictionLog flush, read by the drift check without a
 * JSON.parse per row.
 *
 * A batch holds `row_count` rows: the flushed entries whose input is a JSON object, in id
 * order. One column per input key that some row carries with a value JSON keeps (undefined,
 * functions and symbols are dropped by JSON, so they count as absent, not as missing).
 * `columns` is the JSON list [{name, kind}], kind decided from the column's present values:
 *   f32   every present value is a number and each one is exactly a float32 (lossless)
 *   f64   every present value is a number
 *   bool  every present value is a boolean
 *   json  anything else (strings, mixes, nested values)
 * Non-finite numbers and null are stored as missing, as JSON would have written null.
 * Storing f64 unless float32 is exact keeps the drift statistics identical to the JSON rows:
 * a rounded value can land on the other side of a bin edge or a reference sample value.
 *
 * `data` layout, little-endian, columns in `columns` order, each section starting at the
 * next multiple of 8 bytes (zero padding) so that typed-array views need no copy:
 *   f32   row_count × 4 bytes (float32, NaN = missing)
 *   f64   row_count × 8 bytes (float64, NaN = missing)
 *   bool  row_count × 1 byte  (0 false, 1 true, 255 missing)
 *   json  u32 byte length, then UTF-8 JSON array of row_count values (null = missing/absent)
 */
import type { Feature, FeatureSpec } from "../ml/features";
import { isMissing, numericValue } from "../ml/features";
import type { DriftColumn } from "./drift";

export type ColumnKind = "f32" | "f64" | "bool" | "json";

export interface BatchColumn {
  name: string;
  kind: ColumnKind;
}

export interface EncodedBatch {
  row_count: number;
  /** JSON BatchColumn[] */
  columns: string;
  data: Uint8Array;
  /**
   * Per row, 1 when batchRowJson gives back exactly JSON.stringify of the row: its keys come in
   * the columns' order (some may be absent), and it holds no null or non-finite number (which
   * the batch cannot tell from an absent key).
   */
  exact: Uint8Array;
}

export type DecodedColumn =
  | { kind: "f32"; values: Float32Array }
  | { kind: "f64"; values: Float64Array }
  | { kind: "bool"; values: Uint8Array }
  | { kind: "json"; values: unknown[] };

const BOOL_MISSING = 255;
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error("prediction batches need a little-endian host");

/**
 * The input as a JSON round trip would give it back, if it is an object; null otherwise.
 * `json` is JSON.stringify(input), already computed for the predictions row: it is parsed only
 * for inputs that are not plain objects (a class instance or a toJSON), never for normal ones.
 */
export function inputObject(input: unknown, json: string): Record<string, unknown> | null {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return null;
  const proto = Object.getPrototypeOf(input);
  const plain =
    (proto === Object.prototype || proto === null) && typeof (input as { toJSON?: unknown }).toJSON !== "function";
  if (plain) return input as Record<string, unknown>;
  const v: unknown = JSON.parse(json);
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

interface Builder {
  name: string;
  values: unknown[];
  numbers: boolean;
  booleans: boolean;
  float32: boolean;
}

/** Rows (plain JSON objects) → one batch. Cost: one pass over the values, one JSON.stringify per json column. */
export function encodeBatch(rows: ReadonlyArray<Record<string, unknown>>): EncodedBatch {
  const n = rows.length;
  const builders = new Map<string, Builder>();
  // rows of one model nearly always have the same keys in the same order: the previous row's
  // builders, by position, save a map lookup per value
  let lastKeys: string[] = [];
  let lastBuilders: (Builder | undefined)[] = [];
  // each row's key list (rows with the same keys share one array) and whether it held a value
  // the batch cannot give back (null, or one JSON drops)
  const keysOf: string[][] = new Array(n);
  const exact = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as Record<string, unknown>;
    const keys = Object.keys(row);
    let same = keys.length === lastKeys.length;
    for (let j = 0; same && j < keys.length; j++) same = keys[j] === lastKeys[j];
    if (!same) {
      lastKeys = keys;
      lastBuilders = new Array(keys.length);
    }
    keysOf[i] = lastKeys;
    exact[i] = 1;
    for (let j = 0; j < keys.length; j++) {
      const name = keys[j] as string;
      const v = row[name];
      const t = typeof v;
      if (v === undefined || t === "function" || t === "symbol") {
        exact[i] = 0;
        continue; // JSON drops the key
      }
      let b = lastBuilders[j] ?? builders.get(name);
      if (!b) {
        b = { name, values: new Array(n), numbers: true, booleans: true, float32: true };
        builders.set(name, b);
      }
      lastBuilders[j] = b;
      b.values[i] = v;
      if (v === null) {
        exact[i] = 0;
        continue;
      }
      if (t === "number") {
        b.booleans = false;
        if (!Number.isFinite(v)) exact[i] = 0;
        if (b.float32 && Math.fround(v as number) !== v && Number.isFinite(v)) b.float32 = false;
      } else if (t === "boolean") b.numbers = false;
      else b.numbers = b.booleans = false;
    }
  }
  const names = [...builders.keys()];
  const inOrder = new Map<string[], boolean>();
  for (let i = 0; i < n; i++) {
    const keys = keysOf[i] as string[];
    let ok = inOrder.get(keys);
    if (ok === undefined) {
      // the row's keys are the columns' names in order, some skipped
      let at = 0;
      for (const k of keys) {
        while (at < names.length && names[at] !== k) at++;
        at++;
      }
      ok = at <= names.length;
      inOrder.set(keys, ok);
    }
    if (!ok) exact[i] = 0;
  }
  const columns: BatchColumn[] = [];
  const json = new Map<string, Uint8Array>();
  let size = 0;
  for (const b of builders.values()) {
    const kind: ColumnKind = b.numbers ? (b.float32 ? "f32" : "f64") : b.booleans ? "bool" : "json";
    columns.push({ name: b.name, kind });
    size = align8(size);
    if (kind === "json") {
      // holes and undefined become null, exactly as each row's own JSON would have it
      const bytes = new TextEncoder().encode(JSON.stringify(b.values));
      json.set(b.name, bytes);
      size += 4 + bytes.length;
    } else size += n * bytesPer(kind);
  }
  const data = new Uint8Array(size);
  let off = 0;
  for (const c of columns) {
    off = align8(off);
    const b = builders.get(c.name) as Builder;
    if (c.kind === "json") {
      const bytes = json.get(c.name) as Uint8Array;
      new DataView(data.buffer).setUint32(off, bytes.length, true);
      data.set(bytes, off + 4);
      off += 4 + bytes.length;
      continue;
    }
    if (c.kind === "bool") {
      const col = data.subarray(off, off + n);
      for (let i = 0; i < n; i++) {
        const v = b.values[i];
        col[i] = v === true ? 1 : v === false ? 0 : BOOL_MISSING;
      }
    } else {
      const col = c.kind === "f32" ? new Float32Array(data.buffer, off, n) : new Float64Array(data.buffer, off, n);
      for (let i = 0; i < n; i++) {
        const v = b.values[i];
        col[i] = typeof v === "number" && Number.isFinite(v) ? v : Number.NaN;
      }
    }
    off += n * bytesPer(c.kind);
  }
  return { row_count: n, columns: JSON.stringify(columns), data, exact };
}

/**
 * Row `i` of a decoded batch (decodeBatch's map, in the batch's column order) as JSON text, a
 * missing value left out as an absent key. For a row encodeBatch marked exact, this is
 * JSON.stringify of the row that was encoded.
 */
export function batchRowJson(cols: ReadonlyMap<string, DecodedColumn>, i: number): string {
  let out = "";
  for (const [name, c] of cols) {
    let text: string;
    if (c.kind === "json") {
      const v = c.values[i];
      if (v === null || v === undefined) continue;
      text = JSON.stringify(v);
    } else if (c.kind === "bool") {
      const b = c.values[i];
      if (b === BOOL_MISSING) continue;
      text = b === 1 ? "true" : "false";
    } else {
      const v = c.values[i] as number;
      if (Number.isNaN(v)) continue;
      text = String(v);
    }
    out += `${out ? "," : ""}${JSON.stringify(name)}:${text}`;
  }
  return `{${out}}`;
}

/** A stored batch → its columns by name; numeric and bool columns are views on `data` (no copy when aligned). */
export function decodeBatch(rowCount: number, columnsJson: string, blob: Uint8Array): Map<string, DecodedColumn> {
  const columns = JSON.parse(columnsJson) as BatchColumn[];
  // views need 8-byte alignment of the underlying buffer; a blob at an odd offset is copied once
  const data = blob.byteOffset % 8 === 0 ? blob : blob.slice();
  const base = data.byteOffset;
  const out = new Map<string, DecodedColumn>();
  let off = 0;
  const need = (bytes: number) => {
    if (off + bytes > data.length) throw new Error(`prediction batch data truncated at byte ${off}`);
  };
  for (const c of columns) {
    off = align8(off);
    if (c.kind === "json") {
      need(4);
      const len = new DataView(data.buffer, base).getUint32(off, true);
      need(4 + len);
      const values = JSON.parse(new TextDecoder().decode(data.subarray(off + 4, off + 4 + len))) as unknown[];
      if (!Array.isArray(values) || values.length !== rowCount)
        throw new Error(`column "${c.name}" is not ${rowCount} values`);
      out.set(c.name, { kind: "json", values });
      off += 4 + len;
      continue;
    }
    const bytes = rowCount * bytesPer(c.kind);
    need(bytes);
    if (c.kind === "f32") out.set(c.name, { kind: "f32", values: new Float32Array(data.buffer, base + off, rowCount) });
    else if (c.kind === "f64")
      out.set(c.name, { kind: "f64", values: new Float64Array(data.buffer, base + off, rowCount) });
    else if (c.kind === "bool") out.set(c.name, { kind: "bool", values: data.subarray(off, off + rowCount) });
    else throw new Error(`unknown column kind ${String((c as BatchColumn).kind)}`);
    off += bytes;
  }
  return out;
}

/**
 * Decoded columns → the drift columns of `spec`, with exactly driftColumns' conversion
 * (reference.ts) of the values JSON would have given back. A numeric feature stored as
 * numbers is passed as the typed-array view itself; every other pairing goes value by value.
 * A feature without a column is left out, as driftColumns leaves out one no row carries.
 */
export function batchDriftColumns(spec: FeatureSpec, cols: Map<string, DecodedColumn>): Record<string, DriftColumn> {
  const out: Record<string, DriftColumn> = {};
  for (const f of spec.features) {
    const c = cols.get(f.name);
    if (!c) continue;
    if ((c.kind === "f32" || c.kind === "f64") && f.kind === "numeric") out[f.name] = c.values;
    else out[f.name] = convert(f, c.kind === "bool" ? boolValues(c.values) : c.values);
  }
  return out;
}

/** The per-value conversion of driftColumns; NaN and null are both missing there. */
function convert(f: Feature, values: ArrayLike<unknown>): DriftColumn {
  const n = values.length;
  if (f.kind === "categorical") {
    const col: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      col[i] = isMissing(v) ? null : String(v);
    }
    return col;
  }
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const x = f.kind === "text" ? (isMissing(v) ? undefined : String(v).length) : numericValue(f, v);
    col[i] = x === undefined ? Number.NaN : x;
  }
  return col;
}

function boolValues(bytes: Uint8Array): (boolean | null)[] {
  return Array.from(bytes, (b) => (b === BOOL_MISSING ? null : b === 1));
}

const bytesPer = (kind: ColumnKind) => (kind === "f64" ? 8 : kind === "f32" ? 4 : kind === "bool" ? 1 : 0);
const align8 = (x: number) => (x + 7) & ~7;

/**
 * Joins the drift columns of consecutive batches into one chunk for the accumulator: a flush
 * batch is ~1,000 rows, and the accumulator's per-chunk cost (it streams each feature's lookup
 * tables into cache, ~280 KB at a 5,000-value sample) would dominate at that size.
 * A feature some part lacks is filled as missing (NaN / null) for that part's rows, which the
 * accumulator counts exactly as it counts an absent column; a feature no part carries stays
 * absent. A single part is passed through without a copy.
 */
export class ColumnChunk {
  #parts: { columns: Record<string, DriftColumn>; rows: number }[] = [];
  rows = 0;

  push(columns: Record<string, DriftColumn>, rows: number): void {
    if (rows === 0) return;
    this.#parts.push({ columns, rows });
    this.rows += rows;
  }

  /** The joined columns of `spec`'s features; empties the chunk. */
  take(spec: FeatureSpec): Record<string, DriftColumn> {
    const parts = this.#parts;
    const n = this.rows;
    this.#parts = [];
    this.rows = 0;
    if (parts.length === 1) return (parts[0] as (typeof parts)[number]).columns;
    const out: Record<string, DriftColumn> = {};
    for (const f of spec.features) {
      if (!parts.some((p) => p.columns[f.name] !== undefined)) continue;
      let o = 0;
      if (f.kind === "categorical") {
        const col: (string | null)[] = new Array(n);
        for (const p of parts) {
          const c = p.columns[f.name] as ArrayLike<string | null> | undefined;
          for (let i = 0; i < p.rows; i++) col[o++] = c ? (c[i] as string | null) : null;
        }
        out[f.name] = col;
      } else {
        // every non-categorical drift column is a Float32Array or Float64Array (see convert)
        const col = new Float64Array(n);
        for (const p of parts) {
          const c = p.columns[f.name] as Float64Array | Float32Array | undefined;
          if (c) col.set(c, o);
          else col.fill(Number.NaN, o, o + p.rows);
          o += p.rows;
        }
        out[f.name] = col;
      }
    }
    return out;
  }
}
