/**
 * Kysely over Bun's built-in PostgreSQL client (`Bun.SQL`), chosen over `pg` by measurement
 * (bench/pg-driver.ts, `bun run bench:pg-driver`, on a 2-core box shared with other work): a
 * one-row prepared select took 67 µs against pg's 115 µs, a 500-row multi-row insert 3.2 ms
 * against 5.6 ms; a 500-statement transaction cost the same on both (35–37 ms). It needs no
 * package, and its results carry the column type OIDs, which is how int8/numeric become numbers.
 *
 * A query outside a transaction runs on any pooled connection; a transaction reserves one
 * connection from BEGIN to COMMIT/ROLLBACK.
 */
import type { ReservedSQL, SQL } from "bun";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type { Guard } from "../unavailable";
import { numberColumns } from "./values";

class BunSqlConnection implements DatabaseConnection {
  readonly #pool: SQL;
  readonly #guard: Guard;
  #reserved: ReservedSQL | null = null;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#reserved ?? this.#pool;
    const result = await this.#guard(() => target.unsafe(query.sql, query.parameters as unknown[]));
    const rows = numberColumns(result) as R[];
    const command = result.command;
    if (command === "INSERT" || command === "UPDATE" || command === "DELETE" || command === "MERGE") {
      return { rows, numAffectedRows: BigInt(result.affectedRows ?? 0) };
    }
    return { rows };
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by this service
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported on this driver");
  }

  async begin(settings: TransactionSettings): Promise<void> {
    const reserving = this.#pool.reserve();
    try {
      this.#reserved = await this.#guard(() => reserving);
    } catch (e) {
      // a connection that comes after the wait gave up goes back to the pool
      reserving.then(
        (r) => r.release(),
        () => {},
      );
      throw e;
    }
    const reserved = this.#reserved;
    const mode = [
      settings.isolationLevel ? `ISOLATION LEVEL ${settings.isolationLevel}` : "",
      settings.accessMode ?? "",
    ]
      .filter(Boolean)
      .join(" ");
    try {
      await this.#guard(() => reserved.unsafe(mode ? `BEGIN ${mode}` : "BEGIN"));
    } catch (e) {
      this.#reserved = null;
      reserved.release();
      throw e;
    }
  }

  async end(command: "COMMIT" | "ROLLBACK"): Promise<void> {
    const reserved = this.#reserved;
    if (!reserved) return;
    try {
      await this.#guard(() => reserved.unsafe(command));
    } finally {
      this.#reserved = null;
      reserved.release();
    }
  }
}

class BunSqlDriver implements Driver {
  readonly #pool: SQL;
  readonly #guard: Guard;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new BunSqlConnection(this.#pool, this.#guard);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (connection as BunSqlConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as BunSqlConnection).end("COMMIT");
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as BunSqlConnection).end("ROLLBACK");
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await (connection as BunSqlConnection).end("ROLLBACK");
  }

  async destroy(): Promise<void> {
    await this.#pool.close();
  }
}

/**
 * The PostgreSQL dialect of Kysely, over a Bun.SQL pool; destroying the Kysely handle closes the
 * pool. Every statement goes through `guard`: a lost server or no answer in time is DatabaseUnavailable.
 */
export class BunPostgresDialect implements Dialect {
  readonly #pool: SQL;
  readonly #guard: Guard;

  constructor(pool: SQL, guard: Guard) {
    this.#pool = pool;
    this.#guard = guard;
  }

  createDriver(): Driver {
    return new BunSqlDriver(this.#pool, this.#guard);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own dialects take Kysely<any> here
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
