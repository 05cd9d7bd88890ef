/**
 * The prediction log's writes on PostgreSQL: a flush is a few multi-row INSERTs in one
 * transaction (one round trip per 5,000 rows instead of one per row), and the id block
 * reservation of migration 0007, which the row lock on id_sequences serializes across replicas.
 */
import type { SQL } from "bun";
import type { PredictionBatchRow, PredictionLogStore, PredictionRow } from "../stores";
import { asUnavailable, type Guard } from "../unavailable";

const PREDICTION_COLUMNS = [
  "id",
  "model_key",
  "version",
  "created_at",
  "input",
  "prediction",
  "confidence",
  "latency_ms",
  "job_id",
  "created_by",
  "batch_first_id",
  "batch_row",
] as const;
const BATCH_COLUMNS = [
  "model_key",
  "version",
  "first_prediction_id",
  "last_prediction_id",
  "created_from",
  "created_to",
  "row_count",
  "columns",
  "data",
] as const;
/** rows per statement: PostgreSQL binds at most 65,535 parameters */
const ROWS_PER_STATEMENT = 5_000;

/** `INSERT INTO table (cols) VALUES ($1, …), (…)` for `rows` rows, and its flat parameters. */
export function multiRowInsert<R>(
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
): [string, unknown[]] {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const start = params.length;
    for (const c of columns) params.push(row[c]);
    tuples.push(`(${columns.map((_, i) => `$${start + i + 1}`).join(", ")})`);
  }
  return [`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, params];
}

/** `work` with a lost connection as DatabaseUnavailable, however long it takes. */
async function unbounded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw asUnavailable(e);
  }
}

export class PostgresPredictionLogStore implements PredictionLogStore {
  readonly #pool: SQL;
  readonly #guard: Guard;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  /** Reservations and writes use pooled connections of their own: never inside another transaction. */
  get inTransaction(): boolean {
    return false;
  }

  /**
   * A lost connection is DatabaseUnavailable, but the write is not cut short by the statement
   * timeout: a timed-out transaction could still commit, and the log's retry of the same ids would
   * then fail on every flush after. The log writes in the background, so no request waits on it
   * (except with ML_PREDICTION_LOG=sync).
   */
  async write(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]): Promise<void> {
    await unbounded(() =>
      this.#pool.begin(async (tx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const [text, params] = multiRowInsert(
            "predictions",
            PREDICTION_COLUMNS,
            rows.slice(i, i + ROWS_PER_STATEMENT),
          );
          await tx.unsafe(text, params);
        }
        for (let i = 0; i < batches.length; i += ROWS_PER_STATEMENT) {
          const [text, params] = multiRowInsert("prediction_batches", BATCH_COLUMNS, batches.slice(i, i + 5_000));
          await tx.unsafe(text, params);
        }
      }),
    );
  }

  async reserveIds(block: number): Promise<number> {
    // GREATEST(..) also covers rows that a binary older than 0007 logged after the migration ran
    const [row] = await this.#guard(() =>
      this.#pool.unsafe(
        `UPDATE id_sequences
       SET next_id = GREATEST(next_id, (SELECT COALESCE(MAX(id), 0) + 1 FROM predictions)) + $1
       WHERE name = 'predictions'
       RETURNING next_id`,
        [block],
      ),
    );
    if (!row) throw new Error("id_sequences has no row for predictions: run the migrations");
    return Number(row.next_id);
  }
}
