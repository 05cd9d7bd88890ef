/**
 * Writes audit events: one INSERT per event (SQLite in WAL mode takes ~20–50 µs; see
 * bench/auth.ts), then publishes `auth:*` and `users:*` events on the bus. Input and
 * output pass through `summarize`, which drops secret fields, so no caller can store a
 * password or token by mistake.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { PreparedQueries, RowInserter } from "../db/stores";
import { isConnectionFailure } from "../db/unavailable";
import type { Logger } from "../log";
import type { EventBus } from "./bus";
import { summarize } from "./redact";
import { RejectionTally } from "./rejections";
import type { AuditEvent, NewEvent } from "./types";

const PUBLISHED = /^(auth|users):/;
const EVENT_COLUMNS = [
  "time",
  "type",
  "source",
  "actor",
  "actor_user_id",
  "via",
  "subject",
  "ip",
  "user_agent",
  "method",
  "route",
  "path",
  "status",
  "duration_ms",
  "request_id",
  "input",
  "output",
  "suspicious",
  "reason",
] as const;
const MAX_JSON = 4096;
/** request events written together: at most this many, or after this long */
const BATCH_ROWS = 256;
const BATCH_MS = 50;
/** while the database is down, request events wait for it (at most this many, the oldest go first), retried this often */
const MAX_HELD = 10_000;
const RETRY_MS = 1000;
/** repeated refusals of one kind from one source are counted over this long, then written as one event */
const REFUSAL_WINDOW_MS = 10_000;

export interface EventLogDeps {
  db: Kysely<DB>;
  /** with them, events are written by one prepared statement: every API request writes one */
  queries?: PreparedQueries | undefined;
  bus: EventBus;
  now: () => Date;
  log: Logger;
}

function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(summarize(value));
  return text.length > MAX_JSON ? JSON.stringify({ truncated: true, chars: text.length }) : text;
}

export class EventLog {
  readonly #deps: EventLogDeps;

  readonly #statement: RowInserter | null;
  /** plain request events waiting for one transaction (see record) */
  #pending: (string | number | null)[][] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** the last write found the database down: the next waits for the retry timer, not the batch size */
  #retrying = false;
  readonly #refusals: RejectionTally;

  /** Every log with a handle, so that shutdown and readers can write what waits (flushAll); weak, so apps a test dropped can go. */
  static readonly #live = new Set<WeakRef<EventLog>>();

  constructor(deps: EventLogDeps) {
    this.#deps = deps;
    this.#statement = deps.queries?.inserter("events", EVENT_COLUMNS) ?? null;
    this.#refusals = new RejectionTally((summary) => this.record(summary), {
      windowMs: REFUSAL_WINDOW_MS,
      now: () => deps.now().getTime(),
    });
    EventLog.#live.add(new WeakRef(this));
  }

  /** Writes the counted refusals and the waiting request events of every log (clean shutdown; readers that need them now). */
  static async flushAll(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const ref of EventLog.#live) {
      const log = ref.deref();
      if (log) {
        log.#refusals.flush();
        writes.push(log.flush());
      } else EventLog.#live.delete(ref);
    }
    await Promise.all(writes);
  }

  /**
   * Writes the waiting request events in one transaction; never rejects (a failure is logged).
   * When the database does not answer they wait for the next try (up to MAX_HELD), so an outage
   * leaves its requests in the audit log once the database is back.
   */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const rows = this.#pending;
    if (rows.length === 0 || !this.#statement) return;
    this.#pending = [];
    try {
      await this.#statement.insertMany(rows);
      this.#retrying = false;
    } catch (err) {
      const error = (err as Error).message;
      if (!isConnectionFailure(err)) {
        this.#deps.log.error("audit events not written", { count: rows.length, error });
        return;
      }
      this.#retrying = true;
      this.#pending = rows.concat(this.#pending);
      const dropped = Math.max(0, this.#pending.length - MAX_HELD);
      if (dropped > 0) this.#pending.splice(0, dropped);
      this.#deps.log.warn("audit events kept for the next try: the database is unavailable", {
        count: this.#pending.length,
        dropped,
        error,
      });
      this.#timer ??= setTimeout(() => this.flush(), RETRY_MS);
      this.#timer.unref?.();
    }
  }

  /**
   * Plain request events (the bulk: one per API call) wait up to BATCH_MS and are written
   * together: a commit per request cost ~100 µs of WAL writes, a shared one a few µs each.
   * Events that are published (auth:*, users:*) are written at once, after what waits.
   */
  #queue(row: Record<(typeof EVENT_COLUMNS)[number], string | number | null>): void {
    this.#pending.push(EVENT_COLUMNS.map((c) => row[c]));
    if (this.#pending.length >= BATCH_ROWS && !this.#retrying) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** The same row either way; the prepared statement skips query building (~100 µs a request). */
  async #insert(row: Record<(typeof EVENT_COLUMNS)[number], string | number | null>): Promise<number> {
    if (this.#statement) {
      await this.flush();
      const values = EVENT_COLUMNS.map((c) => row[c]);
      return this.#statement.insert(values);
    }
    const { id } = await this.#deps.db
      .insertInto("events")
      .values(row as never)
      .returning("id")
      .executeTakeFirstOrThrow();
    return id;
  }

  /**
   * A request of a kind that comes in floods (a refusal: bad token, bad body; a prediction):
   * recorded in full when it is the first of its kind from its source in REFUSAL_WINDOW_MS, else
   * only counted, and the count written as one event when the window closes
   * (src/events/rejections.ts). A flood then costs one write per window, not one per request.
   * `detail` splits kinds further (e.g. the model predicted with).
   */
  async recordRepeated(e: NewEvent, detail = ""): Promise<AuditEvent | null> {
    return this.#refusals.admit(e, detail) ? this.record(e) : null;
  }

  /**
   * Stores the event and publishes it; a failed write is logged, never thrown at the request.
   * Returns the stored event, or null for a request event still waiting in the batch.
   */
  async record(e: NewEvent): Promise<AuditEvent | null> {
    const row = {
      time: this.#deps.now().toISOString(),
      type: e.type,
      source: e.source,
      actor: e.actor ?? null,
      actor_user_id: e.actor_user_id ?? null,
      via: e.via ?? null,
      subject: e.subject ?? null,
      ip: e.ip ?? null,
      user_agent: e.user_agent?.slice(0, 256) ?? null,
      method: e.method ?? null,
      route: e.route ?? null,
      path: e.path?.slice(0, 512) ?? null,
      status: e.status ?? null,
      duration_ms: e.duration_ms ?? null,
      request_id: e.request_id ?? null,
      input: json(e.input),
      output: json(e.output),
      suspicious: e.suspicious ? 1 : 0,
      reason: e.reason ?? null,
    };
    try {
      if (this.#statement && !PUBLISHED.test(row.type)) {
        this.#queue(row);
        return null;
      }
      const id = await this.#insert(row);
      const event: AuditEvent = {
        ...row,
        id,
        input: row.input === null ? null : JSON.parse(row.input),
        output: row.output === null ? null : JSON.parse(row.output),
        suspicious: row.suspicious === 1,
      };
      if (PUBLISHED.test(event.type)) this.#deps.bus.publish(event.type as `auth:${string}`, event);
      return event;
    } catch (err) {
      this.#deps.log.error("audit event not written", { type: e.type, error: (err as Error).message });
      return null;
    }
  }
}
