/**
 * PostgreSQL sends int8 (ids, COUNT(*)) and numeric (SUM of int8) as text, since they can
 * exceed a double; every id and count of this service fits one, and domain code expects the
 * numbers SQLite gives. The result's column types say which columns to convert.
 */
const INT8 = 20;
const NUMERIC = 1700;

interface TypedResult {
  columns?: readonly { name: string; type: number }[] | null;
}

/** The rows of a Bun.SQL result, with int8 and numeric columns as numbers (in place). */
export function numberColumns(result: readonly unknown[] & TypedResult): Record<string, unknown>[] {
  const rows = result as unknown as Record<string, unknown>[];
  const names = (result.columns ?? []).filter((c) => c.type === INT8 || c.type === NUMERIC).map((c) => c.name);
  if (names.length === 0 || rows.length === 0) return [...rows];
  for (const row of rows) {
    for (const name of names) {
      const v = row[name];
      if (typeof v === "string") row[name] = Number(v);
      else if (typeof v === "bigint") row[name] = Number(v);
    }
  }
  return [...rows];
}

/** The same for `.values()` results (arrays), by column position. */
export function numberValues(result: readonly unknown[][] & TypedResult): unknown[][] {
  const at = (result.columns ?? []).flatMap((c, i) => (c.type === INT8 || c.type === NUMERIC ? [i] : []));
  const rows = [...result];
  if (at.length === 0) return rows;
  for (const row of rows) {
    for (const i of at) {
      const v = row[i];
      if (typeof v === "string" || typeof v === "bigint") row[i] = Number(v);
    }
  }
  return rows;
}
