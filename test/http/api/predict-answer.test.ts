import { describe, expect, test } from "bun:test";
import { predictAnswerJson } from "../../../src/http/api/predict-answer";
import { type Prediction, predictionsOf, rawScores } from "../../../src/registry/serving";

/** The answer as `c.json` wrote it before: the reference the hand-written text must equal byte for byte. */
function reference(a: Parameters<typeof predictAnswerJson>[0], rows: unknown[]): string {
  return JSON.stringify({
    model_key: a.model_key,
    version: a.version,
    ...(a.alias !== undefined && { alias: a.alias }),
    predictions: a.outputs.map((o, i) => ({ prediction_id: a.ids[i], input: rows[i], ...o })),
    processing_time_ms: a.processing_time_ms,
  });
}

/** Scores filled in class order, as predictRows does. */
function scores(classes: unknown[], ps: number[]): Record<string, number> {
  const s: Record<string, number> = {};
  classes.forEach((c, j) => {
    s[String(c)] = ps[j] as number;
  });
  return s;
}

describe("predictAnswerJson", () => {
  test("writes what JSON.stringify writes for index-like class labels, out of order", () => {
    const classes = [10, 2, "b", "a", 0];
    const rows = [{ x: 1.5, 'ü"q': "a\nb", n: null, t: true }, { x: -0 }];
    const outputs: Prediction[] = [
      { prediction: 10, confidence: 0.5, all_scores: scores(classes, [0.5, 0.1, 0.2, 0.1, 0.1]) },
      { prediction: "b", confidence: 1e-7, all_scores: scores(classes, [1e-7, 0, 1, 3.4028234663852886e38, 0.25]) },
    ];
    const a = {
      model_key: 'm"1',
      version: "1.0.0",
      alias: "champion",
      ids: [7, 8],
      inputs: rows.map((r) => JSON.stringify(r)),
      outputs,
      classes,
      processing_time_ms: 0.123,
    };
    expect(predictAnswerJson(a)).toBe(reference(a, rows));
  });

  test("regression answers (no scores), no alias, non-finite numbers as null", () => {
    const rows = [{ a: 1 }];
    const a = {
      model_key: "r",
      version: "2.0.0",
      ids: [1],
      inputs: rows.map((r) => JSON.stringify(r)),
      outputs: [{ prediction: Number.NaN, confidence: null, all_scores: null }],
      classes: [],
      processing_time_ms: 1,
    };
    expect(predictAnswerJson(a)).toBe(reference(a, rows));
  });

  test("scores that do not match the class list fall back to JSON.stringify", () => {
    const rows = [{ a: 1 }];
    const a = {
      model_key: "m",
      version: "1.0.0",
      ids: [1],
      inputs: rows.map((r) => JSON.stringify(r)),
      outputs: [{ prediction: "x", confidence: 0.9, all_scores: { x: 0.9, y: 0.1, z: 0 } }],
      classes: ["x", "y"],
      processing_time_ms: 1,
    };
    expect(predictAnswerJson(a)).toBe(reference(a, rows));
  });
});

describe("predictAnswerJson over predictRows' own outputs (scores read from the float32 array)", () => {
  /** An artifact-shaped argument for predictionsOf: only `model` and `target` are read. */
  const artifactOf = (classes: unknown[]) =>
    ({ model: { task: "classification", classes, nOutputs: classes.length }, target: {} }) as never;

  test("equals JSON.stringify for random scores, index-like labels out of order, colliding labels, NaN", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const classLists: unknown[][] = [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 2, "b", "a", 0],
      ["setosa", "versicolor", "virginica"],
      // 1 and "1" share the key "1": the object keeps the last, the writer must fall back
      [1, "1", 2],
    ];
    for (const classes of classLists) {
      const rows = Array.from({ length: 50 }, (_, i) => ({ i, x: random() }));
      const out = new Float32Array(rows.length * classes.length);
      for (let i = 0; i < out.length; i++) {
        const u = random();
        out[i] = u < 0.02 ? Number.NaN : u < 0.04 ? 0 : u < 0.06 ? -0 : u < 0.08 ? 1e-30 : Math.fround(u);
      }
      const outputs = predictionsOf(artifactOf(classes), out);
      expect(rawScores(outputs)).toBe(out);
      const a = {
        model_key: "m",
        version: "1.0.0",
        ids: rows.map((_, i) => 100 + i),
        inputs: rows.map((r) => JSON.stringify(r)),
        outputs,
        classes,
        processing_time_ms: 2.5,
      };
      expect(predictAnswerJson(a)).toBe(reference(a, rows));
    }
  });
});
