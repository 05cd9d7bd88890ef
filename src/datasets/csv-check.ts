/**
 * The rules an uploaded CSV must meet, checked record by record as the file streams in, so
 * that only counts are kept in memory. Every refusal is a 422 whose details name where:
 * `row` (data rows from 1; 0 is the header), `line` (in the file, 1-based; differs from
 * row + 1 when quoted fields span lines or blank lines are skipped), `column` (1-based) and
 * `column_name` when the header gives one.
 */
import { ServiceError } from "../errors";
import { columnNameIssue, shownColumnName } from "./column-names";

export const MIN_DATA_ROWS = 2;
/** largest share of empty cells over the whole table */
export const MAX_EMPTY_SHARE = 0.5;

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
export const looksNumeric = (s: string) => NUMBER.test(s);

export interface Where {
  row: number | null;
  line: number | null;
  column: number | null;
  column_name: string | null;
}

export function csvRefusal(message: string, where: Partial<Where>, extra: Record<string, unknown> = {}): ServiceError {
  const details = { row: null, line: null, column: null, column_name: null, ...where, ...extra };
  return new ServiceError(422, "validation_failed", message, details);
}

const share = (n: number, of: number) => Math.round((n / of) * 1000) / 1000;
const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

export interface CsvSummary {
  columns: string[];
  rowCount: number;
}

/** What an upload may hold beyond the byte limit. */
export interface CsvLimits {
  /** ML_MAX_CSV_COLUMNS: a wider header is refused before any row is read */
  maxColumns: number;
}

export class CsvCheck {
  readonly #limits: CsvLimits;
  #columns: string[] | undefined;
  #rows = 0;
  #emptyByColumn: number[] = [];

  constructor(limits: CsvLimits) {
    this.#limits = limits;
  }

  /** Takes the next record (the first is the header); throws the 422 for the first rule it breaks. */
  record(fields: string[], line: number): void {
    if (!this.#columns) {
      this.#columns = checkHeader(fields, line, this.#limits);
      this.#emptyByColumn = this.#columns.map(() => 0);
      return;
    }
    const columns = this.#columns;
    const row = this.#rows + 1;
    if (fields.length !== columns.length) {
      const missing = fields.length < columns.length;
      const column = missing ? fields.length + 1 : columns.length + 1;
      throw csvRefusal(
        `row ${row} (line ${line}) has ${fields.length} fields, but the header has ${columns.length}: ` +
          (missing ? `column ${column} "${columns[column - 1]}" is missing` : `column ${column} is extra`),
        { row, line, column, column_name: missing ? (columns[column - 1] as string) : null },
        { expected_fields: columns.length, found_fields: fields.length },
      );
    }
    for (let j = 0; j < fields.length; j++) {
      const cell = fields[j] as string;
      if (cell.trim() === "") (this.#emptyByColumn[j] as number)++;
      // a NUL ends strings in C tools and in many viewers: what is shown would not be what is stored
      if (cell.includes("\u0000")) {
        throw csvRefusal(`row ${row} (line ${line}), column ${j + 1} "${columns[j]}" holds a NUL character`, {
          row,
          line,
          column: j + 1,
          column_name: columns[j] as string,
        });
      }
    }
    this.#rows = row;
  }

  /** After the last record: the row count and empty-cell rules, which need the whole table. */
  finish(): CsvSummary {
    const columns = this.#columns;
    if (!columns) throw csvRefusal("the file is empty: expected a header row and at least 2 data rows", {});
    if (this.#rows < MIN_DATA_ROWS) {
      throw csvRefusal(
        `expected at least ${MIN_DATA_ROWS} data rows after the header; found ${this.#rows}`,
        { row: this.#rows + 1 },
        { row_count: this.#rows, min_rows: MIN_DATA_ROWS },
      );
    }
    const cells = this.#rows * columns.length;
    const empty = this.#emptyByColumn.reduce((a, b) => a + b, 0);
    if (empty / cells > MAX_EMPTY_SHARE) {
      let worst = 0;
      for (let j = 1; j < columns.length; j++) {
        if ((this.#emptyByColumn[j] as number) > (this.#emptyByColumn[worst] as number)) worst = j;
      }
      const worstShare = share(this.#emptyByColumn[worst] as number, this.#rows);
      throw csvRefusal(
        `${percent(empty / cells)} of the cells are empty (at most ${percent(MAX_EMPTY_SHARE)} allowed); ` +
          `the emptiest column is ${worst + 1} "${columns[worst]}" at ${percent(worstShare)}`,
        { column: worst + 1, column_name: columns[worst] as string },
        { empty_share: share(empty, cells), max_empty_share: MAX_EMPTY_SHARE, column_empty_share: worstShare },
      );
    }
    return { columns, rowCount: this.#rows };
  }
}

/** The header's names, trimmed; a 422 for too many columns, numbers instead of names, or a bad name. */
export function checkHeader(fields: string[], line: number, limits: CsvLimits): string[] {
  if (fields.length > limits.maxColumns) {
    throw csvRefusal(
      `the header has ${fields.length} columns; at most ${limits.maxColumns} are allowed (ML_MAX_CSV_COLUMNS)`,
      { row: 0, line },
      { column_count: fields.length, max_columns: limits.maxColumns },
    );
  }
  const names = fields.map((f) => f.trim());
  if (names.length > 0 && names.every(looksNumeric)) {
    throw csvRefusal(`line ${line} holds numbers, not column names: the first row must be a header`, {
      row: 0,
      line,
      column: 1,
    });
  }
  const issue = columnNameIssue(names);
  if (issue) {
    const { column, column_name, problem, ...extra } = issue;
    throw csvRefusal(
      `header: column ${column} ${shownColumnName(column_name)} ${problem}`,
      { row: 0, line, column, column_name },
      { problem, ...extra },
    );
  }
  return names;
}
