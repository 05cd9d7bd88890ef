/**
 * Cells into columns: missing-value tokens, numbers parsed straight from bytes, and the
 * column builder that keeps numbers as numbers until a cell that is neither a number nor
 * missing turns the column into categories.
 */
import type { Column } from "./table";

/** Cells that mean "no value" in real files; a numeric column holding them stays numeric. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  "",
  "NA",
  "N/A",
  "n/a",
  "na",
  "null",
  "NULL",
  "Null",
  "NaN",
  "nan",
  "?",
  "-",
]);

/** True when the (trimmed) text is one of MISSING_TOKENS. */
export const isMissingToken = (text: string) => MISSING_TOKENS.has(text.trim());

/** exact powers of ten: an integer of ≤ 15 digits divided by one rounds once, as Number(text) does */
export const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPACE = 0x20;
const TAB = 0x09;

/**
 * A decimal number in bytes[start, end) (spaces around allowed), or NaN when the bytes are not
 * one. Up to 15 significant digits without an exponent are exact here (an integer divided by an
 * exact power of ten rounds once); anything longer goes through Number() on the text.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
  if (start === end) return Number.NaN;
  let i = start;
  let negative = false;
  const first = bytes[i] as number;
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let seenDot = false;
  let any = false;
  for (; i < end; i++) {
    const b = bytes[i] as number;
    if (b >= 0x30 && b <= 0x39) {
      any = true;
      if (mantissa === 0 && b === 0x30 && !seenDot) continue;
      mantissa = mantissa * 10 + (b - 0x30);
      digits++;
      if (seenDot) fraction++;
    } else if (b === 0x2e && !seenDot) seenDot = true;
    else break;
  }
  if (!any) return Number.NaN;
  if (i === end && digits <= 15 && fraction <= 22) {
    const v = fraction ? mantissa / (POW10[fraction] as number) : mantissa;
    return negative ? -v : v;
  }
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) return slowNumber(bytes, start, end);
  if (i === end) return slowNumber(bytes, start, end);
  return Number.NaN;
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const latin = new TextDecoder("latin1");

function slowNumber(bytes: Uint8Array, start: number, end: number): number {
  const text = latin.decode(bytes.subarray(start, end));
  return NUMBER_TEXT.test(text) ? Number(text) : Number.NaN;
}

/** A number in a string (as JSON or Parquet strings hold them), or NaN. */
export function parseNumberText(text: string): number {
  const t = text.trim();
  return NUMBER_TEXT.test(t) ? Number(t) : Number.NaN;
}

/** Where a reader puts one column's cells: a ColumnBuilder keeps them, a profiler only counts. */
export interface CellSink {
  readonly name: string;
  /** still reading every cell as a number: a reader may then hand numbers parsed from bytes */
  readonly isNumeric: boolean;
  addMissing(): void;
  addNumber(x: number): void;
  /** any other cell: missing tokens, numbers in text, categories */
  addText(text: string): void;
  /** about how many rows the column will have, so that a builder sizes its arrays once */
  reserve?(rows: number): void;
}

/** a column's first capacity; it doubles as cells come */
const FIRST_CAPACITY = 1024;

/**
 * Accumulates one column. Arrays grow by doubling through ArrayBuffer.transfer, which hands the
 * old memory back at once (no garbage the size of the column waiting for a collection), and
 * finish() trims them the same way; the missing mask exists only once a cell is missing.
 * Categories are codes into the distinct strings.
 */
export class ColumnBuilder implements CellSink {
  readonly name: string;
  /** numeric while every cell so far was a number or missing */
  isNumeric = true;
  #n = 0;
  #values = new Float64Array(FIRST_CAPACITY);
  #missing: Uint8Array<ArrayBuffer> | null = null;
  #codes: Int32Array<ArrayBuffer> = new Int32Array(0);
  #dictionary: string[] = [];
  #index = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  addMissing(): void {
    if (!this.isNumeric) {
      this.#code(-1);
      return;
    }
    const n = this.#n;
    if (!this.#missing) this.#missing = new Uint8Array(this.#values.length);
    if (n === this.#values.length) this.#grow();
    (this.#missing as Uint8Array)[n] = 1;
    this.#values[n] = Number.NaN;
    this.#n = n + 1;
  }

  addNumber(x: number): void {
    if (!this.isNumeric) {
      this.addText(String(x));
      return;
    }
    const n = this.#n;
    if (n === this.#values.length) this.#grow();
    this.#values[n] = x;
    this.#n = n + 1;
  }

  /** A cell that is not a number: missing tokens are missing, anything else makes the column categorical. */
  addText(text: string): void {
    const t = text.trim();
    if (MISSING_TOKENS.has(t)) {
      this.addMissing();
      return;
    }
    if (this.isNumeric) {
      const x = parseNumberText(t);
      if (!Number.isNaN(x)) {
        this.addNumber(x);
        return;
      }
      this.#toCategories();
    }
    let code = this.#index.get(t);
    if (code === undefined) {
      code = this.#dictionary.length;
      this.#dictionary.push(t);
      this.#index.set(t, code);
    }
    this.#code(code);
  }

  reserve(rows: number): void {
    if (!this.isNumeric || rows <= this.#values.length) return;
    this.#values = new Float64Array(this.#values.buffer.transfer(rows * 8));
    if (this.#missing) this.#missing = new Uint8Array(this.#missing.buffer.transfer(rows));
  }

  /** The column; the builder is spent. */
  finish(): Column {
    const n = this.#n;
    if (this.isNumeric) {
      const values = trimmed(this.#values, n);
      const missing = this.#missing ? trimmed(this.#missing, n) : new Uint8Array(n);
      this.#values = new Float64Array(0);
      this.#missing = null;
      return { name: this.name, type: "number", values, missing };
    }
    const codes = trimmed(this.#codes, n);
    this.#codes = new Int32Array(0);
    return { name: this.name, type: "category", codes, dictionary: this.#dictionary };
  }

  #grow(): void {
    const size = this.#values.length * 2;
    this.#values = new Float64Array(this.#values.buffer.transfer(size * 8));
    if (this.#missing) this.#missing = new Uint8Array(this.#missing.buffer.transfer(size));
  }

  #code(code: number): void {
    const n = this.#n;
    if (n >= this.#codes.length)
      this.#codes = new Int32Array(this.#codes.buffer.transfer(Math.max(FIRST_CAPACITY, n * 2) * 4));
    this.#codes[n] = code;
    this.#n = n + 1;
  }

  /** Numbers seen so far become categories named by their shortest text. */
  #toCategories(): void {
    const values = this.#values;
    const missing = this.#missing;
    const n = this.#n;
    this.isNumeric = false;
    this.#values = new Float64Array(0);
    this.#missing = null;
    this.#n = 0;
    for (let i = 0; i < n; i++) {
      if (missing?.[i]) {
        this.#code(-1);
        continue;
      }
      const t = String(values[i]);
      let code = this.#index.get(t);
      if (code === undefined) {
        code = this.#dictionary.length;
        this.#dictionary.push(t);
        this.#index.set(t, code);
      }
      this.#code(code);
    }
  }
}

/**
 * The first n items: a view when the array is nearly full (a column sized from the file's size),
 * else the array cut down with transfer, which hands the rest back.
 */
function trimmed<T extends Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(
  a: T,
  n: number,
): T {
  if (a.length - n <= a.length / 16) return a.subarray(0, n) as T;
  const Kind = a.constructor as new (buffer: ArrayBuffer) => T;
  return new Kind(a.buffer.transfer(n * a.BYTES_PER_ELEMENT));
}
