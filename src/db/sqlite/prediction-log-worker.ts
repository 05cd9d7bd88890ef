/**
 * The prediction log's SQLite writes, on a thread of their own: the serving thread only packs a
 * slice into one message, and this thread runs the inserts in one transaction over its own
 * connection to the same file (WAL lets the two connections share it; SQLite's busy timeout
 * queues their writes). Messages (shapes in prediction-log-messages.ts):
 *   in:  {type: "open", file} once, then {type: "write", seq, rows, batches}, {type: "close", seq} last
 *   out: {type: "done", seq} | {type: "failed", seq, message}
 */
import { Database } from "bun:sqlite";
import { writeSlice } from "./prediction-log-cells";
import type { LogWorkerReply, LogWorkerRequest } from "./prediction-log-messages";

declare const self: Worker;

let file: string | undefined;
let sqlite: Database | undefined;

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
    self.postMessage({ type: "done", seq: m.seq } satisfies LogWorkerReply);
    return;
  }
  try {
    writeSlice(connection(), m);
    reply = { type: "done", seq: m.seq };
  } catch (e) {
    reply = { type: "failed", seq: m.seq, message: (e as Error).message };
  }
  self.postMessage(reply);
};
