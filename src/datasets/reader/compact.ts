/**
 * The column builder of the training loader: a number column is kept as float32 (half the memory
 * of the reader's float64 columns) for as long as every value restores exactly to the float64
 * the reader parsed (src/ml/float32-exact.ts), so the model trained from it is the one the
 * float64 column gives. The first value that would not restore (an ID past 2^24, a 17-digit
 * float) turns that column, and only it, into an ordinary ColumnBuilder column.
 */
import { Float32Exactness, restoreFloat32 } from "../../ml/float32-exact";
import { type CellSink, ColumnBuilder, MISSING_TOKENS, parseNumberText, trimmed } from "./cells";
import type { Column, Table } from "./table";

/** A number column held as float32; `missing` is null when no cell is missing. */
export interface Float32Column {
  name: string;
  type: "float32";
  values: Float32Array;
  missing: Uint8Array | null;
  /** read each value back with restoreFloat32(value, scale) */
  scale: number | undefined;
}

/** What CompactColumnBuilder gives: a float32 column, or the reader's own column. */
export type CompactColumn = Column | Float32Column;

/** A table read for training (readCompactTable). */
export interface CompactTable extends Omit<Table, "columns"> {
  columns: CompactColumn[];
}

/** a column's first capacity; it doubles as cells come */
const FIRST_CAPACITY = 1024;

/** Accumulates one column as float32 while that loses nothing, else as a ColumnBuilder does. */
export class CompactColumnBuilder implements CellSink {
  readonly name: string;
  #n = 0;
  #values: Float32Array<ArrayBuffer> = new Float32Array(FIRST_CAPACITY);
  #missing: Uint8Array<ArrayBuffer> | null = null;
  readonly #exactness = new Float32Exactness();
  /** once a value needs float64 or a cell is text: the builder every cell then goes to */
  #wide: ColumnBuilder | null = null;

  constructor(name: string) {
    this.name = name;
  }

  get isNumeric(): boolean {
    return this.#wide ? this.#wide.isNumeric : true;
  }

  addMissing(): void {
    if (this.#wide) {
      this.#wide.addMissing();
      return;
    }
    const n = this.#n;
    if (n === this.#values.length) this.#grow();
    if (!this.#missing) this.#missing = new Uint8Array(this.#values.length);
    this.#missing[n] = 1;
    this.#values[n] = Number.NaN;
    this.#n = n + 1;
  }

  addNumber(x: number): void {
    if (!this.#wide && !this.#exactness.admit(x)) this.#widen();
    if (this.#wide) {
      this.#wide.addNumber(x);
      return;
    }
    const n = this.#n;
    if (n === this.#values.length) this.#grow();
    this.#values[n] = x;
    this.#n = n + 1;
  }

  /** As ColumnBuilder.addText: missing tokens are missing, numbers numbers, anything else categories. */
  addText(text: string): void {
    if (!this.#wide) {
      const t = text.trim();
      if (MISSING_TOKENS.has(t)) {
        this.addMissing();
        return;
      }
      const x = parseNumberText(t);
      if (!Number.isNaN(x)) {
        this.addNumber(x);
        return;
      }
      this.#widen();
    }
    (this.#wide as ColumnBuilder).addText(text);
  }

  reserve(rows: number): void {
    if (this.#wide) {
      this.#wide.reserve(rows);
      return;
    }
    if (rows <= this.#values.length) return;
    this.#values = new Float32Array(this.#values.buffer.transfer(rows * 4));
    if (this.#missing) this.#missing = new Uint8Array(this.#missing.buffer.transfer(rows));
  }

  /** The column; the builder is spent. */
  finish(): CompactColumn {
    if (this.#wide) return this.#wide.finish();
    const n = this.#n;
    const column: Float32Column = {
      name: this.name,
      type: "float32",
      values: trimmed(this.#values, n),
      missing: this.#missing ? trimmed(this.#missing, n) : null,
      scale: this.#exactness.scale,
    };
    this.#values = new Float32Array(0);
    this.#missing = null;
    return column;
  }

  #grow(): void {
    const size = this.#values.length * 2;
    this.#values = new Float32Array(this.#values.buffer.transfer(size * 4));
    if (this.#missing) this.#missing = new Uint8Array(this.#missing.buffer.transfer(size));
  }

  /** The cells so far, restored to float64, into a ColumnBuilder that takes every cell from now on. */
  #widen(): void {
    const wide = new ColumnBuilder(this.name);
    const n = this.#n;
    wide.reserve(Math.max(n, this.#values.length));
    const scale = this.#exactness.scale;
    for (let i = 0; i < n; i++) {
      if (this.#missing?.[i]) wide.addMissing();
      else wide.addNumber(restoreFloat32(this.#values[i] as number, scale));
    }
    this.#values = new Float32Array(0);
    this.#missing = null;
    this.#wide = wide;
  }
}
