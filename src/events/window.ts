/**
 * Counts of recent occurrences per key (an IP, a username) over a sliding window, in
 * memory. Used by the login throttle and the suspicious-activity rules. Bounded: at most
 * `maxKeys` keys are tracked, the stalest dropped first, so a flood of random keys cannot
 * grow it without limit. State is per process and lost at restart, which is acceptable
 * for throttling (the audit log keeps the history).
 */
export class SlidingWindow {
  readonly #hits = new Map<string, number[]>();
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(windowMs: number, maxKeys = 10_000) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Records one occurrence at `nowMs`; returns how many fall in the window, this one included. */
  add(key: string, nowMs: number): number {
    const hits = this.#recent(key, nowMs);
    hits.push(nowMs);
    // re-insert so Map order is least recently touched first
    this.#hits.delete(key);
    this.#hits.set(key, hits);
    if (this.#hits.size > this.#maxKeys) {
      const oldest = this.#hits.keys().next().value;
      if (oldest !== undefined) this.#hits.delete(oldest);
    }
    return hits.length;
  }

  count(key: string, nowMs: number): number {
    return this.#recent(key, nowMs).length;
  }

  /** Milliseconds until the count for `key` drops below `limit`; 0 if it already is. */
  msUntilBelow(key: string, limit: number, nowMs: number): number {
    const hits = this.#recent(key, nowMs);
    if (hits.length < limit) return 0;
    const freeing = hits[hits.length - limit] as number;
    return Math.max(1, freeing + this.#windowMs - nowMs);
  }

  clear(key: string): void {
    this.#hits.delete(key);
  }

  #recent(key: string, nowMs: number): number[] {
    const hits = this.#hits.get(key);
    if (!hits) return [];
    const from = nowMs - this.#windowMs;
    let i = 0;
    while (i < hits.length && (hits[i] as number) <= from) i++;
    if (i > 0) hits.splice(0, i);
    if (hits.length === 0) this.#hits.delete(key);
    return hits;
  }
}
