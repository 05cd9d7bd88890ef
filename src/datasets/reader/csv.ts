/**
 * The streaming CSV reader: bytes in (chunks of any size, split anywhere), typed columns out
 * (table.ts). RFC 4180 quoting with delimiters, line breaks and doubled quotes inside quoted
 * fields, a BOM, CRLF or LF, blank lines skipped; the delimiter is sniffed from the first
 * 64 KiB (sniff.ts). Unquoted numbers are parsed straight from the bytes; only other cells
 * are decoded, as strict UTF-8. Each refusal is a 422 naming row, line and column.
 */
import { checkHeader, csvRefusal } from "../csv-check";
import { type CellSink, parseNumberBytes } from "./cells";
import {
  Fields,
  INCOMPLETE,
  NUL_BYTE,
  PLAIN_NUMBER,
  QUOTED_ESCAPES,
  scanRecord,
  UNCLOSED_QUOTE,
  UNQUOTED,
} from "./record";
import { sniffDelimiter } from "./sniff";
import type { Scan } from "./table";

const SNIFF_BYTES = 64 * 1024;
/** one record longer than this is refused: an unclosed quote would otherwise hold the whole file */
const MAX_RECORD_BYTES = 8 * 2 ** 20;

/** Reader limits (ML_MAX_CSV_COLUMNS), and the file's size when known. */
export interface CsvOptions {
  maxColumns: number;
  expectedBytes?: number;
}

export class CsvColumns<S extends CellSink> {
  readonly #opts: CsvOptions;
  #carry: Uint8Array = new Uint8Array(0);
  #joined: Uint8Array = new Uint8Array(0);
  #pushed = 0;
  #reserved = false;
  #delimiter = -1;
  #bom = true;
  #line = 1;
  #rows = 0;
  #names: string[] | null = null;
  #builders: S[] = [];
  readonly #fields = new Fields();
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  readonly #make: (name: string) => S;

  constructor(opts: CsvOptions, make: (name: string) => S) {
    this.#opts = opts;
    this.#make = make;
  }

  get delimiter(): string | null {
    return this.#delimiter < 0 ? null : String.fromCharCode(this.#delimiter);
  }

  push(chunk: Uint8Array): void {
    this.#pushed += chunk.length;
    let buf = chunk;
    const carried = this.#carry.length;
    if (carried) {
      // the unfinished record and the new bytes meet in one reused buffer: no fresh memory per chunk
      const n = carried + chunk.length;
      if (this.#joined.length < n) this.#joined = new Uint8Array(Math.max(n, this.#joined.length * 2));
      this.#joined.set(this.#carry);
      this.#joined.set(chunk, carried);
      buf = this.#joined.subarray(0, n);
    }
    if (this.#delimiter < 0 && buf.length < SNIFF_BYTES) {
      this.#carry = buf.slice();
      return;
    }
    this.#parse(buf, false);
    if (!this.#reserved && this.#rows > 0) this.#reserve();
  }

  /** Sizes every column for the rows the whole file will have at the rate of rows per byte so far. */
  #reserve(): void {
    this.#reserved = true;
    const total = this.#opts.expectedBytes;
    const read = this.#pushed - this.#carry.length;
    if (!total || read <= 0 || total <= read) return;
    const rows = Math.ceil(((this.#rows * total) / read) * 1.02) + 16;
    for (const b of this.#builders) b.reserve?.(rows);
  }

  end(): Scan<S> {
    this.#parse(this.#carry, true);
    if (!this.#names) throw csvRefusal("the file is empty: expected a header row and data rows", {});
    return {
      format: "csv",
      delimiter: this.delimiter,
      gzip: false,
      rows: this.#rows,
      sinks: this.#builders,
    };
  }

  #parse(input: Uint8Array, final: boolean): void {
    let buf = input;
    if (this.#bom && buf.length >= 3) {
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      this.#bom = false;
    }
    if (this.#delimiter < 0) {
      if (buf.length === 0 && final) return;
      this.#delimiter = sniffDelimiter(buf, final).charCodeAt(0);
    }
    const delim = this.#delimiter;
    const len = buf.length;
    const f = this.#fields;
    let i = 0;
    while (i < len) {
      const recordLine = this.#line;
      const next = scanRecord(buf, i, len, final, delim, f);
      if (next === INCOMPLETE) {
        if (len - i > MAX_RECORD_BYTES) {
          const row = this.#names ? this.#rows + 1 : 0;
          throw csvRefusal(
            `row ${row} (line ${recordLine}) runs past ${MAX_RECORD_BYTES / 2 ** 20} MiB without ending: an unclosed quote, or not a CSV file`,
            { row, line: recordLine },
          );
        }
        this.#carry = buf.slice(i);
        return;
      }
      if (next === NUL_BYTE) this.#nul(recordLine, f.problemField);
      if (next === UNCLOSED_QUOTE) {
        const quoteLine = recordLine + f.problemNewlines;
        throw csvRefusal(`the quoted field opened on line ${quoteLine} is not closed`, {
          line: quoteLine,
          row: this.#rows + 1,
          column: f.problemField + 1,
        });
      }
      this.#line = recordLine + f.newlines + 1;
      i = next;
      const blank = f.count === 1 && f.flags[0] === UNQUOTED && f.starts[0] === f.ends[0];
      if (!blank) this.#record(buf, f.count, recordLine);
    }
    this.#carry = new Uint8Array(0);
  }

  #record(buf: Uint8Array, nf: number, line: number): void {
    if (!this.#names) {
      const fields = Array.from({ length: nf }, (_, j) => this.#text(buf, j, 0, line));
      this.#names = checkHeader(fields, line, { maxColumns: this.#opts.maxColumns });
      this.#builders = this.#names.map((n) => this.#make(n));
      return;
    }
    const names = this.#names;
    const row = this.#rows + 1;
    if (nf !== names.length) {
      const short = nf < names.length;
      const column = short ? nf + 1 : names.length + 1;
      throw csvRefusal(
        `row ${row} (line ${line}) has ${nf} fields, but the header has ${names.length}: ` +
          (short ? `column ${column} "${names[column - 1]}" is missing` : `column ${column} is extra`),
        { row, line, column, column_name: short ? (names[column - 1] as string) : null },
        { expected_fields: names.length, found_fields: nf },
      );
    }
    const f = this.#fields;
    const builders = this.#builders;
    for (let j = 0; j < nf; j++) {
      const b = builders[j] as S;
      const flag = f.flags[j];
      if (flag === PLAIN_NUMBER && b.isNumeric) {
        b.addNumber(f.numbers[j] as number);
        continue;
      }
      if (flag === UNQUOTED || flag === PLAIN_NUMBER) {
        const s = f.starts[j] as number;
        const e = f.ends[j] as number;
        if (s === e) {
          b.addMissing();
          continue;
        }
        if (b.isNumeric) {
          const x = parseNumberBytes(buf, s, e);
          if (!Number.isNaN(x)) {
            b.addNumber(x);
            continue;
          }
        }
      }
      b.addText(this.#text(buf, j, row, line));
    }
    this.#rows = row;
  }

  #text(buf: Uint8Array, j: number, row: number, line: number): string {
    let text: string;
    try {
      text = this.#decoder.decode(buf.subarray(this.#fields.starts[j], this.#fields.ends[j]));
    } catch {
      throw csvRefusal(`row ${row} (line ${line}), column ${j + 1} is not UTF-8 text: is this a CSV file?`, {
        row,
        line,
        column: j + 1,
        column_name: this.#names?.[j] ?? null,
      });
    }
    return this.#fields.flags[j] === QUOTED_ESCAPES ? text.replaceAll('""', '"') : text;
  }

  #nul(line: number, field: number): never {
    const row = this.#names ? this.#rows + 1 : 0;
    throw csvRefusal(`row ${row} (line ${line}), column ${field + 1} holds a NUL byte: is this a CSV file?`, {
      row,
      line,
      column: field + 1,
      column_name: this.#names?.[field] ?? null,
    });
  }
}
