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
}

/** the first block of a numeric column; each next one doubles, up to MAX_BLOCK values */
const FIRST_BLOCK = 1024;
const MAX_BLOCK = 1 << 16;

/**
 * Accumulates one column. Numbers go into blocks that are never copied while reading (finish()
 * joins them once); the missing mask exists only once a cell is missing; categories are codes
 * into the distinct strings, growing by doubling.
 */
export class ColumnBuilder implements CellSink {
  readonly name: string;
  /** numeric while every cell so far was a number or missing */
  isNumeric = true;
  #n = 0;
  #blocks: Float64Array[] = [];
  #block = new Float64Array(FIRST_BLOCK);
  #at = 0;
  #missing: Uint8Array | null = null;
  #codes: Int32Array = new Int32Array(0);
  #dictionary: string[] = [];
  #index = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  addMissing(): void {
    if (this.isNumeric) {
      const n = this.#n;
      let m = this.#missing;
      if (!m || n >= m.length) m = this.#missing = grown(m ?? new Uint8Array(0), Math.max(FIRST_BLOCK, n * 2));
      m[n] = 1;
      this.#add(Number.NaN);
      return;
    }
    this.#code(-1);
  }

  addNumber(x: number): void {
    if (!this.isNumeric) {
      this.addText(String(x));
      return;
    }
    this.#add(x);
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

  finish(): Column {
    const n = this.#n;
    if (this.isNumeric) {
      const values = this.#joined();
      const missing = this.#missing ? this.#missing.slice(0, n) : new Uint8Array(n);
      this.#missing = null;
      return { name: this.name, type: "number", values, missing };
    }
    return { name: this.name, type: "category", codes: this.#codes.slice(0, n), dictionary: this.#dictionary };
  }

  #add(x: number): void {
    if (this.#at === this.#block.length) this.#nextBlock();
    this.#block[this.#at++] = x;
    this.#n++;
  }

  #nextBlock(): void {
    this.#blocks.push(this.#block);
    this.#block = new Float64Array(Math.min(MAX_BLOCK, this.#block.length * 2));
    this.#at = 0;
  }

  /** The numbers as one array, the blocks released. */
  #joined(): Float64Array {
    const out = new Float64Array(this.#n);
    let at = 0;
    for (const b of this.#blocks) {
      out.set(b, at);
      at += b.length;
    }
    out.set(this.#block.subarray(0, this.#at), at);
    this.#blocks = [];
    this.#block = new Float64Array(0);
    this.#at = 0;
    return out;
  }

  #code(code: number): void {
    const n = this.#n;
    if (n >= this.#codes.length) {
      const c = new Int32Array(Math.max(FIRST_BLOCK, n * 2));
      c.set(this.#codes);
      this.#codes = c;
    }
    this.#codes[n] = code;
    this.#n = n + 1;
  }

  /** Numbers seen so far become categories named by their shortest text. */
  #toCategories(): void {
    const values = this.#joined();
    const missing = this.#missing;
    this.isNumeric = false;
    this.#missing = null;
    const n = this.#n;
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

function grown(a: Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}
