/**
 * The PostgreSQL implementations of the hot-path stores (../stores.ts), over the Bun.SQL pool
 * Kysely uses. Prepared statements are Bun.SQL's own (named, cached per connection by text).
 */
import type { SQL } from "bun";
import { NoEpoch } from "../credential-epoch";
import type { DbStores, PreparedQueries, RowInserter, RowValues } from "../stores";
import type { Guard } from "../unavailable";
import { PostgresDriftWindowStore } from "./drift-window-store";
import { appliedPostgresMigrations } from "./migrator";
import { PostgresPredictionLogStore } from "./prediction-log-store";
import { numberColumns } from "./values";

const NAME = /^[a-z_][a-z0-9_]*$/;

class PostgresPreparedQueries implements PreparedQueries {
  readonly #pool: SQL;
  readonly #guard: Guard;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  async first<R>(sql: string, params: readonly (string | number | null)[]): Promise<R | undefined> {
    const rows = numberColumns(await this.#guard(() => this.#pool.unsafe(sql, [...params])));
    return rows[0] as R | undefined;
  }

  inserter(table: string, columns: readonly string[]): RowInserter {
    for (const name of [table, ...columns]) if (!NAME.test(name)) throw new Error(`not a column name: ${name}`);
    const pool = this.#pool;
    const guard = this.#guard;
    const head = `INSERT INTO ${table} (${columns.join(", ")}) VALUES `;
    const tuple = (start: number) => `(${columns.map((_, i) => `$${start + i + 1}`).join(", ")})`;
    return {
      insert: async (values: RowValues) => {
        const [row] = await guard(() => pool.unsafe(`${head}${tuple(0)} RETURNING id`, [...values]));
        return Number(row.id);
      },
      // one statement: all rows or none
      insertMany: async (rows: readonly RowValues[]) => {
        if (rows.length === 0) return;
        const per = Math.max(1, Math.floor(60_000 / Math.max(1, columns.length)));
        await guard(() =>
          pool.begin(async (tx) => {
            for (let i = 0; i < rows.length; i += per) {
              const part = rows.slice(i, i + per);
              await tx.unsafe(`${head}${part.map((_, k) => tuple(k * columns.length)).join(", ")}`, part.flat());
            }
          }),
        );
      },
    };
  }
}

/** The stores over `pool`; `guard` bounds every statement and maps a lost server to DatabaseUnavailable. */
export function postgresStores(pool: SQL, guard: Guard): DbStores {
  return {
    predictionLog: new PostgresPredictionLogStore(pool, guard),
    driftWindow: new PostgresDriftWindowStore(pool, guard),
    queries: new PostgresPreparedQueries(pool, guard),
    status: {
      probe: () =>
        guard(async () => {
          await pool.unsafe("SELECT 1");
          return { schema: (await appliedPostgresMigrations(pool)).at(-1) ?? null };
        }),
    },
    credentialEpoch: new NoEpoch(),
  };
}
