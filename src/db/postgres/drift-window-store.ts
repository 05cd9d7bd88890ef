/**
 * The drift window's reads on PostgreSQL: the SQL of ../sqlite/drift-window-store.ts with
 * numbered parameters, read as arrays (`.values()`), int8 columns as numbers, BYTEA as bytes.
 */
import type { SQL } from "bun";
import type { DriftWindowStore, InputPageRow, WindowBatch } from "../stores";
import type { Guard } from "../unavailable";
import { numberValues } from "./values";

export class PostgresDriftWindowStore implements DriftWindowStore {
  readonly #pool: SQL;
  readonly #guard: Guard;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  async #values(sql: string, params: unknown[]): Promise<unknown[][]> {
    return numberValues(await this.#guard(() => this.#pool.unsafe(sql, params).values()));
  }

  async firstBatchedId(): Promise<number | null> {
    const [row] = await this.#values("SELECT first_prediction_id FROM prediction_batches ORDER BY id LIMIT 1", []);
    return (row?.[0] as number | undefined) ?? null;
  }

  async newestBefore(id: number): Promise<string | null> {
    const [row] = await this.#values("SELECT created_at FROM predictions WHERE id < $1 ORDER BY id DESC LIMIT 1", [id]);
    return (row?.[0] as string | undefined) ?? null;
  }

  async batchPage(
    modelKey: string,
    version: string,
    at: string,
    end: string,
    lastId: number,
    limit: number,
  ): Promise<WindowBatch[]> {
    return (await this.#values(
      `SELECT id, created_from, created_to, first_prediction_id, last_prediction_id, row_count, columns, data
       FROM prediction_batches
       WHERE model_key = $1 AND version = $2 AND created_to >= $3 AND created_from < $4
         AND NOT (created_to = $5 AND id <= $6)
       ORDER BY created_to, id LIMIT $7`,
      [modelKey, version, at, end, at, lastId, limit],
    )) as WindowBatch[];
  }

  async inputsInRange(firstId: number, lastId: number, modelKey: string, version: string, start: string, end: string) {
    // another process's batch of the same version can share the id range: rows name their batch
    return (await this.#values(
      `SELECT input, batch_row FROM predictions
       WHERE id BETWEEN $1 AND $2 AND model_key = $3 AND version = $4 AND created_at >= $5 AND created_at < $6
         AND (batch_first_id = $1 OR batch_first_id IS NULL)
       ORDER BY id`,
      [firstId, lastId, modelKey, version, start, end],
    )) as [string, number | null][];
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
    return (await this.#values(
      `SELECT id, created_at, input, batch_first_id, batch_row FROM predictions
       WHERE model_key = $1 AND version = $2 AND created_at >= $3 AND created_at < $4
         AND NOT (created_at = $5 AND id <= $6) AND id < $7
       ORDER BY created_at, id LIMIT $8`,
      [modelKey, version, at, end, at, lastId, beforeId, limit],
    )) as InputPageRow[];
  }

  async batchesStarting(firsts: readonly number[]) {
    if (firsts.length === 0) return [];
    const marks = firsts.map((_, i) => `$${i + 1}`).join(", ");
    return (await this.#values(
      `SELECT first_prediction_id, row_count, columns, data FROM prediction_batches WHERE first_prediction_id IN (${marks})`,
      [...firsts],
    )) as [number, number, string, Uint8Array][];
  }
}
