/**
 * What a column may be called, the same for a CSV header and for the keys of JSON training
 * rows: names become feature names, JSON keys of logged inputs and dashboard table headers, so
 * a name that is empty, holds a control character (C0, DEL, C1) or a bidirectional override
 * (U+202E makes `evil<U+202E>txt.exe` display as `evilexe.txt`) is refused, as is a name that repeats
 * another. `__proto__`, `constructor` and `prototype` are refused too: rows are plain objects,
 * and request parsing (valibot's record) drops those keys without a word.
 *
 * @example
 * columnNameIssue(["a", "b", "a"]); // { column: 3, column_name: "a", problem: "repeats…", first_column: 1 }
 */
import * as v from "valibot";
import { invalid } from "../errors";

/** keys that plain-object rows and the request parser cannot hold faithfully */
export const RESERVED_COLUMN_NAMES: readonly string[] = ["__proto__", "constructor", "prototype"];
/** longest name, in characters: a header cell is otherwise bounded only by the upload size */
export const MAX_COLUMN_NAME_CHARS = 256;

const CONTROL = /\p{Cc}/u;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `name` cannot be a column name, or null when it can. */
export function columnNameProblem(name: string): string | null {
  if (name === "") return "is empty";
  if (name.length > MAX_COLUMN_NAME_CHARS) return `is longer than ${MAX_COLUMN_NAME_CHARS} characters`;
  const control = CONTROL.exec(name);
  if (control) return `holds the control character ${codePoint(control[0])}`;
  const bidi = BIDI.exec(name);
  if (bidi) return `holds the bidirectional control ${codePoint(bidi[0])}`;
  if (RESERVED_COLUMN_NAMES.includes(name)) return `is reserved (${RESERVED_COLUMN_NAMES.join(", ")} are not allowed)`;
  return null;
}

export interface ColumnNameIssue {
  /** 1-based position of the offending name */
  column: number;
  column_name: string;
  problem: string;
  /** for a repeated name, where it first appeared */
  first_column?: number;
}

/** The first name in `names` that is not allowed or repeats an earlier one; null when all are fine. */
export function columnNameIssue(names: readonly string[]): ColumnNameIssue | null {
  const seen = new Map<string, number>();
  for (const [j, name] of names.entries()) {
    const problem = columnNameProblem(name);
    if (problem) return { column: j + 1, column_name: name, problem };
    const before = seen.get(name);
    if (before !== undefined) {
      return {
        column: j + 1,
        column_name: name,
        problem: `repeats the name of column ${before}`,
        first_column: before,
      };
    }
    seen.set(name, j + 1);
  }
  return null;
}

const UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/** A name as a message shows it: quoted, control and bidi characters written as \u{…}, cut at 80. */
export function shownColumnName(name: string): string {
  const safe = name.replace(UNSAFE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
  return `"${safe.length > 80 ? `${safe.slice(0, 80)}…` : safe}"`;
}

/**
 * 422 naming the first column name that is not allowed (see columnNameProblem) or repeated;
 * `what` says where the names came from ("the training rows").
 */
export function checkColumnNames(names: readonly string[], what = "the data"): void {
  const issue = columnNameIssue(names);
  if (!issue) return;
  throw invalid(`column ${issue.column} ${shownColumnName(issue.column_name)} of ${what} ${issue.problem}`, issue);
}

const reservedKeyOf = (row: object) => Object.keys(row).find((k) => RESERVED_COLUMN_NAMES.includes(k));

/**
 * A row of named cells as a request schema: like `v.record(v.string(), cell)`, but a reserved
 * key (`__proto__`, …) is a 422 where valibot's record would drop it without a word.
 * @example
 * const TrainBody = v.object({ items: v.array(namedRow(Cell)) });
 */
export function namedRow<T extends v.GenericSchema>(cell: T) {
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (x) => typeof x === "object" && x !== null && !Array.isArray(x),
      "expected an object of column: value",
    ),
    v.check(
      (row) => reservedKeyOf(row) === undefined,
      (issue) =>
        `column ${shownColumnName(reservedKeyOf(issue.input as object) ?? "")} ${columnNameProblem("__proto__")}`,
    ),
    v.record(v.string(), cell),
  );
}
