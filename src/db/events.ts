/**
 * The event relay between replicas that the configured database offers: PostgreSQL's
 * LISTEN/NOTIFY (postgres/notify-relay.ts); none on SQLite, whose one file is one box's
 * (its processes relay over IPC, src/cli/serve-relay.ts).
 */
import type { Config } from "../config";
import type { Logger } from "../log";
import { DatabaseError } from "./database";
import { databaseTarget } from "./open";
import { type ClosableEventRelay, openNotifyRelay } from "./postgres/notify-relay";
import { redactDatabaseUrl } from "./postgres/open";

export type { ClosableEventRelay } from "./postgres/notify-relay";

/** Listens for other replicas' events on PostgreSQL; null on SQLite. Throws DatabaseError when the database cannot be reached. */
export async function openEventRelay(
  config: Pick<Config, "ML_DB_PATH" | "ML_DATABASE_URL">,
  log: Logger,
): Promise<ClosableEventRelay | null> {
  const target = databaseTarget(config);
  if (target.kind !== "postgres") return null;
  try {
    return await openNotifyRelay(target.url, { log });
  } catch (e) {
    const why = ((e as Error).message ?? String(e)).replaceAll(target.url, redactDatabaseUrl(target.url));
    throw new DatabaseError(
      `ML_DATABASE_URL=${redactDatabaseUrl(target.url)}: cannot listen for other replicas' events (${why})`,
    );
  }
}
