/**
 * The prediction log's SQLite writes, on a thread of their own: the serving thread only packs a
 * slice into one message, and this thread runs the inserts in one transaction over its own
 * connection to the same file (WAL lets the two connections share it; SQLite's busy timeout
 * queues their writes). Messages (shapes in prediction-log-messages.ts):
 *   in:  {type: "open", file} once, then {type: "write", seq, rows, batches}, {type: "close", seq} last
 *   out: {type: "done", seq} | {type: "failed", seq, message}
 */
import { Database, type Statement } from "bun:sqlite";
import {
  BATCH_FIELDS,
  type LogWorkerReply,
  type LogWorkerRequest,
  ROW_FIELDS,
  type WriteRequest,
} from "./prediction-log-messages";

declare const self: Worker;

let file: string | undefined;
let sqlite: Database | undefined;
let insert: Statement | undefined;
let insertBatch: Statement | undefined;

/** Opens the connection on the first write, and again on the next one if that failed. */
function connection(): Database {
  if (sqlite) return sqlite;
  if (!file) throw new Error("the prediction log writer thread was not told its database");
  let db: Database | undefined;
  try {
    // never creates the file: a database that went away is an error, not a fresh empty one
    db = new Database(file, { readwrite: true, create: false, strict: true });
    // as src/db/database.ts opens the service's own connection (WAL is already on in the file)
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = NORMAL");
  } catch (e) {
    db?.close();
    throw new Error(`cannot open ${file} for the prediction log: ${(e as Error).message}`);
  }
  sqlite = db;
  return db;
}

function write(db: Database, m: WriteRequest): void {
  insert ??= db.prepare(
    `INSERT INTO predictions (id, model_key, version, created_at, input, prediction, confidence, latency_ms, job_id,
       created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  insertBatch ??= db.prepare(
    `INSERT INTO prediction_batches (model_key, version, first_prediction_id, last_prediction_id,
       created_from, created_to, row_count, columns, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const row = insert;
  const batch = insertBatch;
  const { rows, batches } = m;
  db.transaction(() => {
    for (let i = 0; i < rows.length; i += ROW_FIELDS) {
      row.run(
        rows[i] as number,
        rows[i + 1] as string,
        rows[i + 2] as string,
        rows[i + 3] as string,
        rows[i + 4] as string,
        rows[i + 5] as string,
        rows[i + 6] as number | null,
        rows[i + 7] as number,
        rows[i + 8] as string | null,
        rows[i + 9] as number | null,
      );
    }
    for (let i = 0; i < batches.length; i += BATCH_FIELDS) {
      batch.run(
        batches[i] as string,
        batches[i + 1] as string,
        batches[i + 2] as number,
        batches[i + 3] as number,
        batches[i + 4] as string,
        batches[i + 5] as string,
        batches[i + 6] as number,
        batches[i + 7] as string,
        batches[i + 8] as Uint8Array,
      );
    }
  })();
}

self.onmessage = (event: MessageEvent<LogWorkerRequest>) => {
  const m = event.data;
  if (m.type === "open") {
    file = m.file;
    return;
  }
  let reply: LogWorkerReply;
  if (m.type === "close") {
    sqlite?.close();
    sqlite = undefined;
    insert = undefined;
    insertBatch = undefined;
    self.postMessage({ type: "done", seq: m.seq } satisfies LogWorkerReply);
    return;
  }
  try {
    write(connection(), m);
    reply = { type: "done", seq: m.seq };
  } catch (e) {
    reply = { type: "failed", seq: m.seq, message: (e as Error).message };
  }
  self.postMessage(reply);
};
