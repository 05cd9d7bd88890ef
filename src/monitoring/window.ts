/**
 * The logged inputs a drift check reads: one model version's predictions in a time window,
 * streamed in keyset pages (created_at, id) of `pageRows`, so memory stays bounded by one page
 * whatever the traffic. Between pages the event loop gets a turn, so a check running inside
 * `serve` does not stall requests for seconds.
 */
import type { Database } from "bun:sqlite";
import type { Row } from "../ml/features";

export interface LogWindow {
  modelKey: string;
  version: string;
  /** ISO times, start inclusive, end exclusive */
  start: string;
  end: string;
}

export const DEFAULT_PAGE_ROWS = 10_000;

/** Yields pages of parsed input rows; a row whose input is not a JSON object is skipped. */
export async function* loggedInputs(
  sqlite: Database,
  w: LogWindow,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<Row[]> {
  // created_at >= ? bounds the index range; the second clause only skips rows that share the
  // last page's final timestamp and were already read
  const page = sqlite.query<[number, string, string], [string, string, string, string, string, number, number]>(
    `SELECT id, created_at, input FROM predictions
     WHERE model_key = ? AND version = ? AND created_at >= ? AND created_at < ?
       AND NOT (created_at = ? AND id <= ?)
     ORDER BY created_at, id LIMIT ?`,
  );
  let at = w.start;
  let lastId = -1;
  for (;;) {
    const rows = page.values(w.modelKey, w.version, at, w.end, at, lastId, pageRows) as [number, string, string][];
    if (rows.length === 0) return;
    const out: Row[] = [];
    for (const r of rows) {
      const input = safeParse(r[2]);
      if (input) out.push(input);
    }
    const last = rows[rows.length - 1] as [number, string, string];
    lastId = last[0];
    at = last[1];
    yield out;
    if (rows.length < pageRows) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function safeParse(text: string): Row | null {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Row) : null;
  } catch {
    return null;
  }
}

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD: the key of the daily report. */
export function checkDate(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}
