/**
 * The hand-written check of POST /predict's common body (isPlainPredictBody) may only accept what
 * PredictBody accepts unchanged and the float32 rule allows; everything else goes to valibot.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { isPlainPredictBody, PredictBody } from "../../src/http/api/predict";
import { FLOAT32_MAX } from "../../src/ml/features";

const accepted = [
  { model_key: "m", data: [{ a: 1, b: "x", c: true, d: null }] },
  { model_key: "m", version: "1.0.0", data: { a: -2.5 } },
  { model_key: "m", data: [{}, { a: FLOAT32_MAX }] },
];
const refused = [
  { model_key: "m", data: [] },
  { model_key: "", data: [{ a: 1 }] },
  { model_key: "m", data: [{ a: 1 }], extra: 1 },
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
  test("accepts only bodies PredictBody returns unchanged", () => {
    for (const b of accepted) {
      expect(isPlainPredictBody(b)).toBe(true);
      const parsed = v.safeParse(PredictBody, b);
      expect(parsed.success).toBe(true);
      expect(parsed.output).toEqual(b as never);
    }
  });

  test("leaves every other body to valibot (or to the float32 check)", () => {
    for (const b of refused) expect(isPlainPredictBody(b)).toBe(false);
  });
});
