/**
 * Tests' reference CSV record reader (the service reads data through src/datasets/reader/):
 * an incremental RFC 4180 reader: text goes in as chunks of any size (a quote, an escaped
 * quote or a CRLF may be split between two), records come out with the file line they start
 * on. Fields may be quoted, with commas, line breaks and doubled quotes inside. Blank lines
 * are skipped. It is lenient about text after a closing quote (`"a"b` is
 * `ab`); used to check what the service writes, field by field as text.
 */

export type OnRecord = (fields: string[], line: number) => void;

export class UnclosedQuote extends Error {
  override name = "UnclosedQuote";
  constructor(readonly line: number) {
    super(`the quoted field opened on line ${line} is not closed`);
  }
}

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** just read a quote inside a quoted field: the next character says if it was `""` or the end */
const QUOTE_IN_QUOTED = 3;

export class CsvReader {
  #state = FIELD_START;
  #field = "";
  #record: string[] = [];
  #wasQuoted = false;
  /** a CR ended a record; an LF right after it belongs to the same line break */
  #afterCr = false;
  #line = 1;
  #recordLine = 1;
  #quoteLine = 1;
  readonly #onRecord: OnRecord;

  constructor(onRecord: OnRecord) {
    this.#onRecord = onRecord;
  }

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.#afterCr) {
        this.#afterCr = false;
        if (ch === "\n") continue;
      }
      if (this.#state === QUOTED) {
        if (ch === '"') this.#state = QUOTE_IN_QUOTED;
        else {
          if (ch === "\n") this.#line++;
          this.#field += ch;
        }
        continue;
      }
      if (this.#state === QUOTE_IN_QUOTED) {
        if (ch === '"') {
          this.#field += '"';
          this.#state = QUOTED;
          continue;
        }
        this.#state = UNQUOTED;
      }
      if (ch === '"' && this.#state === FIELD_START) {
        this.#state = QUOTED;
        this.#wasQuoted = true;
        this.#quoteLine = this.#line;
      } else if (ch === ",") {
        this.#record.push(this.#field);
        this.#field = "";
        this.#state = FIELD_START;
      } else if (ch === "\n" || ch === "\r") {
        this.#afterCr = ch === "\r";
        this.#endRecord();
      } else {
        this.#field += ch;
        this.#state = UNQUOTED;
      }
    }
  }

  /** Ends the input: emits a last record without a line break; throws UnclosedQuote. */
  end(): void {
    if (this.#state === QUOTED) throw new UnclosedQuote(this.#quoteLine);
    if (this.#field !== "" || this.#record.length > 0 || this.#wasQuoted) this.#endRecord();
  }

  #endRecord(): void {
    this.#record.push(this.#field);
    const blank = this.#record.length === 1 && this.#record[0] === "" && !this.#wasQuoted;
    if (!blank) this.#onRecord(this.#record, this.#recordLine);
    this.#record = [];
    this.#field = "";
    this.#wasQuoted = false;
    this.#state = FIELD_START;
    this.#line++;
    this.#recordLine = this.#line;
  }
}

/** Every record of a whole text (tests, previews). */
export function readRecords(text: string, max = Number.POSITIVE_INFINITY): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const reader = new CsvReader((fields, line) => {
    if (out.length < max) out.push({ fields, line });
  });
  reader.push(text);
  reader.end();
  return out;
}
