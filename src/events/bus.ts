/**
 * The in-process event bus: typed publish/subscribe with synchronous fan-out. It feeds
 * /ws later; today the audit log publishes `auth:*` and `users:*` events on it.
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

/**
 * Subscribers run in subscription order inside `publish`; one that throws is reported to
 * `onError` and does not stop the others, nor the publisher.
 *
 * @example
 * const bus = new EventBus();
 * const off = bus.subscribe("auth:login", (e) => console.log(e.actor));
 * bus.publish("auth:login", event);
 * off();
 */
export class EventBus {
  readonly #byType = new Map<string, Set<AnyHandler>>();
  readonly #all = new Set<AnyHandler>();
  readonly #onError: (error: unknown, type: string) => void;

  constructor(onError: (error: unknown, type: string) => void = () => {}) {
    this.#onError = onError;
  }

  /** Subscribes to one type; returns the function that unsubscribes. */
  subscribe<K extends BusEventType>(type: K, handler: BusHandler<K>): () => void {
    const set = this.#byType.get(type) ?? new Set<AnyHandler>();
    this.#byType.set(type, set);
    const h = handler as AnyHandler;
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0) this.#byType.delete(type);
    };
  }

  /** Subscribes to every type (the /ws fan-out, tests). */
  subscribeAll(handler: (payload: unknown, type: BusEventType) => void): () => void {
    const h = handler as AnyHandler;
    this.#all.add(h);
    return () => this.#all.delete(h);
  }

  publish<K extends BusEventType>(type: K, payload: BusEvents[K]): void {
    // copies: a handler may unsubscribe itself while we iterate
    for (const h of [...(this.#byType.get(type) ?? []), ...this.#all]) {
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
