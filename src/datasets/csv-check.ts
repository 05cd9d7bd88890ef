/**
 * The rules an uploaded CSV must meet (the reader, src/datasets/reader/, applies them as the
 * file streams in; the store checks the whole-table ones). Every refusal is a 422 whose details name where:
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
const looksNumeric = (s: string) => NUMBER.test(s);

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

/** What an upload may hold beyond the byte limit. */
export interface CsvLimits {
  /** ML_MAX_CSV_COLUMNS: a wider header is refused before any row is read */
  maxColumns: number;
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
