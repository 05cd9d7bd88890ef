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

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
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

/** Accumulates one column, growing its arrays by doubling. */
export class ColumnBuilder implements CellSink {
  readonly name: string;
  #n = 0;
  #values: Float64Array | null = new Float64Array(1024);
  #missing: Uint8Array | null = new Uint8Array(1024);
  #codes: Int32Array | null = null;
  #dictionary: string[] = [];
  #index = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  get isNumeric(): boolean {
    return this.#values !== null;
  }

  addMissing(): void {
    this.#grow();
    if (this.#values) {
      this.#values[this.#n] = Number.NaN;
      (this.#missing as Uint8Array)[this.#n] = 1;
    } else (this.#codes as Int32Array)[this.#n] = -1;
    this.#n++;
  }

  addNumber(x: number): void {
    if (!this.#values) {
      this.addText(String(x));
      return;
    }
    this.#grow();
    this.#values[this.#n++] = x;
  }

  /** A cell that is not a number: missing tokens are missing, anything else makes the column categorical. */
  addText(text: string): void {
    const t = text.trim();
    if (MISSING_TOKENS.has(t)) {
      this.addMissing();
      return;
    }
    if (this.#values) {
      const x = parseNumberText(t);
      if (!Number.isNaN(x)) {
        this.addNumber(x);
        return;
      }
      this.#toCategories();
    }
    this.#grow();
    let code = this.#index.get(t);
    if (code === undefined) {
      code = this.#dictionary.length;
      this.#dictionary.push(t);
      this.#index.set(t, code);
    }
    (this.#codes as Int32Array)[this.#n++] = code;
  }

  finish(): Column {
    const n = this.#n;
    if (this.#values) {
      return {
        name: this.name,
        type: "number",
        values: this.#values.slice(0, n),
        missing: (this.#missing as Uint8Array).slice(0, n),
      };
    }
    return {
      name: this.name,
      type: "category",
      codes: (this.#codes as Int32Array).slice(0, n),
      dictionary: this.#dictionary,
    };
  }

  #grow(): void {
    const size = this.#values ? this.#values.length : (this.#codes as Int32Array).length;
    if (this.#n < size) return;
    if (this.#values) {
      const v = new Float64Array(size * 2);
      v.set(this.#values);
      this.#values = v;
      const m = new Uint8Array(size * 2);
      m.set(this.#missing as Uint8Array);
      this.#missing = m;
    } else {
      const c = new Int32Array(size * 2);
      c.set(this.#codes as Int32Array);
      this.#codes = c;
    }
  }

  /** Numbers seen so far become categories named by their shortest text. */
  #toCategories(): void {
    const values = this.#values as Float64Array;
    const missing = this.#missing as Uint8Array;
    this.#codes = new Int32Array(values.length);
    this.#values = null;
    this.#missing = null;
    for (let i = 0; i < this.#n; i++) {
      if (missing[i]) {
        this.#codes[i] = -1;
        continue;
      }
      const t = String(values[i]);
      let code = this.#index.get(t);
      if (code === undefined) {
        code = this.#dictionary.length;
        this.#dictionary.push(t);
        this.#index.set(t, code);
      }
      this.#codes[i] = code;
    }
  }
}
