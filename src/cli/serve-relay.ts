/**
 * The EventRelay (src/events/relay.ts) between the processes of one `serve` under
 * ML_HTTP_PROCESSES, over the IPC channel Bun.spawn opens to each sibling: the first process is
 * the hub; a sibling sends its events to the hub, and the hub delivers them locally and passes
 * them on to every other sibling. Messages are JSON: `{ "mls": "event", type, payload }`.
 * On PostgreSQL the first process also joins the replicas' relay (LISTEN/NOTIFY) to both.
 */
import type { Config } from "../config";
import { openEventRelay } from "../db/events";
import type { EventBus } from "../events/bus";
import { bridgeRelays, connectRelay, type EventRelay, type RelayedEvent } from "../events/relay";
import type { Logger } from "../log";

interface Message {
  mls: "event";
  type: string;
  payload: unknown;
}

function asEvent(m: unknown): RelayedEvent | null {
  const msg = m as Partial<Message> | null;
  return msg && typeof msg === "object" && msg.mls === "event" && typeof msg.type === "string"
    ? { type: msg.type, payload: msg.payload }
    : null;
}

const message = (e: RelayedEvent): Message => ({ mls: "event", type: e.type, payload: e.payload });

/** Something that takes IPC messages: a sibling's Subprocess. */
export interface IpcPeer {
  send(message: unknown): void;
}

/** The first process's side: relays between itself and every sibling it started. */
export class SiblingHub implements EventRelay {
  readonly #peers = new Set<IpcPeer>();
  readonly #deliver = new Set<(e: RelayedEvent) => void>();

  add(peer: IpcPeer): void {
    this.#peers.add(peer);
  }

  remove(peer: IpcPeer): void {
    this.#peers.delete(peer);
  }

  /** A message from sibling `from`: delivered here and to the other siblings. */
  fromSibling(m: unknown, from: IpcPeer): void {
    const e = asEvent(m);
    if (!e) return;
    for (const d of this.#deliver) d(e);
    this.#broadcast(e, from);
  }

  send(e: RelayedEvent): void {
    this.#broadcast(e, null);
  }

  receive(deliver: (e: RelayedEvent) => void): () => void {
    this.#deliver.add(deliver);
    return () => this.#deliver.delete(deliver);
  }

  #broadcast(e: RelayedEvent, except: IpcPeer | null): void {
    for (const peer of this.#peers) {
      if (peer === except) continue;
      try {
        peer.send(message(e));
      } catch {
        // a sibling that is exiting: it is restarted and added again
      }
    }
  }
}

/** A sibling's side: its events to the first process and the others' from it; null without an IPC channel. */
export function parentRelay(): EventRelay | null {
  const send = process.send?.bind(process);
  if (!send) return null;
  return {
    send: (e) => {
      try {
        send(message(e));
      } catch {
        // the first process is gone: this sibling is leaving too (watchParent)
      }
    },
    receive: (deliver) => {
      const onMessage = (m: unknown) => {
        const e = asEvent(m);
        if (e) deliver(e);
      };
      process.on("message", onMessage);
      return () => process.off("message", onMessage);
    },
  };
}

/**
 * The first process's link to the other replicas on PostgreSQL: its own events and its siblings'
 * go out, other replicas' come in to it and its siblings. Only the first process listens on the
 * database and bridges it to the hub, so each event reaches each process once (were every
 * sibling to listen too, the hub would have to tell database events from siblings' ones).
 * Null on SQLite; throws DatabaseError when the database cannot be reached.
 */
export async function connectReplicas(
  bus: EventBus,
  hub: SiblingHub,
  config: Pick<Config, "ML_DB_PATH" | "ML_DATABASE_URL">,
  log: Logger,
): Promise<{ close(): Promise<void> } | null> {
  const replicas = await openEventRelay(config, log);
  if (!replicas) return null;
  const offBus = connectRelay(bus, replicas);
  const offBridge = bridgeRelays(hub, replicas);
  return {
    close: async () => {
      offBus();
      offBridge();
      await replicas.close();
    },
  };
}
