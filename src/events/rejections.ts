/**
 * Refusals (a bad or revoked token, a body that fails validation) as aggregates, so that a flood
 * of them costs no more than the same flood of successes: the first refusal of a kind from a
 * source in a window is recorded in full at once (the trail and its suspicious flag appear
 * immediately), the rest of that window are only counted, and when the window closes one
 * event says how many there were, e.g. "401 × 5000 from 1.2.3.4 in 10 s".
 *
 * A kind is (IP, actor, event type, status, reason, method, route, and the caller's detail such as
 * the model predicted with). At most `maxKeys` kinds are held;
 * past that the counts are written out early, so a spray of addresses cannot grow it.
 *
 * @example
 * const tally = new RejectionTally((e) => events.record(e), { windowMs: 10_000 });
 * if (tally.admit(event)) await events.record(event); // else: counted
 */
import type { NewEvent } from "./types";

export interface RejectionTallyOptions {
  windowMs: number;
  maxKeys?: number;
  /** milliseconds since the epoch (the service clock) */
  now?: () => number;
}

interface Kind {
  sample: NewEvent;
  startMs: number;
  /** refusals after the first, not yet written */
  repeated: number;
  lastMs: number;
}

const keyOf = (e: NewEvent, detail: string) =>
  `${e.ip ?? ""}\u0000${e.actor ?? ""}\u0000${e.type}\u0000${e.status ?? ""}\u0000${e.reason ?? ""}\u0000${e.method ?? ""}\u0000${e.route ?? e.path ?? ""}\u0000${detail}`;

/** How a summary's `input` JSON starts: readers that count requests (alert-checks.ts) find them by it. */
export const SUMMARY_PREFIX = '{"summary":';

/** The requests a stored event stands for: 1, or a summary's `repeated` (its window's first was recorded apart). */
export function requestsOf(input: string | null): number {
  if (input === null || !input.startsWith(SUMMARY_PREFIX)) return 1;
  const repeated = (JSON.parse(input) as { repeated?: unknown }).repeated;
  return typeof repeated === "number" ? repeated : 1;
}

export class RejectionTally {
  readonly #write: (summary: NewEvent) => unknown;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, Kind>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(write: (summary: NewEvent) => unknown, options: RejectionTallyOptions) {
    this.#write = write;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** True when this refusal opens a window and should be recorded in full; false when it was counted. */
  admit(e: NewEvent, detail = ""): boolean {
    const nowMs = this.#now();
    const key = keyOf(e, detail);
    const kind = this.#kinds.get(key);
    if (kind && nowMs < kind.startMs + this.#windowMs) {
      kind.repeated++;
      kind.lastMs = nowMs;
      this.#timer ??= this.#schedule(kind.startMs + this.#windowMs - nowMs);
      return false;
    }
    if (kind) this.#close(key, kind);
    if (this.#kinds.size >= this.#maxKeys) this.flush();
    this.#kinds.set(key, { sample: e, startMs: nowMs, repeated: 0, lastMs: nowMs });
    return true;
  }

  /** Writes a summary for every kind with counted refusals and forgets them all (shutdown, readers). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const [key, kind] of this.#kinds) this.#close(key, kind);
  }

  /** Refusals counted and not yet written. */
  get pending(): number {
    let n = 0;
    for (const k of this.#kinds.values()) n += k.repeated;
    return n;
  }

  #schedule(ms: number): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => this.#expire(), Math.max(1, ms));
    (t as { unref?: () => void }).unref?.();
    return t;
  }

  /** Closes the windows that ended; waits again for the next one to end. */
  #expire(): void {
    this.#timer = null;
    const now = this.#now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, kind] of this.#kinds) {
      const end = kind.startMs + this.#windowMs;
      if (end <= now) this.#close(key, kind);
      else if (kind.repeated > 0) next = Math.min(next, end);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#timer = this.#schedule(next - now);
  }

  #close(key: string, kind: Kind): void {
    this.#kinds.delete(key);
    if (kind.repeated === 0) return;
    const s = kind.sample;
    const seconds = Math.max(1, Math.round((kind.lastMs - kind.startMs) / 1000));
    this.#write({
      ...s,
      duration_ms: null,
      request_id: null,
      input: {
        summary: `${s.status} × ${kind.repeated} more from ${s.ip ?? "unknown"} in ${seconds} s`,
        repeated: kind.repeated,
        from: new Date(kind.startMs).toISOString(),
        to: new Date(kind.lastMs).toISOString(),
        // what the first of them said about itself (e.g. the model predicted with)
        first: s.input ?? null,
      },
    });
  }
}
