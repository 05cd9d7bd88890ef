/**
 * What the serving thread and the prediction log's writer thread (prediction-log-worker.ts) say
 * to each other. A slice travels as two flat arrays (ROW_FIELDS values per row, BATCH_FIELDS per
 * batch) rather than hundreds of objects: one structured clone of primitives is cheaper to post.
 */

/** predictions columns per row, in the INSERT's order: id … batch_row */
export const ROW_FIELDS = 12;
/** prediction_batches columns per batch, in the INSERT's order: model_key … data */
export const BATCH_FIELDS = 9;

export type Cell = string | number | null | Uint8Array;

export interface OpenRequest {
  type: "open";
  file: string;
}

export interface WriteRequest {
  type: "write";
  seq: number;
  rows: Cell[];
  batches: Cell[];
}

/** closes the connection (answered "done"), before the thread is ended */
export interface CloseRequest {
  type: "close";
  seq: number;
}

export type LogWorkerRequest = OpenRequest | WriteRequest | CloseRequest;

export type LogWorkerReply = { type: "done"; seq: number } | { type: "failed"; seq: number; message: string };
