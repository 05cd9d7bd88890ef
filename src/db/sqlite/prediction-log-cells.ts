/**
 * The prediction log's two INSERTs on SQLite, over slices packed as flat cells (ROW_FIELDS values
 * per row, BATCH_FIELDS per batch, in the INSERTs' column order): the one way rows are written,
 * whether by the writer thread (prediction-log-worker.ts, which receives them packed) or on the
 * service's connection for an in-memory database (prediction-log-store.ts).
 */
import type { Database, Statement } from "bun:sqlite";
import type { PredictionBatchRow, PredictionRow } from "../stores";
import { BATCH_FIELDS, type Cell, ROW_FIELDS } from "./prediction-log-messages";

/** A slice as the writer thread receives it. */
export interface PackedSlice {
  rows: Cell[];
  batches: Cell[];
}

/** Rows and batches → flat cells, in the INSERTs' column order. */
export function packSlice(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]): PackedSlice {
  const flatRows: Cell[] = new Array(rows.length * ROW_FIELDS);
  let i = 0;
  for (const r of rows) {
    flatRows[i++] = r.id;
    flatRows[i++] = r.model_key;
    flatRows[i++] = r.version;
    flatRows[i++] = r.created_at;
    flatRows[i++] = r.input;
    flatRows[i++] = r.prediction;
    flatRows[i++] = r.confidence;
    flatRows[i++] = r.latency_ms;
    flatRows[i++] = r.job_id;
    flatRows[i++] = r.created_by;
    flatRows[i++] = r.batch_first_id;
    flatRows[i++] = r.batch_row;
  }
  const flatBatches: Cell[] = new Array(batches.length * BATCH_FIELDS);
  i = 0;
  for (const b of batches) {
    flatBatches[i++] = b.model_key;
    flatBatches[i++] = b.version;
    flatBatches[i++] = b.first_prediction_id;
    flatBatches[i++] = b.last_prediction_id;
    flatBatches[i++] = b.created_from;
    flatBatches[i++] = b.created_to;
    flatBatches[i++] = b.row_count;
    flatBatches[i++] = b.columns;
    flatBatches[i++] = b.data;
  }
  return { rows: flatRows, batches: flatBatches };
}

/** rows one INSERT takes at a time while a slice has that many left (one statement step for all) */
export const ROWS_PER_INSERT = 32;

interface Inserts {
  row: Statement;
  /** ROWS_PER_INSERT rows in one statement: a fifth less of the writer's time per row than one by one */
  rows: Statement;
  batch: Statement;
}

const ROW_COLUMNS = `INSERT INTO predictions (id, model_key, version, created_at, input, prediction, confidence, latency_ms,
           job_id, created_by, batch_first_id, batch_row)
         VALUES `;
const ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** per connection, its two prepared INSERTs */
const prepared = new WeakMap<Database, Inserts>();

function insertsOf(db: Database): Inserts {
  let s = prepared.get(db);
  if (!s) {
    s = {
      row: db.prepare(ROW_COLUMNS + ROW_VALUES),
      rows: db.prepare(ROW_COLUMNS + Array(ROWS_PER_INSERT).fill(ROW_VALUES).join(", ")),
      batch: db.prepare(
        `INSERT INTO prediction_batches (model_key, version, first_prediction_id, last_prediction_id,
           created_from, created_to, row_count, columns, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    prepared.set(db, s);
  }
  return s;
}

/** Writes one packed slice in one transaction; throws what SQLite throws (nothing is then written). */
export function writeSlice(db: Database, slice: PackedSlice): void {
  const { row, rows: many, batch } = insertsOf(db);
  const { rows, batches } = slice;
  const chunk = ROWS_PER_INSERT * ROW_FIELDS;
  // whole chunks in one statement each, the rest one by one
  const whole = rows.length - (rows.length % chunk);
  db.transaction(() => {
    for (let i = 0; i < whole; i += chunk) many.run(...rows.slice(i, i + chunk));
    for (let i = whole; i < rows.length; i += ROW_FIELDS) row.run(...rows.slice(i, i + ROW_FIELDS));
    for (let i = 0; i < batches.length; i += BATCH_FIELDS) batch.run(...batches.slice(i, i + BATCH_FIELDS));
  })();
}
