/**
 * The in-process event bus: typed publish/subscribe with synchronous fan-out. It feeds /ws and
 * the live pages; the audit log publishes `auth:*` and `users:*` events on it, the job runner
 * `queue:*`, monitoring `alerts:*` and `drift:*`. Events other processes raised arrive through
 * an EventRelay (relay.ts) and reach only subscribers that ask for them.
 *
 * Other modules add their event types by declaration merging, so one bus carries all:
 *
 * ```ts
 * declare module "../events/bus" {
 *   interface BusEvents { "queue:task_progress": { job_id: string; progress: number } }
 * }
 * ```
 */
import type { AuditEvent } from "./types";

export interface BusEvents {
  [type: `auth:${string}`]: AuditEvent;
  [type: `users:${string}`]: AuditEvent;
  /** `serve` got SIGTERM/SIGINT: long-lived connections close so that the server can drain */
  "service:stopping": { grace_ms: number };
}

export type BusEventType = keyof BusEvents & string;
export type BusHandler<K extends BusEventType> = (payload: BusEvents[K], type: K) => void;
type AnyHandler = (payload: unknown, type: string) => void;

export interface SubscribeOptions {
  /**
   * Also receive events other processes raised (delivered by an EventRelay, relay.ts): what a
   * client is shown (/ws, live pages) or waits for. Side effects (sending a webhook, raising an
   * alert, counting a metric) leave it off: the process that raised the event did them.
   */
  remote?: boolean;
}

/**
 * Subscribers run in subscription order inside `publish`; one that throws is reported to
 * `onError` and does not stop the others, nor the publisher. `publishRemote` delivers an event
 * another process raised to the subscribers that asked for those (`{ remote: true }`).
 *
 * @example
 * const bus = new EventBus();
 * const off = bus.subscribe("auth:login", (e) => console.log(e.actor));
 * bus.publish("auth:login", event);
 * off();
 */
export class EventBus {
  readonly #byType = new Map<string, Map<AnyHandler, boolean>>();
  readonly #all = new Map<AnyHandler, boolean>();
  readonly #onError: (error: unknown, type: string) => void;

  constructor(onError: (error: unknown, type: string) => void = () => {}) {
    this.#onError = onError;
  }

  /** Subscribes to one type; returns the function that unsubscribes. */
  subscribe<K extends BusEventType>(type: K, handler: BusHandler<K>, options: SubscribeOptions = {}): () => void {
    const set = this.#byType.get(type) ?? new Map<AnyHandler, boolean>();
    this.#byType.set(type, set);
    const h = handler as AnyHandler;
    set.set(h, options.remote === true);
    return () => {
      set.delete(h);
      if (set.size === 0) this.#byType.delete(type);
    };
  }

  /** Subscribes to every type (the /ws fan-out, the relay, tests). */
  subscribeAll(handler: (payload: unknown, type: BusEventType) => void, options: SubscribeOptions = {}): () => void {
    const h = handler as AnyHandler;
    this.#all.set(h, options.remote === true);
    return () => this.#all.delete(h);
  }

  publish<K extends BusEventType>(type: K, payload: BusEvents[K]): void {
    this.#deliver(type, payload, false);
  }

  /** An event another process raised: to `{ remote: true }` subscribers only, never back to a relay. */
  publishRemote(type: string, payload: unknown): void {
    this.#deliver(type, payload, true);
  }

  #deliver(type: string, payload: unknown, remote: boolean): void {
    // copies: a handler may unsubscribe itself while we iterate
    const handlers = [...(this.#byType.get(type) ?? []), ...this.#all];
    for (const [h, wantsRemote] of handlers) {
      if (remote && !wantsRemote) continue;
      try {
        h(payload, type);
      } catch (e) {
        this.#onError(e, type);
      }
    }
  }

  get subscriberCount(): number {
    let n = this.#all.size;
    for (const set of this.#byType.values()) n += set.size;
    return n;
  }
}
