import { describe, expect, test } from "bun:test";
import { Random } from "../../src/ml/random";

describe("random", () => {
  test("repeats the same sequence for the same seed and differs for another", () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(seqA);
  });

  test("draws floats in [0, 1) with a mean near ½ and integers in range without bias", () => {
    const r = new Random(1);
    let sum = 0;
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      const k = r.int(3);
      counts[k] = (counts[k] as number) + 1;
    }
    expect(sum / 30000).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  test("shuffles into a permutation", () => {
    const p = new Random(5).shuffle(Uint32Array.from({ length: 100 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
