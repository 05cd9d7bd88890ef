/**
 * The logged inputs a drift check reads: one model version's predictions in a time window.
 *
 * loggedColumns (what the check uses) reads the columnar copy, prediction_batches (columns.ts),
 * and yields drift columns straight from it: no JSON.parse and no object per row. It gives
 * exactly the rows loggedInputs would, row for row:
 *  - a batch wholly inside the window is decoded as it is;
 *  - a batch straddling a window edge (a flush is at most ~200 ms wide, so at most one or two
 *    per check) is read from its predictions rows by id range, filtered by created_at (the
 *    inputs only the batch holds, migration 0016, from the batch at those rows' places);
 *  - rows logged before migration 0005 (ids below the first batch's first id) have no batch:
 *    they are read as JSON, as before. That happens only in the first 24 h after upgrading,
 *    and is skipped by one indexed lookup when the newest such row is older than the window.
 *
 * loggedInputs streams the JSON rows in keyset pages (created_at, id) of `pageRows`.
 * Both keep memory bounded by one page whatever the traffic, and give the event loop a turn
 * between pages, so a check running inside `serve` does not stall requests for seconds.
 */
import type { DriftWindowStore, InputPageRow, WindowBatch } from "../db/stores";
import type { FeatureSpec, Row } from "../ml/features";
import { BATCHED_INPUT, inputTexts } from "./batched-inputs";
import { batchDriftColumns, batchRowJson, ColumnChunk, type DecodedColumn, decodeBatch } from "./columns";
import type { DriftColumn } from "./drift";
import { driftColumns } from "./reference";

export interface LogWindow {
  modelKey: string;
  version: string;
  /** ISO times, start inclusive, end exclusive */
  start: string;
  end: string;
  /** only predictions with a smaller id (rows logged before the first batch); default all */
  beforeId?: number;
}

export const DEFAULT_PAGE_ROWS = 10_000;
/** batches per keyset page: a flush writes ≤ 1,000 rows per batch by default, ≤ 256 KB at 32 f64 columns */
export const DEFAULT_PAGE_BATCHES = 16;

/** rows per chunk handed to the accumulator: 32 f64 features × 32,768 rows = 8 MB */
export const DEFAULT_CHUNK_ROWS = 32_768;

/** Yields drift columns of `spec` for the window's rows, one chunk per batch (see the top of the file). */
export async function* loggedColumns(
  store: DriftWindowStore,
  w: LogWindow,
  spec: FeatureSpec,
  o: { pageRows?: number; pageBatches?: number; chunkRows?: number } = {},
): AsyncGenerator<Record<string, DriftColumn>> {
  const first = await store.firstBatchedId();
  const firstBatched = first ?? Number.MAX_SAFE_INTEGER;
  const newestLegacy = await store.newestBefore(firstBatched);
  if (newestLegacy !== null && newestLegacy >= w.start) {
    for await (const rows of loggedInputs(store, { ...w, beforeId: firstBatched }, o.pageRows)) {
      yield driftColumns(spec, rows);
    }
  }
  if (first === null) return;

  const limit = o.pageBatches ?? DEFAULT_PAGE_BATCHES;
  const chunkRows = o.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const chunk = new ColumnChunk();
  let at = w.start;
  let lastId = -1;
  for (;;) {
    const batches = await store.batchPage(w.modelKey, w.version, at, w.end, lastId, limit);
    for (const [, from, to, firstId, lastPredictionId, rowCount, columns, data] of batches) {
      if (from >= w.start && to < w.end)
        chunk.push(batchDriftColumns(spec, decodeBatch(rowCount, columns, data)), rowCount);
      else {
        const inputs = await store.inputsInRange(firstId, lastPredictionId, w.modelKey, w.version, w.start, w.end);
        // the rows whose input only the batch holds are read from it (decoded once)
        let cols: Map<string, DecodedColumn> | undefined;
        const rows: Row[] = [];
        for (const [text, at] of inputs) {
          let json = text;
          if (text === BATCHED_INPUT && at !== null) {
            cols ??= decodeBatch(rowCount, columns, data);
            json = batchRowJson(cols, at);
          }
          const input = safeParse(json);
          if (input) rows.push(input);
        }
        chunk.push(driftColumns(spec, rows), rows.length);
      }
      if (chunk.rows >= chunkRows) yield chunk.take(spec);
    }
    if (batches.length < limit) {
      if (chunk.rows > 0) yield chunk.take(spec);
      return;
    }
    const last = batches[batches.length - 1] as WindowBatch;
    lastId = last[0];
    at = last[2];
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Yields pages of parsed input rows; a row whose input is not a JSON object is skipped. */
export async function* loggedInputs(
  store: DriftWindowStore,
  w: LogWindow,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<Row[]> {
  let at = w.start;
  let lastId = -1;
  for (;;) {
    const rows = await store.inputPage(
      w.modelKey,
      w.version,
      at,
      w.end,
      lastId,
      w.beforeId ?? Number.MAX_SAFE_INTEGER,
      pageRows,
    );
    if (rows.length === 0) return;
    const texts = await inputTexts(
      (firsts) => store.batchesStarting(firsts),
      rows.map(([, , input, batch_first_id, batch_row]) => ({ input, batch_first_id, batch_row })),
    );
    const out: Row[] = [];
    for (const text of texts) {
      const input = safeParse(text);
      if (input) out.push(input);
    }
    const last = rows[rows.length - 1] as InputPageRow;
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
