import { describe, expect, test } from "bun:test";
import { SlidingWindow } from "../../src/events/window";

/** The plain definition: every occurrence kept, the window counted from scratch. */
class Reference {
  readonly hits = new Map<string, number[]>();
  constructor(readonly windowMs: number) {}
  #live(key: string, nowMs: number): number[] {
    return (this.hits.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
  }
  add(key: string, nowMs: number): number {
    const live = [...this.#live(key, nowMs), nowMs];
    this.hits.set(key, live);
    return live.length;
  }
  count(key: string, nowMs: number): number {
    return this.#live(key, nowMs).length;
  }
  msUntilBelow(key: string, limit: number, nowMs: number): number {
    const live = this.#live(key, nowMs);
    if (live.length < limit) return 0;
    return Math.max(1, (live[live.length - limit] as number) + this.windowMs - nowMs);
  }
}

describe("SlidingWindow", () => {
  test("counts, waits and forgets exactly as the plain definition, through floods and quiet spells", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const w = new SlidingWindow(1000);
    const ref = new Reference(1000);
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      // mostly a flood (several hits per ms), sometimes a gap longer than the window
      now += rand() < 0.001 ? 1500 : rand() < 0.3 ? 1 : 0;
      const key = rand() < 0.9 ? "flood" : `k${Math.floor(rand() * 5)}`;
      const op = rand();
      if (op < 0.8) expect(w.add(key, now)).toBe(ref.add(key, now));
      else if (op < 0.9) expect(w.count(key, now)).toBe(ref.count(key, now));
      else expect(w.msUntilBelow(key, 50, now)).toBe(ref.msUntilBelow(key, 50, now));
    }
    expect(w.count("flood", now)).toBeGreaterThan(100);
  });

  test("a key alone past the window reads 0 and starts again from 1", () => {
    const w = new SlidingWindow(10_000);
    for (let t = 0; t < 300; t++) w.add("1.2.3.4", t);
    expect(w.count("1.2.3.4", 299)).toBe(300);
    expect(w.count("1.2.3.4", 10_200)).toBe(99);
    expect(w.count("1.2.3.4", 10_299)).toBe(0);
    expect(w.add("1.2.3.4", 10_300)).toBe(1);
  });

  test("holds at most maxKeys keys, dropping the least recently touched", () => {
    const w = new SlidingWindow(1000, 3);
    w.add("a", 0);
    w.add("b", 0);
    w.add("c", 0);
    w.add("a", 1);
    w.add("d", 2);
    expect(w.count("b", 3)).toBe(0);
    expect(w.count("a", 3)).toBe(2);
    expect(w.count("c", 3)).toBe(1);
    expect(w.count("d", 3)).toBe(1);
  });
});
