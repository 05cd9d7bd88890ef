/**
 * The hand-written reading of POST /predict's common body (plainPredictBody) may only accept what
 * PredictBody accepts and the float32 rule allows, and must give exactly what PredictBody returns
 * for it (its defaults filled in); everything else goes to valibot.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { isPlainPredictBody, PredictBody, plainPredictBody } from "../../src/http/api/predict";
import { FLOAT32_MAX } from "../../src/ml/features";

const accepted = [
  { model_key: "m", data: [{ a: 1, b: "x", c: true, d: null }] },
  { model_key: "m", version: "1.0.0", data: { a: -2.5 } },
  { model_key: "m", data: [{}, { a: FLOAT32_MAX }] },
  { model_key: "m", data: [{ a: 1 }], async: true },
  { model_key: "m", data: { a: 1 }, async: false },
];
const refused = [
  { model_key: "m", data: [] },
  { model_key: "", data: [{ a: 1 }] },
  { model_key: "m", data: [{ a: 1 }], extra: 1 },
  { model_key: "m", data: [{ a: 1 }], async: "yes" },
  { model_key: "m", data: [{ a: 1 }], alias: "champion" },
  { model_key: "m", dataset_id: "d1" },
  { model_key: "m", version: 3, data: [{ a: 1 }] },
  { model_key: "m", data: [{ a: [1] }] },
  { model_key: "m", data: [{ a: { b: 1 } }] },
  { model_key: "m", data: [[1, 2]] },
  { model_key: "m", data: [{ a: 1e39 }] },
  { model_key: "m", data: "rows" },
  { data: [{ a: 1 }] },
  [{ model_key: "m" }],
  null,
];

describe("isPlainPredictBody", () => {
  test("accepts only bodies PredictBody accepts, and reads them as PredictBody does", () => {
    for (const b of accepted) {
      expect(isPlainPredictBody(b)).toBe(true);
      const parsed = v.safeParse(PredictBody, b);
      expect(parsed.success).toBe(true);
      expect(plainPredictBody(b)).toStrictEqual(parsed.output as never);
    }
  });

  test("fills PredictBody's default: a body without async reads as async false", () => {
    expect(plainPredictBody({ model_key: "m", data: { a: 1 } })).toStrictEqual({
      model_key: "m",
      data: { a: 1 },
      async: false,
    });
  });

  test("leaves every other body to valibot (or to the float32 check)", () => {
    for (const b of refused) {
      expect(isPlainPredictBody(b)).toBe(false);
      expect(plainPredictBody(b)).toBeUndefined();
    }
  });
});
