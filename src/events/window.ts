/**
 * Counts of recent occurrences per key (an IP, a username) over a sliding window, in
 * memory. Used by the login throttle and the suspicious-activity rules. Bounded: at most
 * `maxKeys` keys are tracked, the stalest dropped first, so a flood of random keys cannot
 * grow it without limit. State is per process and lost at restart, which is acceptable
 * for throttling (the audit log keeps the history).
 */
/** One key's occurrences, oldest first, from `head` on: dropping old ones moves `head`, not the array. */
interface Hits {
  times: number[];
  head: number;
}

export class SlidingWindow {
  readonly #hits = new Map<string, Hits>();
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(windowMs: number, maxKeys = 10_000) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Records one occurrence at `nowMs`; returns how many fall in the window, this one included. */
  add(key: string, nowMs: number): number {
    let hits = this.#recent(key, nowMs);
    if (hits === undefined) {
      hits = { times: [], head: 0 };
      this.#hits.set(key, hits);
      if (this.#hits.size > this.#maxKeys) {
        const oldest = this.#hits.keys().next().value;
        if (oldest !== undefined) this.#hits.delete(oldest);
      }
    } else if (this.#hits.size > 1) {
      // re-insert so Map order is least recently touched first (one key alone stays where it is)
      this.#hits.delete(key);
      this.#hits.set(key, hits);
    }
    hits.times.push(nowMs);
    return hits.times.length - hits.head;
  }

  count(key: string, nowMs: number): number {
    const hits = this.#recent(key, nowMs);
    return hits ? hits.times.length - hits.head : 0;
  }

  /** Milliseconds until the count for `key` drops below `limit`; 0 if it already is. */
  msUntilBelow(key: string, limit: number, nowMs: number): number {
    const hits = this.#recent(key, nowMs);
    if (!hits || hits.times.length - hits.head < limit) return 0;
    const freeing = hits.times[hits.times.length - limit] as number;
    return Math.max(1, freeing + this.#windowMs - nowMs);
  }

  clear(key: string): void {
    this.#hits.delete(key);
  }

  /**
   * The key's occurrences still in the window, or undefined when none is. A flood from one IP keeps
   * a window's worth (120,000 at 12,000 req/s): dropping the oldest moves `head`, and the array is
   * compacted only once half of it is dead, so each occurrence is copied at most once on average.
   */
  #recent(key: string, nowMs: number): Hits | undefined {
    const hits = this.#hits.get(key);
    if (!hits) return undefined;
    const { times } = hits;
    const from = nowMs - this.#windowMs;
    let i = hits.head;
    while (i < times.length && (times[i] as number) <= from) i++;
    if (i === times.length) {
      this.#hits.delete(key);
      return undefined;
    }
    if (i > 32 && i * 2 > times.length) {
      hits.times = times.slice(i);
      hits.head = 0;
    } else hits.head = i;
    return hits;
  }
}
