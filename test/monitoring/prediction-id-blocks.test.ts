import { describe, expect, test } from "bun:test";
import { PredictionIds } from "../../src/monitoring/prediction-ids";

/** An in-memory sequence that records each reservation's size. */
function sequence() {
  let next = 1;
  const sizes: number[] = [];
  return {
    sizes,
    store: {
      async reserveIds(block: number) {
        sizes.push(block);
        next += block;
        return next;
      },
      inTransaction: false,
    },
  };
}

describe("prediction id blocks", () => {
  test("grow while blocks are used up fast, so durable reservations stay rare, and shrink when idle", async () => {
    let now = 0;
    const { store, sizes } = sequence();
    const ids = new PredictionIds(store, 100, () => now);
    const issued: number[] = [];
    for (let i = 0; i < 3000; i++) issued.push(await ids.next());
    // all in the same millisecond: each reservation doubles the block
    expect(sizes.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(sizes.length).toBeLessThan(8);
    expect(new Set(issued).size).toBe(issued.length);
    expect(issued).toEqual([...issued].sort((a, b) => a - b));

    now += 60_000;
    const before = sizes.length;
    for (let i = 0; i < ids.blockSize * 2; i++) issued.push(await ids.next());
    expect(sizes.slice(before)).toContain(100);
    expect(new Set(issued).size).toBe(issued.length);
  });

  test("a slow stream keeps the configured block", async () => {
    let now = 0;
    const { store, sizes } = sequence();
    const ids = new PredictionIds(store, 100, () => now);
    for (let i = 0; i < 1000; i++) {
      await ids.next();
      now += 50; // 20 a second: a block of 100 lasts 5 s
    }
    expect(new Set(sizes)).toEqual(new Set([100]));
  });
});
