import { describe, expect, test } from "bun:test";
import { Float32Exactness, restoreFloat32 } from "../../src/ml/float32-exact";
import { Random } from "../../src/ml/random";

/** admits every value, then checks each comes back from float32 as the same float64 */
function restoresAll(xs: number[]): boolean {
  const e = new Float32Exactness();
  if (!xs.every((x) => e.admit(x))) return false;
  return xs.every((x) => Object.is(restoreFloat32(Math.fround(x), e.scale), x));
}

describe("float32 storage that restores every float64", () => {
  const rng = new Random(7);
  const decimals = (n: number, lo: number, hi: number, digits: number) =>
    Array.from({ length: n }, () => Number(rng.uniform(lo, hi).toFixed(digits)));

  test("decimals as files hold them come back bit for bit", () => {
    expect(restoresAll(decimals(20_000, -3, 3, 6))).toBe(true);
    expect(restoresAll(decimals(20_000, 0, 10_000, 2))).toBe(true);
    expect(restoresAll([0.1, 0.25, 12.5, -0.0031, 6.02214, 0, -0])).toBe(true);
    // mixed decimal places: the column's scale grows and earlier values still come back
    expect(restoresAll([1, 2.5, 0.125, 17.75, 0.001])).toBe(true);
  });

  test("float32 values are kept as they are", () => {
    const e = new Float32Exactness();
    for (const x of [0, 1, -7, 2 ** 24, 0.5, 0.75, Math.fround(1e30)]) expect(e.admit(x)).toBe(true);
    expect(e.scale).toBeUndefined();
  });

  test("a value float32 cannot give back is refused and leaves the column as it was", () => {
    const e = new Float32Exactness();
    for (const x of decimals(100, -3, 3, 4)) expect(e.admit(x)).toBe(true);
    const scale = e.scale;
    expect(e.admit(2 ** 24 + 1)).toBe(false);
    expect(e.admit(0.1 + 0.2)).toBe(false);
    expect(e.admit(1e-30)).toBe(false);
    expect(e.scale).toBe(scale as number);
  });

  test("an integer ID past 2^24 needs float64: float32 would merge neighbouring IDs", () => {
    const ids = Array.from({ length: 50 }, (_, i) => 20_000_000 + i);
    expect(new Set(ids.map(Math.fround)).size).toBeLessThan(ids.length);
    expect(restoresAll(ids)).toBe(false);
  });
});
