/**
 * Events across replicas on PostgreSQL: an EventRelay (src/events/relay.ts) over LISTEN/NOTIFY
 * on one channel, so a /ws client or a live page on one replica sees the job progress, alerts and
 * model switches raised on another. Nothing is stored: a notification reaches the replicas
 * listening when it commits, and one raised while a replica's listening connection is down is
 * not replayed to it (the active-version poll still catches a missed model switch).
 *
 * Each notification is `{"from": <relay id>, "type", "payload"}`; a replica ignores its own.
 * PostgreSQL refuses a payload of 8000 bytes or more: such an event goes out with only the
 * top-level scalar fields of its payload (numbers, booleans, texts up to 256 characters: ids,
 * names, statuses) and `"truncated": true`, or, when even that is too large, is skipped with a
 * debug log line.
 *
 * Bun.SQL gives the listening connection its own socket and reconnects it with backoff when it
 * drops, listening again; that is logged as a warning. Notifications go out over the client's
 * one query connection, in the order they were raised (one connection runs them in turn).
 */
import { SQL } from "bun";
import type { EventRelay, RelayedEvent } from "../../events/relay";
import type { Logger } from "../../log";

/** The channel every replica of one database listens on. */
export const EVENTS_CHANNEL = "mlservice_events";

/** The largest notification payload PostgreSQL takes: it must be shorter than 8000 bytes. */
export const MAX_NOTIFY_BYTES = 7999;

/** Notifications waiting for the database at most; past it (a database gone away) events are dropped. */
const MAX_PENDING = 1000;

/** A relay that holds connections: `close` sends what is pending, stops listening and disconnects. */
export interface ClosableEventRelay extends EventRelay {
  close(): Promise<void>;
}

interface Notification {
  from: string;
  type: string;
  payload: unknown;
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** The longest text field a cut-down payload keeps (ids, names and statuses are far shorter). */
const MAX_KEPT_STRING = 256;

/** The payload cut to its top-level scalars, marked truncated: what still says which job or model changed. */
function truncated(payload: unknown): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    for (const [k, v] of Object.entries(payload)) {
      const short = typeof v === "string" ? v.length <= MAX_KEPT_STRING : ["number", "boolean"].includes(typeof v);
      if (v === null || short) kept[k] = v;
    }
  }
  kept.truncated = true;
  return kept;
}

/** The notification text for `e`, cut down or null when it cannot fit PostgreSQL's limit. */
export function notificationText(from: string, e: RelayedEvent): string | null {
  const whole = JSON.stringify({ from, type: e.type, payload: e.payload } satisfies Notification);
  if (bytes(whole) <= MAX_NOTIFY_BYTES) return whole;
  const cut = JSON.stringify({ from, type: e.type, payload: truncated(e.payload) } satisfies Notification);
  return bytes(cut) <= MAX_NOTIFY_BYTES ? cut : null;
}

function parse(text: string): Notification | null {
  try {
    const n = JSON.parse(text) as Partial<Notification> | null;
    return n && typeof n === "object" && typeof n.from === "string" && typeof n.type === "string"
      ? { from: n.from, type: n.type, payload: n.payload }
      : null;
  } catch {
    return null;
  }
}

export interface NotifyRelayOptions {
  log: Logger;
}

/**
 * Connects to `url` and listens; resolves once PostgreSQL acknowledged the LISTEN. Throws when
 * the database cannot be reached (the caller has just opened it, so that is a start-up error).
 */
export async function openNotifyRelay(url: string, options: NotifyRelayOptions): Promise<ClosableEventRelay> {
  const { log } = options;
  const channel = EVENTS_CHANNEL;
  const id = crypto.randomUUID();
  const deliver = new Set<(e: RelayedEvent) => void>();
  // listen() opens a dedicated connection beside the one notify() queries run on, in turn
  const sql = new SQL(url, { max: 1, connectionTimeout: 10, idleTimeout: 60 });
  const pending = new Set<Promise<void>>();
  let failing = false;
  let dropped = 0;
  let listens = 0;

  const onNotify = (text: string) => {
    const n = parse(text);
    if (!n) {
      log.debug("event relay: a notification that is not an event was ignored", { channel });
      return;
    }
    if (n.from === id) return;
    for (const d of deliver) {
      try {
        d({ type: n.type, payload: n.payload });
      } catch (e) {
        log.error("event relay: delivering an event failed", { type: n.type, error: String(e) });
      }
    }
  };
  const onListen = () => {
    listens += 1;
    if (listens > 1)
      log.warn(
        "event relay: listening again after the PostgreSQL connection dropped; other replicas' events meanwhile were missed",
        { channel },
      );
  };
  let subscription: SQL.ListenSubscription;
  try {
    subscription = await sql.listen(channel, onNotify, onListen);
  } catch (e) {
    await sql.close().catch(() => {});
    throw e;
  }

  const send = (e: RelayedEvent) => {
    const text = notificationText(id, e);
    if (text === null) {
      log.debug("event relay: an event too large for a notification was not sent", { type: e.type });
      return;
    }
    if (pending.size >= MAX_PENDING) {
      if (dropped++ === 0) log.warn("event relay: PostgreSQL is not keeping up; events are not sent to other replicas");
      return;
    }
    const p = sql.notify(channel, text).then(
      () => {
        if (failing || dropped > 0) log.info("event relay: sending events again", { dropped });
        failing = false;
        dropped = 0;
      },
      (err: Error) => {
        if (!failing)
          log.warn("event relay: an event could not be sent to other replicas", { type: e.type, error: err.message });
        failing = true;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  return {
    send,
    receive: (d) => {
      deliver.add(d);
      return () => deliver.delete(d);
    },
    close: async () => {
      await Promise.allSettled([...pending]);
      await subscription.unlisten().catch(() => {});
      await sql.close().catch(() => {});
    },
  };
}
