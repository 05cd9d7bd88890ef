import { describe, expect, test } from "bun:test";
import {
  accuracy,
  confusionMatrix,
  meanAbsoluteError,
  meanSquaredError,
  perClassScores,
  precisionRecallF1,
  r2Score,
  rootMeanSquaredError,
} from "../../src/ml/metrics";

// Worked by hand (and equal to sklearn 1.2.1's precision_recall_fscore_support / confusion_matrix):
// class 0: tp 1 of 2 predicted, 2 true → P ½, R ½, F1 ½
// class 1: tp 3 of 4 predicted, 3 true → P ¾, R 1, F1 6/7
// class 2: tp 1 of 1 predicted, 2 true → P 1, R ½, F1 ⅔
const T = [0, 0, 1, 1, 2, 2, 1];
const P = [0, 1, 1, 1, 2, 0, 1];

describe("metrics", () => {
  test("accuracy is the share of exact matches, for numbers and strings", () => {
    expect(accuracy(T, P)).toBeCloseTo(5 / 7, 12);
    expect(accuracy(["a", "b"], ["a", "a"])).toBe(0.5);
  });

  test("confusion matrix counts true labels by row and predictions by column", () => {
    expect(confusionMatrix(T, P)).toEqual({
      labels: [0, 1, 2],
      matrix: [
        [1, 1, 0],
        [0, 3, 0],
        [1, 0, 1],
      ],
    });
  });

  test("per-class, macro and weighted precision/recall/F1 match the hand computation", () => {
    const per = perClassScores(T, P);
    expect(per.map((c) => c.f1)).toEqual([0.5, 6 / 7, 2 / 3].map((v) => expect.closeTo(v, 12)) as never);
    const macro = precisionRecallF1(T, P, "macro");
    expect(macro.precision).toBeCloseTo(0.75, 12);
    expect(macro.recall).toBeCloseTo(2 / 3, 12);
    expect(macro.f1).toBeCloseTo((0.5 + 6 / 7 + 2 / 3) / 3, 12);
    const weighted = precisionRecallF1(T, P, "weighted");
    expect(weighted.precision).toBeCloseTo((2 * 0.5 + 3 * 0.75 + 2 * 1) / 7, 12);
    expect(weighted.recall).toBeCloseTo(5 / 7, 12);
    expect(weighted.f1).toBeCloseTo((2 * 0.5 + 3 * (6 / 7) + 2 * (2 / 3)) / 7, 12);
  });

  test("a class never predicted scores 0 precision instead of NaN", () => {
    const s = perClassScores([0, 1], [0, 0]);
    expect(s[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  test("regression errors match the hand computation", () => {
    const t = [3, -0.5, 2, 7];
    const p = [2.5, 0, 2, 8];
    // residuals -0.5, 0.5, 0, 1 → squares sum 1.5; |.| sum 2; mean of t = 2.875, SS_tot = 29.1875
    expect(meanSquaredError(t, p)).toBeCloseTo(0.375, 12);
    expect(rootMeanSquaredError(t, p)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(meanAbsoluteError(t, p)).toBeCloseTo(0.5, 12);
    expect(r2Score(t, p)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
  });

  test("R² averages over outputs and handles a constant target as sklearn does", () => {
    // outputs: [1,3,5] vs [1,3,6] → 1 - 1/8; [2,5,5] vs [2,4,5] → 1 - 1/6
    expect(r2Score([1, 2, 3, 5, 5, 5], [1, 2, 3, 4, 6, 5], 2)).toBeCloseTo((1 - 1 / 8 + 1 - 1 / 6) / 2, 12);
    expect(r2Score([4, 4], [4, 4])).toBe(1);
    expect(r2Score([4, 4], [4, 5])).toBe(0);
  });

  test("refuses arrays of different lengths", () => {
    expect(() => accuracy([1, 2], [1])).toThrow(/2 true values but 1 predictions/);
  });
});
