/**
 * The hot paths that cannot afford a query builder per call sit behind these small stores;
 * everything else goes through the one Kysely handle. Each database has one implementation
 * folder (sqlite/ today), chosen where the database is opened (open.ts), so no code outside
 * src/db knows which database it talks to.
 *
 * Every method answers a Promise: SQLite answers at once (its implementation runs the statement
 * before returning), a networked database (PostgreSQL, issue #16) over a connection of its own.
 * Callers always await, and never rely on a write having happened before the await.
 */
import type { Kysely, Selectable } from "kysely";
import type { CredentialEpoch } from "./credential-epoch";
import type { MigrationResult } from "./migrator";
import type { DB } from "./schema";
import type { PredictionsTable } from "./tables/models";
import type { PredictionBatchesTable } from "./tables/prediction-columns";

/** One `predictions` row as the log writes it; input and prediction are JSON text. */
export type PredictionRow = Selectable<PredictionsTable>;

/** One `prediction_batches` row: the columnar copy of a flush for one model version (monitoring/columns.ts). */
export type PredictionBatchRow = Omit<Selectable<PredictionBatchesTable>, "id">;

/** Where the prediction log writes, and where its ids come from. */
export interface PredictionLogStore {
  /** Writes the rows and their batches in one transaction: all or none. */
  write(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]): Promise<void>;
  /**
   * Reserves the next `block` prediction ids in one durable commit (it survives power loss: a
   * lost reservation would issue answered ids again); returns the id after the block.
   */
  reserveIds(block: number): Promise<number>;
  /** True while a transaction is open on the connection: a reservation now would join (and could roll back with) it. */
  readonly inTransaction: boolean;
  /** Releases what writing holds beside the connection (SQLite's writer thread); writing again reopens it. */
  close?(): Promise<void>;
}

/** A prediction_batches row as the drift window reads it, in this column order. */
export type WindowBatch = [
  id: number,
  createdFrom: string,
  createdTo: string,
  firstPredictionId: number,
  lastPredictionId: number,
  rowCount: number,
  columns: string,
  data: Uint8Array,
];

/** The reads of a drift check (monitoring/window.ts): keyset pages, bounded by the caller's limits. */
export interface DriftWindowStore {
  /** The first prediction id that has a batch, or null when no batch was written yet. */
  firstBatchedId(): Promise<number | null>;
  /** created_at of the newest prediction with an id below `id`, or null. */
  newestBefore(id: number): Promise<string | null>;
  /**
   * Batches of a model version reaching into [at, end), ordered by (created_to, id), after the
   * keyset position (at, lastId), at most `limit`.
   */
  batchPage(
    modelKey: string,
    version: string,
    at: string,
    end: string,
    lastId: number,
    limit: number,
  ): Promise<WindowBatch[]>;
  /**
   * [input, batch_row] of the predictions of the batch that starts at `firstId` (ids up to
   * `lastId`) that lie in [start, end); input is '' where the batch holds it (0016), and rows
   * logged before 0016 name no batch.
   */
  inputsInRange(
    firstId: number,
    lastId: number,
    modelKey: string,
    version: string,
    start: string,
    end: string,
  ): Promise<[input: string, batchRow: number | null][]>;
  /**
   * [id, created_at, input, batch_first_id, batch_row] of a model version's predictions in
   * [at, end) with an id below `beforeId`, ordered by (created_at, id), after the keyset position
   * (at, lastId), at most `limit`.
   */
  inputPage(
    modelKey: string,
    version: string,
    at: string,
    end: string,
    lastId: number,
    beforeId: number,
    limit: number,
  ): Promise<InputPageRow[]>;
  /** [first_prediction_id, row_count, columns, data] of the batches that start at `firsts` */
  batchesStarting(
    firsts: readonly number[],
  ): Promise<[first: number, rowCount: number, columns: string, data: Uint8Array][]>;
}

/** A predictions row as the drift window's JSON path reads it. */
export type InputPageRow = [
  id: number,
  createdAt: string,
  input: string,
  batchFirstId: number | null,
  batchRow: number | null,
];

/** Values of one row, in the column order an inserter was made with. */
export type RowValues = readonly (string | number | null)[];

/** A prepared INSERT: one row (its id) or many in one transaction. */
export interface RowInserter {
  insert(values: RowValues): Promise<number>;
  insertMany(rows: readonly RowValues[]): Promise<void>;
}

/**
 * Queries run on every request, as cached prepared statements: the SQL text is what Kysely
 * compiled once for this database (so it is in the right dialect), the values are bound.
 */
export interface PreparedQueries {
  /** The first row of `sql` with `params` bound, or undefined. */
  first<R>(sql: string, params: readonly (string | number | null)[]): Promise<R | undefined>;
  /** An inserter for `columns` of `table` (names from code, never from a client). */
  inserter(table: string, columns: readonly string[]): RowInserter;
}

/** What /health reports about the database. */
export interface DatabaseStatus {
  /** Answers a trivial query and names the newest applied migration; throws when the database does not answer. */
  probe(): Promise<{ schema: string | null }>;
}

/** The stores of one open database, carried in the deps object beside `db`. */
export interface DbStores {
  predictionLog: PredictionLogStore;
  driftWindow: DriftWindowStore;
  queries: PreparedQueries;
  status: DatabaseStatus;
  /** moves whenever a cached identity may have become wrong, in any process on this database (credential-epoch.ts) */
  credentialEpoch: CredentialEpoch;
}

/** An open, migrated database: the one Kysely handle and its stores. Closing the handle closes the database. */
export interface OpenDatabase {
  db: Kysely<DB>;
  stores: DbStores;
  migration: MigrationResult;
  close(): Promise<void>;
}
