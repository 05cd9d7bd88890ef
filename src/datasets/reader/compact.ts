/**
 * The column builder of the training loader: a number column is kept as float32 (half the memory
 * of the reader's float64 columns), in one row-major block with the file's other number columns
 * (row-block.ts), for as long as every value restores exactly to the float64
 * the reader parsed (src/ml/float32-exact.ts), so the model trained from it is the one the
 * float64 column gives. The first value that would not restore (an ID past 2^24, a 17-digit
 * float) turns that column, and only it, into an ordinary ColumnBuilder column.
 */
import { Float32Exactness, restoreFloat32 } from "../../ml/float32-exact";
import { type CellSink, ColumnBuilder, MISSING_TOKENS, parseNumberText } from "./cells";
import { RowBlock } from "./row-block";
import type { Column, Table } from "./table";

/**
 * A number column held as float32 in a row-major block: row r's value is
 * values[offset + r · stride]; `missing` is null when no cell is missing.
 */
export interface Float32Column {
  name: string;
  type: "float32";
  values: Float32Array;
  stride: number;
  offset: number;
  rows: number;
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

/**
 * Accumulates one column as float32 in a slot of the read's RowBlock (or a block of its own when
 * it came after the first row) while that loses nothing, else as a ColumnBuilder does.
 */
export class CompactColumnBuilder implements CellSink {
  readonly name: string;
  #n = 0;
  readonly #block: RowBlock;
  readonly #slot: number;
  #missing: Uint8Array<ArrayBuffer> | null = null;
  readonly #exactness = new Float32Exactness();
  /** once a value needs float64 or a cell is text: the builder every cell then goes to */
  #wide: ColumnBuilder | null = null;

  constructor(name: string, block: RowBlock) {
    this.name = name;
    let slot = block.join();
    if (slot < 0) {
      block = new RowBlock();
      slot = block.join();
    }
    this.#block = block;
    this.#slot = slot;
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
    this.#block.ensure(n);
    const capacity = this.#block.capacity;
    if (!this.#missing) this.#missing = new Uint8Array(capacity);
    else if (this.#missing.length < capacity) this.#missing = new Uint8Array(this.#missing.buffer.transfer(capacity));
    this.#missing[n] = 1;
    this.#block.values[n * this.#block.stride + this.#slot] = Number.NaN;
    this.#n = n + 1;
  }

  addNumber(x: number): void {
    if (!this.#wide && !this.#exactness.admit(x)) this.#widen();
    if (this.#wide) {
      this.#wide.addNumber(x);
      return;
    }
    const n = this.#n;
    const block = this.#block;
    if (n >= block.capacity) block.ensure(n);
    block.values[n * block.stride + this.#slot] = x;
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
    if (this.#wide) this.#wide.reserve(rows);
    else this.#block.reserve(rows);
  }

  /** The column; the builder is spent. */
  finish(): CompactColumn {
    if (this.#wide) return this.#wide.finish();
    const n = this.#n;
    // the mask was sized at the last missing cell; the block may have grown since (zero: present)
    const missing = this.#missing;
    if (missing && missing.length < n) this.#missing = new Uint8Array(missing.buffer.transfer(n));
    return {
      name: this.name,
      type: "float32",
      values: this.#block.values,
      stride: this.#block.stride,
      offset: this.#slot,
      rows: n,
      missing: this.#missing ? this.#missing.subarray(0, n) : null,
      scale: this.#exactness.scale,
    };
  }

  /** The cells so far, restored to float64, into a ColumnBuilder that takes every cell from now on. */
  #widen(): void {
    const wide = new ColumnBuilder(this.name);
    const n = this.#n;
    const { values, stride, capacity } = this.#block;
    wide.reserve(Math.max(n, capacity));
    const scale = this.#exactness.scale;
    for (let i = 0; i < n; i++) {
      if (this.#missing?.[i]) wide.addMissing();
      else wide.addNumber(restoreFloat32(values[i * stride + this.#slot] as number, scale));
    }
    this.#missing = null;
    this.#wide = wide;
  }
}
