/**
 * NDJSON (one JSON object per line) into columns: the first object names the columns, a later
 * one may leave keys out (missing) but not add any. Values are numbers, strings (missing tokens
 * and numbers in strings read as in a CSV), booleans or null; anything nested is a 422 naming
 * the row and column.
 */
import { csvRefusal } from "../csv-check";
import type { CellSink } from "./cells";
import type { Scan } from "./table";

const LF = 0x0a;

export class NdjsonColumns<S extends CellSink> {
  #carry: Uint8Array = new Uint8Array(0);
  #line = 0;
  #rows = 0;
  #builders: S[] | null = null;
  #at = new Map<string, number>();
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #maxColumns: number;

  readonly #make: (name: string) => S;

  constructor(opts: { maxColumns: number }, make: (name: string) => S) {
    this.#maxColumns = opts.maxColumns;
    this.#make = make;
  }

  push(chunk: Uint8Array): void {
    const buf = this.#carry.length ? concat(this.#carry, chunk) : chunk;
    let start = 0;
    for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, start)) {
      this.#lineOf(buf.subarray(start, i));
      start = i + 1;
    }
    this.#carry = buf.slice(start);
  }

  end(): Scan<S> {
    if (this.#carry.length) this.#lineOf(this.#carry);
    if (!this.#builders) throw csvRefusal("the file is empty: expected one JSON object per line", {});
    return {
      format: "ndjson",
      delimiter: null,
      gzip: false,
      rows: this.#rows,
      sinks: this.#builders,
    };
  }

  #lineOf(bytes: Uint8Array): void {
    const line = ++this.#line;
    const row = this.#rows + 1;
    let value: unknown;
    try {
      const text = this.#decoder.decode(bytes).trim();
      if (text === "") return;
      value = JSON.parse(text);
    } catch {
      throw csvRefusal(`line ${line} is not a JSON object (NDJSON holds one per line)`, { row, line });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw csvRefusal(`line ${line} is not a JSON object (NDJSON holds one per line)`, { row, line });
    const obj = value as Record<string, unknown>;
    if (!this.#builders) {
      const names = Object.keys(obj);
      if (names.length > this.#maxColumns)
        throw csvRefusal(`line ${line} has ${names.length} keys; at most ${this.#maxColumns} columns are allowed`, {
          row,
          line,
        });
      this.#builders = names.map((n) => this.#make(n));
      for (const [j, n] of names.entries()) this.#at.set(n, j);
    }
    const builders = this.#builders;
    const seen = new Uint8Array(builders.length);
    for (const [key, v] of Object.entries(obj)) {
      const j = this.#at.get(key);
      if (j === undefined) {
        throw csvRefusal(`row ${row} (line ${line}) has a key "${key}" that the first row does not have`, {
          row,
          line,
          column_name: key,
        });
      }
      seen[j] = 1;
      const b = builders[j] as S;
      if (v === null) b.addMissing();
      else if (typeof v === "number") b.addNumber(v);
      else if (typeof v === "string") b.addText(v);
      else if (typeof v === "boolean") b.addText(String(v));
      else {
        throw csvRefusal(
          `row ${row} (line ${line}), column "${key}" holds ${Array.isArray(v) ? "an array" : "an object"}: only numbers, strings, booleans and null are read`,
          {
            row,
            line,
            column: j + 1,
            column_name: key,
          },
        );
      }
    }
    builders.forEach((b, j) => {
      if (!seen[j]) b.addMissing();
    });
    this.#rows = row;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
