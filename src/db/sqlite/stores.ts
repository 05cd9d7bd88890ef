/**
 * The SQLite implementations of the hot-path stores (../stores.ts), over the same bun:sqlite
 * connection Kysely uses, so their writes and Kysely's share one writer and one WAL.
 */
import type { Database } from "bun:sqlite";
import { epochPath, FileEpoch, LocalEpoch } from "../credential-epoch";
import { isInMemory } from "../database";
import { appliedMigrations } from "../migrator";
import type { DbStores } from "../stores";
import { SqliteDriftWindowStore } from "./drift-window-store";
import { SqlitePredictionLogStore } from "./prediction-log-store";
import { SqlitePreparedQueries } from "./prepared-queries";

export function sqliteStores(sqlite: Database): DbStores {
  return {
    predictionLog: new SqlitePredictionLogStore(sqlite),
    driftWindow: new SqliteDriftWindowStore(sqlite),
    queries: new SqlitePreparedQueries(sqlite),
    status: {
      probe: async () => {
        sqlite.query("SELECT 1").get();
        return { schema: appliedMigrations(sqlite).at(-1)?.name ?? null };
      },
    },
    credentialEpoch: isInMemory(sqlite) ? new LocalEpoch() : new FileEpoch(epochPath(sqlite.filename)),
  };
}
