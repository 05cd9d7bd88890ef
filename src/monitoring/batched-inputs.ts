/**
 * Logged inputs stored once (migration 0016): a `predictions` row whose input its batch holds
 * exactly has `input` = '' and names the batch (`batch_first_id`, the batch's
 * first_prediction_id) and its place in it (`batch_row`); every other row keeps its JSON text.
 * A 64-feature row's input is ~700 bytes of JSON text, and its batch holds the same values in
 * 256: stored once, a digits-like row costs the database 488 bytes instead of 1,437 and the
 * log's writer thread 5.4 µs instead of 8.8 (`bun run bench:log-write`, both checkouts side by
 * side).
 *
 *   const texts = await inputTexts(batchesIn(db), rows); // rows selected with input, batch_first_id, batch_row
 *
 * The text given back is JSON.stringify of the row that was logged, byte for byte (encodeBatch
 * marks a row exact only then), so readers parse it as they parse a stored text.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { batchRowJson, type DecodedColumn, decodeBatch } from "./columns";

/** `predictions.input` of a row whose batch holds its input: '' is never valid JSON, so never a real input */
export const BATCHED_INPUT = "";

/** What a reader selects from `predictions` to get a row's input back. */
export interface LoggedInputRef {
  input: string;
  batch_first_id: number | null;
  batch_row: number | null;
}

/** [first_prediction_id, row_count, columns, data] of the batches that start at `firsts` (none for an id no batch starts at) */
export type BatchesStarting = (
  firsts: readonly number[],
) => Promise<[first: number, rowCount: number, columns: string, data: Uint8Array][]>;

/** batches fetched per query: well under SQLite's and PostgreSQL's bound-parameter limits */
const BATCHES_PER_QUERY = 500;

/** BatchesStarting over the Kysely handle, for readers that have no DriftWindowStore. */
export function batchesIn(db: Kysely<DB>): BatchesStarting {
  return async (firsts) => {
    const out: [number, number, string, Uint8Array][] = [];
    for (let i = 0; i < firsts.length; i += BATCHES_PER_QUERY) {
      const found = await db
        .selectFrom("prediction_batches")
        .select(["first_prediction_id", "row_count", "columns", "data"])
        .where("first_prediction_id", "in", firsts.slice(i, i + BATCHES_PER_QUERY))
        .execute();
      for (const b of found) out.push([Number(b.first_prediction_id), b.row_count, b.columns, b.data]);
    }
    return out;
  };
}

/**
 * The input of each row as JSON text, in order: its own text, or its row of its batch (each batch
 * fetched once through `batches` and decoded once). Throws when a batch a row names is gone:
 * retention keeps every batch a kept row names (retention.ts), so that is a damaged database, not
 * a state to paper over.
 */
export async function inputTexts(batches: BatchesStarting, rows: readonly LoggedInputRef[]): Promise<string[]> {
  const wanted = new Set<number>();
  for (const r of rows) if (r.input === BATCHED_INPUT && r.batch_first_id !== null) wanted.add(r.batch_first_id);
  const decoded = new Map<number, Map<string, DecodedColumn>>();
  if (wanted.size > 0)
    for (const [first, rowCount, columns, data] of await batches([...wanted]))
      decoded.set(first, decodeBatch(rowCount, columns, data));
  return rows.map((r) => {
    if (r.input !== BATCHED_INPUT) return r.input;
    const cols = r.batch_first_id === null ? undefined : decoded.get(r.batch_first_id);
    if (!cols || r.batch_row === null)
      throw new Error(`the prediction_batches row of a logged input (batch ${r.batch_first_id}) is missing`);
    return batchRowJson(cols, r.batch_row);
  });
}
