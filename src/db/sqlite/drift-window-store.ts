/**
 * The drift window's reads on SQLite: four prepared statements, compiled once per database and
 * read with `.values()` (arrays, no object per row). The SQL and its index use are explained in
 * monitoring/window.ts.
 */
import type { Database, Statement } from "bun:sqlite";
import type { DriftWindowStore, InputPageRow, WindowBatch } from "../stores";

export class SqliteDriftWindowStore implements DriftWindowStore {
  readonly #sqlite: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(sqlite: Database) {
    this.#sqlite = sqlite;
  }

  #statement(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#sqlite.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  async firstBatchedId(): Promise<number | null> {
    const row = this.#statement(
      "SELECT first_prediction_id AS id FROM prediction_batches ORDER BY id LIMIT 1",
    ).get() as {
      id: number;
    } | null;
    return row?.id ?? null;
  }

  async newestBefore(id: number): Promise<string | null> {
    const row = this.#statement("SELECT created_at FROM predictions WHERE id < ? ORDER BY id DESC LIMIT 1").get(id) as {
      created_at: string;
    } | null;
    return row?.created_at ?? null;
  }

  async batchPage(
    modelKey: string,
    version: string,
    at: string,
    end: string,
    lastId: number,
    limit: number,
  ): Promise<WindowBatch[]> {
    // created_to >= at bounds the index range; created_from < end keeps batches that reach
    // into the window; the NOT clause skips what the last page already read (keyset)
    return this.#statement(
      `SELECT id, created_from, created_to, first_prediction_id, last_prediction_id, row_count, columns, data
       FROM prediction_batches
       WHERE model_key = ? AND version = ? AND created_to >= ? AND created_from < ?
         AND NOT (created_to = ? AND id <= ?)
       ORDER BY created_to, id LIMIT ?`,
    ).values(modelKey, version, at, end, at, lastId, limit) as unknown as WindowBatch[];
  }

  async inputsInRange(firstId: number, lastId: number, modelKey: string, version: string, start: string, end: string) {
    // another process's batch of the same version can share the id range: rows name their batch
    return this.#statement(
      `SELECT input, batch_row FROM predictions
       WHERE id BETWEEN ? AND ? AND model_key = ? AND version = ? AND created_at >= ? AND created_at < ?
         AND (batch_first_id = ? OR batch_first_id IS NULL)
       ORDER BY id`,
    ).values(firstId, lastId, modelKey, version, start, end, firstId) as [string, number | null][];
  }

  async inputPage(
    modelKey: string,
    version: string,
    at: string,
    end: string,
    lastId: number,
    beforeId: number,
    limit: number,
  ) {
    // created_at >= ? bounds the index range; the second clause only skips rows that share the
    // last page's final timestamp and were already read
    return this.#statement(
      `SELECT id, created_at, input, batch_first_id, batch_row FROM predictions
       WHERE model_key = ? AND version = ? AND created_at >= ? AND created_at < ?
         AND NOT (created_at = ? AND id <= ?) AND id < ?
       ORDER BY created_at, id LIMIT ?`,
    ).values(modelKey, version, at, end, at, lastId, beforeId, limit) as InputPageRow[];
  }

  async batchesStarting(firsts: readonly number[]) {
    const out: [number, number, string, Uint8Array][] = [];
    const read = this.#statement(
      "SELECT first_prediction_id, row_count, columns, data FROM prediction_batches WHERE first_prediction_id = ?",
    );
    for (const first of firsts) out.push(...(read.values(first) as [number, number, string, Uint8Array][]));
    return out;
  }
}
