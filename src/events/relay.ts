/**
 * Events across processes: an EventRelay carries the bus events one process raises to the other
 * processes serving the same database, so that a /ws client or a live page on any of them sees a
 * job's progress, an alert or a drift result raised in another. Transports implement the small
 * interface below: over Bun.spawn IPC between the first process and its ML_HTTP_PROCESSES
 * siblings (src/cli/serve-relay.ts); a PostgreSQL LISTEN/NOTIFY one can sit beside it.
 *
 * No loops: `connectRelay` sends only events raised here (the bus's local publish), and delivers
 * received ones with `publishRemote`, which never reaches the relay's own subscription.
 */
import type { EventBus } from "./bus";

/** One event as it crosses processes; the payload is what the bus carried (JSON-safe). */
export interface RelayedEvent {
  type: string;
  payload: unknown;
}

export interface EventRelay {
  /** sends an event raised in this process to the others */
  send(event: RelayedEvent): void;
  /** calls `deliver` with every event another process raised; returns the function that stops it */
  receive(deliver: (event: RelayedEvent) => void): () => void;
}

/**
 * Events that stay in their process: its own shutdown is not its siblings'; refused credentials
 * change nothing elsewhere, and a flood of them must not cost every process an IPC message.
 */
const LOCAL_ONLY = new Set([
  "service:stopping",
  "auth:token_rejected",
  "auth:login_failed",
  "auth:login_throttled",
  "auth:reauth_failed",
]);

/**
 * Joins `bus` to `relay`: local events go out, others' events come in as remote ones.
 * Returns the function that disconnects both directions.
 */
export function connectRelay(bus: EventBus, relay: EventRelay): () => void {
  const offOut = bus.subscribeAll((payload, type) => {
    if (!LOCAL_ONLY.has(type)) relay.send({ type, payload });
  });
  const offIn = relay.receive((e) => {
    if (!LOCAL_ONLY.has(e.type)) bus.publishRemote(e.type, e.payload);
  });
  return () => {
    offOut();
    offIn();
  };
}

/**
 * Joins two relays so that what one receives goes out through the other: the first process of a
 * `serve` bridges its siblings' hub (IPC) and the replicas' relay (PostgreSQL), so a sibling's
 * event reaches the other replicas and theirs reach every sibling, each once. Only the first
 * process listens on the database; siblings get other replicas' events from it, as they get
 * each other's. Returns the function that disconnects both directions.
 */
export function bridgeRelays(a: EventRelay, b: EventRelay): () => void {
  const offA = a.receive((e) => {
    if (!LOCAL_ONLY.has(e.type)) b.send(e);
  });
  const offB = b.receive((e) => {
    if (!LOCAL_ONLY.has(e.type)) a.send(e);
  });
  return () => {
    offA();
    offB();
  };
}
