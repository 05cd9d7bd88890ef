/**
 * The baseline check that guards imports: every baseline the service builds passes it, and the
 * damage a hand-edited or foreign file could carry (edges out of order, shares of the wrong
 * length, non-numbers, unknown kinds) is named by feature.
 */
import { describe, expect, test } from "bun:test";
import { buildBaseline } from "../../src/monitoring/baseline";
import { baselineProblems } from "../../src/monitoring/baseline-check";

const built = () =>
  buildBaseline({
    numeric: { age: [20, 31, null, 45, 52, 38] },
    categorical: { city: ["oslo", "rome", null, "oslo", "", "lima"] },
    predictions: { classes: ["a", "b", "a", "a", "b", "a"], confidences: [0.9, 0.6, 0.7, 0.8, 0.5, 0.9] },
  });

describe("baselineProblems", () => {
  test("accepts what buildBaseline makes, and no baseline at all", () => {
    expect(baselineProblems(built())).toEqual([]);
    expect(baselineProblems(JSON.parse(JSON.stringify(built())))).toEqual([]);
    expect(baselineProblems(undefined)).toEqual([]);
  });

  test("names the feature and what is wrong with it", () => {
    const cases: [(b: ReturnType<typeof built>) => void, string, string][] = [
      [(b) => ((b.features.age as { edges: number[] }).edges = [3, 2]), "baseline.features.age", "increasing"],
      [(b) => (b.features.age as { proportions: number[] }).proportions.pop(), "baseline.features.age", "one more"],
      [(b) => ((b.features.city as { categories: unknown[] }).categories = [1]), "baseline.features.city", "strings"],
      [(b) => ((b.features.city as { kind: string }).kind = "image"), "baseline.features.city", "unknown kind"],
      [(b) => ((b as { version: number }).version = 2), "baseline", "version 1"],
    ];
    for (const [edit, path, message] of cases) {
      const b = built();
      edit(b);
      const problems = baselineProblems(b);
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe(path);
      expect(problems[0]?.message).toContain(message);
    }
  });
});
