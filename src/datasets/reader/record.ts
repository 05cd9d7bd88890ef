/**
 * One CSV record's fields found in bytes, the hot loop of the CSV reader (csv.ts): where each
 * field starts and ends, whether it was quoted, and — for a plain decimal — its value, read while
 * its bytes are scanned so that a numeric cell is touched once. Kept apart from the reader's state
 * so that the runtime compiles one small function over locals and typed arrays.
 */
import { POW10 } from "./cells";

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

/** Field flags. */
export const UNQUOTED = 0;
export const QUOTED = 1;
/** quoted, holding doubled quotes to undo */
export const QUOTED_ESCAPES = 3;
/** unquoted and a plain decimal whose value is in `numbers` */
export const PLAIN_NUMBER = 4;

/** scanRecord's answers other than the end of a record */
export const INCOMPLETE = -1;
export const NUL_BYTE = -2;
export const UNCLOSED_QUOTE = -3;

/** One record's fields, reused from record to record. */
export class Fields {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  numbers = new Float64Array(64);
  count = 0;
  /** line breaks consumed inside quoted fields so far */
  newlines = 0;
  /** for NUL_BYTE and UNCLOSED_QUOTE: the field (0-based) and the line breaks before it */
  problemField = 0;
  problemNewlines = 0;

  grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(n);
    ends.set(this.ends);
    this.ends = ends;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const numbers = new Float64Array(n);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }
}

/**
 * Scans the record starting at `i`: its fields into `f`, and the index just past its line end.
 * INCOMPLETE when the bytes end first and more may come (`final` false); NUL_BYTE or
 * UNCLOSED_QUOTE (at the end of the last bytes) with the field in `f`.
 */
export function scanRecord(buf: Uint8Array, i: number, len: number, final: boolean, delim: number, f: Fields): number {
  let nf = 0;
  f.newlines = 0;
  for (;;) {
    if (nf === f.starts.length) f.grow();
    let flag = UNQUOTED;
    let s = i;
    let c = i < len ? (buf[i] as number) : -1;
    if (c === QUOTE) {
      flag = QUOTED;
      const newlinesBefore = f.newlines;
      s = ++i;
      for (;;) {
        if (i >= len) {
          if (!final) return INCOMPLETE;
          f.problemField = nf;
          f.problemNewlines = newlinesBefore;
          return UNCLOSED_QUOTE;
        }
        c = buf[i] as number;
        if (c === QUOTE) {
          if (i + 1 >= len && !final) return INCOMPLETE;
          if (buf[i + 1] === QUOTE) {
            flag = QUOTED_ESCAPES;
            i += 2;
            continue;
          }
          break;
        }
        if (c === LF) f.newlines++;
        else if (c === 0) return problem(f, nf, NUL_BYTE);
        i++;
      }
      f.ends[nf] = i++;
      // lenient about text after a closing quote, as spreadsheets write `"a" ,b`
      while (i < len) {
        c = buf[i] as number;
        if (c === delim || c === LF || c === CR) break;
        i++;
      }
    } else {
      // past the end a typed array reads undefined, which is no digit and no separator
      const negative = c === MINUS;
      if (negative || c === PLUS) c = buf[++i] as number;
      // each part in int32 arithmetic (a float multiply-add per digit is a long dependency chain);
      // a part of over 9 digits, or 15 in all, is left to parseNumberBytes
      const integerStart = i;
      let integer = 0;
      while (c >= 0x30 && c <= 0x39) {
        integer = (Math.imul(integer, 10) + (c - 0x30)) | 0;
        c = buf[++i] as number;
      }
      const integerDigits = i - integerStart;
      let fraction = 0;
      let fractionDigits = 0;
      if (c === DOT) {
        const fractionStart = ++i;
        c = buf[i] as number;
        while (c >= 0x30 && c <= 0x39) {
          fraction = (Math.imul(fraction, 10) + (c - 0x30)) | 0;
          c = buf[++i] as number;
        }
        fractionDigits = i - fractionStart;
      }
      const digits = integerDigits + fractionDigits;
      if (
        digits > 0 &&
        digits <= 15 &&
        integerDigits <= 9 &&
        fractionDigits <= 9 &&
        (i >= len || c === delim || c === LF || c === CR)
      ) {
        const scale = POW10[fractionDigits] as number;
        const v = fractionDigits > 0 ? (integer * scale + fraction) / scale : integer;
        f.numbers[nf] = negative ? -v : v;
        flag = PLAIN_NUMBER;
      } else {
        while (i < len) {
          c = buf[i] as number;
          if (c === delim || c === LF || c === CR) break;
          if (c === 0) return problem(f, nf, NUL_BYTE);
          i++;
        }
      }
      f.ends[nf] = i;
    }
    f.starts[nf] = s;
    f.flags[nf] = flag;
    nf++;
    if (i >= len) {
      f.count = nf;
      return final ? i : INCOMPLETE;
    }
    c = buf[i++] as number;
    if (c === delim) continue;
    if (c === CR) {
      if (i < len) {
        if (buf[i] === LF) i++;
      } else if (!final) return INCOMPLETE;
    }
    f.count = nf;
    return i;
  }
}

function problem(f: Fields, field: number, code: number): number {
  f.problemField = field;
  f.problemNewlines = f.newlines;
  return code;
}
