/**
 * The prediction log's writes on SQLite: two prepared INSERTs run in one transaction per flush
 * (a flush of 1,000 rows commits once), and the id block reservation of migration 0007. On a
 * database file the inserts run on a writer thread with its own connection
 * (prediction-log-thread.ts), off the thread that answers HTTP; an in-memory database cannot be
 * shared with another connection, so there they run here. Reservations (one per id block) stay
 * on the service's connection.
 */
import type { Database } from "bun:sqlite";
import { isInMemory } from "../database";
import type { PredictionBatchRow, PredictionLogStore, PredictionRow } from "../stores";
import { packSlice, writeSlice } from "./prediction-log-cells";
import { PredictionLogThread } from "./prediction-log-thread";

export class SqlitePredictionLogStore implements PredictionLogStore {
  readonly #sqlite: Database;
  /** the writer thread, on a database file */
  readonly thread: PredictionLogThread | undefined;

  /** `threadUrl`: the writer thread's script, for tests that need one that misbehaves */
  constructor(sqlite: Database, threadUrl?: string) {
    this.#sqlite = sqlite;
    if (!isInMemory(sqlite)) this.thread = new PredictionLogThread(sqlite.filename, threadUrl);
  }

  /** Ends the writer thread (after the writes it holds); a later write starts a new one. */
  async close(): Promise<void> {
    await this.thread?.close();
  }

  get inTransaction(): boolean {
    return this.#sqlite.inTransaction;
  }

  write(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]): Promise<void> {
    if (this.thread) return this.thread.write(rows, batches);
    try {
      writeSlice(this.#sqlite, packSlice(rows, batches));
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async reserveIds(block: number): Promise<number> {
    // MAX(..) also covers rows that a binary older than 0007 logged after the migration ran
    const reserve = () =>
      this.#sqlite
        .query(
          `UPDATE id_sequences
           SET next_id = MAX(next_id, (SELECT COALESCE(MAX(id), 0) + 1 FROM predictions)) + ?
           WHERE name = 'predictions'
           RETURNING next_id`,
        )
        .get(block) as { next_id: number } | null;
    const row = durably(this.#sqlite, reserve);
    if (!row) throw new Error("id_sequences has no row for predictions: run the migrations");
    return row.next_id;
  }
}

/**
 * Runs one write with `synchronous = FULL`: in WAL mode NORMAL survives a process crash but may
 * lose the last commits on power loss, and a lost reservation would re-issue ids already answered.
 */
function durably<T>(sqlite: Database, write: () => T): T {
  if (sqlite.inTransaction) return write();
  const before = (sqlite.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
  if (before >= 2) return write();
  sqlite.exec("PRAGMA synchronous = FULL");
  try {
    return write();
  } finally {
    sqlite.exec(`PRAGMA synchronous = ${before}`);
  }
}
