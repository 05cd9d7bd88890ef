/**
 * The streaming CSV reader: bytes in (chunks of any size, split anywhere), typed columns out
 * (table.ts). RFC 4180 quoting with delimiters, line breaks and doubled quotes inside quoted
 * fields, a BOM, CRLF or LF, blank lines skipped; the delimiter is sniffed from the first
 * 64 KiB (sniff.ts). Unquoted numbers are parsed straight from the bytes; only other cells
 * are decoded, as strict UTF-8. Each refusal is a 422 naming row, line and column.
 */
import { checkHeader, csvRefusal } from "../csv-check";
import { type CellSink, parseNumberBytes } from "./cells";
import { sniffDelimiter } from "./sniff";
import type { Scan } from "./table";

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SNIFF_BYTES = 64 * 1024;
/** one record longer than this is refused: an unclosed quote would otherwise hold the whole file */
const MAX_RECORD_BYTES = 8 * 2 ** 20;

/** Reader limits: ML_MAX_CSV_COLUMNS. */
export interface CsvOptions {
  maxColumns: number;
}

export class CsvColumns<S extends CellSink> {
  readonly #opts: CsvOptions;
  #carry: Uint8Array = new Uint8Array(0);
  #delimiter = -1;
  #bom = true;
  #line = 1;
  #rows = 0;
  #names: string[] | null = null;
  #builders: S[] = [];
  #starts = new Int32Array(64);
  #ends = new Int32Array(64);
  #flags = new Uint8Array(64);
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
    const buf = this.#carry.length ? concat(this.#carry, chunk) : chunk;
    if (this.#delimiter < 0 && buf.length < SNIFF_BYTES) {
      this.#carry = buf === chunk ? chunk.slice() : buf;
      return;
    }
    this.#parse(buf, false);
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
    let i = 0;
    while (i < len) {
      const recordStart = i;
      const recordLine = this.#line;
      let nf = 0;
      let complete = false;
      for (;;) {
        if (nf === this.#starts.length) this.#growFields();
        let flag = 0;
        let s: number;
        let e: number;
        if (buf[i] === QUOTE) {
          flag = 1;
          const quoteLine = this.#line;
          s = ++i;
          for (;;) {
            if (i >= len) {
              if (final)
                throw csvRefusal(`the quoted field opened on line ${quoteLine} is not closed`, {
                  line: quoteLine,
                  row: this.#rows + 1,
                  column: nf + 1,
                });
              e = -1;
              break;
            }
            const c = buf[i] as number;
            if (c === QUOTE) {
              if (i + 1 >= len && !final) {
                e = -1;
                break;
              }
              if (buf[i + 1] === QUOTE) {
                flag = 3;
                i += 2;
                continue;
              }
              e = i++;
              break;
            }
            if (c === LF) this.#line++;
            else if (c === 0) this.#nul(recordLine, nf);
            i++;
          }
          if (e < 0) break;
          // lenient about text after a closing quote, as spreadsheets write `"a" ,b`
          while (i < len && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) i++;
        } else {
          s = i;
          for (;;) {
            if (i >= len) break;
            const c = buf[i] as number;
            if (c === delim || c === LF || c === CR) break;
            if (c === 0) this.#nul(recordLine, nf);
            i++;
          }
          e = i;
        }
        this.#starts[nf] = s;
        this.#ends[nf] = e;
        this.#flags[nf] = flag;
        nf++;
        if (i >= len) {
          complete = final;
          break;
        }
        const c = buf[i] as number;
        i++;
        if (c === delim) continue;
        if (c === CR && i < len && buf[i] === LF) i++;
        else if (c === CR && i >= len && !final) {
          i--;
          break;
        }
        this.#line++;
        complete = true;
        break;
      }
      if (!complete) {
        if (len - recordStart > MAX_RECORD_BYTES) {
          const row = this.#names ? this.#rows + 1 : 0;
          throw csvRefusal(
            `row ${row} (line ${recordLine}) runs past ${MAX_RECORD_BYTES / 2 ** 20} MiB without ending: an unclosed quote, or not a CSV file`,
            { row, line: recordLine },
          );
        }
        this.#line = recordLine;
        this.#carry = buf.slice(recordStart);
        return;
      }
      const blank = nf === 1 && this.#flags[0] === 0 && this.#starts[0] === this.#ends[0];
      if (!blank) this.#record(buf, nf, recordLine);
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
    for (let j = 0; j < nf; j++) {
      const b = this.#builders[j] as S;
      const s = this.#starts[j] as number;
      const e = this.#ends[j] as number;
      if (this.#flags[j] === 0) {
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
      text = this.#decoder.decode(buf.subarray(this.#starts[j], this.#ends[j]));
    } catch {
      throw csvRefusal(`row ${row} (line ${line}), column ${j + 1} is not UTF-8 text: is this a CSV file?`, {
        row,
        line,
        column: j + 1,
        column_name: this.#names?.[j] ?? null,
      });
    }
    return this.#flags[j] === 3 ? text.replaceAll('""', '"') : text;
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

  #growFields(): void {
    const n = this.#starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T) => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#starts = grow(this.#starts, (k) => new Int32Array(k));
    this.#ends = grow(this.#ends, (k) => new Int32Array(k));
    this.#flags = grow(this.#flags, (k) => new Uint8Array(k));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
