import { describe, expect, test } from "bun:test";
import { type FitShape, JOB_OVERHEAD_S, planFit } from "../../src/ml/plan";

const shape = (o: Partial<FitShape>): FitShape => ({
  modelType: undefined,
  labelledRows: 1000,
  validationSplit: 0.2,
  inputWidth: 10,
  outputs: 3,
  maxIter: 200,
  earlyStopping: true,
  validationFraction: 0.1,
  nIterNoChange: 10,
  ...o,
});

describe("planFit", () => {
  test("the architecture follows the seed's table over the dataset's labelled rows, not the training split", () => {
    expect(planFit(shape({ labelledRows: 9_999 })).hidden).toEqual([128, 64]);
    // 10,000 labelled rows leave 8,000 to fit: still the 10k–100k row of the table
    expect(planFit(shape({ labelledRows: 10_000 })).hidden).toEqual([256, 128]);
    expect(planFit(shape({ labelledRows: 100_000 })).hidden).toEqual([512, 256, 128]);
    expect(planFit(shape({ labelledRows: 500_000 })).hidden).toEqual([1024, 512, 256, 128]);
  });

  test("layers asked for win; a linear model has none and refuses them", () => {
    expect(planFit(shape({ hidden: [7] })).hidden).toEqual([7]);
    expect(planFit(shape({ modelType: "linear" })).hidden).toEqual([]);
    expect(() => planFit(shape({ modelType: "linear", hidden: [7] }))).toThrow("no hidden layers");
  });

  test("work is 6 FLOPs per weight per training row per epoch; early stopping only with a big enough split", () => {
    const p = planFit(shape({ labelledRows: 100, inputWidth: 4, outputs: 2, hidden: [5], earlyStopping: true }));
    expect(p.trainRows).toBe(80);
    expect(p.weights).toBe(4 * 5 + 5 * 2);
    expect(p.earlyStopping).toBe(false);
    expect(p.epochs).toBe(200);
    expect(p.flops).toBe(6 * 80 * 30 * 200);
    const big = planFit(shape({ labelledRows: 10_000 }));
    expect(big.earlyStopping).toBe(true);
    expect(big.epochs).toBeLessThan(200);
  });

  test("more rows or more epochs estimate more time, and nothing is below the fixed start-up", () => {
    const small = planFit(shape({ labelledRows: 1_000, earlyStopping: false }));
    expect(small.estimatedSeconds).toBeGreaterThan(JOB_OVERHEAD_S);
    const larger = planFit(shape({ labelledRows: 5_000, earlyStopping: false }));
    expect(larger.estimatedSeconds).toBeGreaterThan(small.estimatedSeconds);
    const stopping = planFit(shape({ labelledRows: 5_000 }));
    expect(planFit(shape({ labelledRows: 5_000, earlyStopping: false })).estimatedSeconds).toBeGreaterThan(
      stopping.estimatedSeconds,
    );
  });
});
