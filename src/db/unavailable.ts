/**
 * "The database does not answer", as one error: a refused, closed or reset connection, a connect
 * that timed out, a server shutting down or starting up, or a statement with no answer within
 * QUERY_TIMEOUT_MS; on SQLite, a file still locked by another writer after the busy timeout
 * (SQLITE_BUSY). It is a ServiceError (503, `database_unavailable`, `Retry-After`), so a
 * request that needs the database during an outage gets an answer it can retry instead of a 500
 * or a hang; the pool reconnects by itself once the server is back, so no restart is needed.
 */
import { ServiceError } from "../errors";

/** The longest a statement (or a connect) may take before the database counts as down. */
export const QUERY_TIMEOUT_MS = 10_000;

/** Seconds a client is told to wait before retrying. */
const RETRY_AFTER_S = "5";

export class DatabaseUnavailable extends ServiceError {
  override name = "DatabaseUnavailable";
  constructor(reason: string) {
    super(503, "database_unavailable", `the database is unavailable: ${reason}`, null, {
      "Retry-After": RETRY_AFTER_S,
    });
  }
}

/** Codes of a database out of reach: Bun.SQL's for a connection not made or lost, SQLite's for a file still locked after the busy timeout. */
const CONNECTION_CODES = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_REFUSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "SQLITE_BUSY",
]);

/**
 * SQLSTATEs of a server that is going or not there yet: class 08 (connection exception),
 * 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
 */
function isUnavailableState(state: string): boolean {
  return state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03" || state === "53300";
}

/** True when `e` says the database is out of reach rather than that the statement was wrong. */
export function isConnectionFailure(e: unknown): boolean {
  if (e instanceof DatabaseUnavailable) return true;
  if (typeof e !== "object" || e === null) return false;
  const { code, errno } = e as { code?: unknown; errno?: unknown };
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  return typeof errno === "string" && isUnavailableState(errno);
}

/** `e` as DatabaseUnavailable when it is a connection failure, else unchanged. */
export function asUnavailable(e: unknown): unknown {
  if (e instanceof DatabaseUnavailable || !isConnectionFailure(e)) return e;
  return new DatabaseUnavailable((e as Error).message ?? String(e));
}

/** `guarded` with one bound, as the PostgreSQL stores and driver carry it. */
export type Guard = <T>(work: () => Promise<T>) => Promise<T>;

/** A Guard that gives every statement `ms`. */
export function guardWithin(ms: number): Guard {
  return (work) => guarded(work, ms);
}

/**
 * Runs `work` and maps a connection failure to DatabaseUnavailable; no answer within `ms` is one
 * too (the statement may still finish on the server later: only the caller stops waiting).
 */
export async function guarded<T>(work: () => Promise<T>, ms = QUERY_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailable(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } catch (e) {
    throw asUnavailable(e);
  } finally {
    clearTimeout(timer);
  }
}
