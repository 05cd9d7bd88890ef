/**
 * ONNX export: models trained through the API, downloaded from GET …/onnx and run by
 * onnxruntime (an independent implementation of every operator in the graph) give the
 * probabilities and labels POST /predict gives, within 1e-5, on iris, digits and a mixed data set
 * (numeric with missing values, booleans, categories with unseen and empty values, hashed text),
 * for MLP and linear models, and the regression values too. Columns never missing in training have
 * no missing-flag input; a missing value sent to one is imputed alike by both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as ort from "onnxruntime-node";
import { encodeRows, type TextFeature } from "../../src/ml/features";
import { csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

type Row = Record<string, unknown>;
const TOLERANCE = 1e-5;

/** A data set of every feature kind, labelled by a rule the features decide (with a little noise). */
function mixedRows(n: number, seed: number): Row[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const colours = ["red", "green", "blue", "amber"];
  const words = ["quick delivery", "broken on arrival", "works as described", "would buy again", "late and damaged"];
  return Array.from({ length: n }, () => {
    const colour = colours[Math.floor(rand() * colours.length)] as string;
    const size = rand() < 0.1 ? null : Math.round(rand() * 1000) / 10;
    const member = rand() < 0.1 ? null : rand() < 0.5;
    const review = `${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]}`;
    // never missing in training: one input, no missing flag
    const express = rand() < 0.5;
    const score =
      (colour === "red" ? 2 : colour === "blue" ? -1 : 0) + (size ?? 50) / 25 + (member ? 1 : 0) + (express ? 0.5 : 0);
    const outcome = rand() < 0.05 ? "maybe" : score > 3.5 ? "yes" : score > 2 ? "maybe" : "no";
    return { colour, size, member, express, review, outcome };
  });
}

interface FeatureView {
  name: string;
  type: "numeric" | "boolean" | "categorical" | "text";
  size?: number;
}

/** One tensor per feature, as the README's ONNX section says a client builds them. */
function feeds(features: FeatureView[], rows: Row[]): Record<string, ort.Tensor> {
  const n = rows.length;
  const missing = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");
  const out: Record<string, ort.Tensor> = {};
  for (const f of features) {
    const values = rows.map((r) => r[f.name]);
    if (f.type === "numeric") {
      out[f.name] = new ort.Tensor(
        "float32",
        Float32Array.from(values, (v) => (missing(v) ? NaN : Number(v))),
        [n, 1],
      );
    } else if (f.type === "boolean") {
      const b = (v: unknown) => (missing(v) ? NaN : v === true || v === "true" ? 1 : 0);
      out[f.name] = new ort.Tensor("float32", Float32Array.from(values, b), [n, 1]);
    } else if (f.type === "categorical") {
      out[f.name] = new ort.Tensor(
        "string",
        values.map((v) => (missing(v) ? "" : String(v))),
        [n, 1],
      );
    } else {
      const dims = f.size as number;
      const spec = {
        version: 1 as const,
        width: dims,
        features: [{ name: f.name, kind: "text", dims } as TextFeature],
      };
      out[f.name] = new ort.Tensor("float32", encodeRows(spec, rows), [n, dims]);
    }
  }
  return out;
}

async function train(modelKey: string, body: Row) {
  const res = await svc.request("/train", { json: { model_key: modelKey, ...body } });
  expect(res.status).toBe(202);
  const job = await svc.waitJob(res.body.job_id, 120_000);
  expect(job.status).toBe("completed");
}

/** Runs the exported model and /predict on the same rows; the largest probability difference. */
async function compare(modelKey: string, rows: Row[]) {
  const onnx = await svc.app.request(`/models/${modelKey}/versions/1.0.0/onnx`, {
    headers: { "x-admin-token": "t".repeat(40) },
  });
  expect(onnx.status).toBe(200);
  expect(onnx.headers.get("content-type")).toBe("application/onnx");
  const session = await ort.InferenceSession.create(new Uint8Array(await onnx.arrayBuffer()));
  const { features } = (await svc.request(`/models/${modelKey}/features`)).body as { features: FeatureView[] };
  expect([...session.inputNames].sort()).toEqual(features.map((f) => f.name).sort());
  const result = await session.run(feeds(features, rows));
  const ours = (await svc.request("/predict", { json: { model_key: modelKey, data: rows } })).body.predictions as {
    prediction: string | number;
    all_scores: Record<string, number> | null;
  }[];
  const labels = Array.from(result.prediction?.data as ArrayLike<unknown>, (v) =>
    typeof v === "bigint" ? Number(v) : v,
  );
  let worst = 0;
  let decided = 0;
  ours.forEach((p, r) => {
    if (!p.all_scores) {
      // regression: relative to the value's size, float32 arithmetic in the graph
      const v = labels[r] as number;
      worst = Math.max(worst, Math.abs(v - (p.prediction as number)) / Math.max(1, Math.abs(p.prediction as number)));
      return;
    }
    const classes = Object.keys(p.all_scores);
    const probs = result.probabilities?.data as Float32Array;
    classes.forEach((c, j) => {
      worst = Math.max(worst, Math.abs((probs[r * classes.length + j] as number) - (p.all_scores?.[c] as number)));
    });
    // the label must agree wherever the top two classes are not a near tie
    const sorted = Object.values(p.all_scores).sort((a, b) => b - a);
    if ((sorted[0] as number) - (sorted[1] as number) > 1e-4) {
      expect(labels[r]).toBe(p.prediction);
      decided++;
    }
  });
  return { worst, decided, labels };
}

const irisTrain = csvRows("iris_train.csv");
const irisTest = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
// iris has no missing value: its features have no missing flag, and a missing value is imputed
const irisGaps = [
  ...irisTest,
  { ...irisTest[0], sepal_length: null },
  { ...irisTest[1], petal_width: "" },
  { ...irisTest[2], sepal_width: null, petal_length: null },
];
const digitsTrain = csvRows("digits_train.csv");
const digitsTest = csvRows("digits_test.csv").map(({ label: _, ...f }) => f);
const mixedTrain = mixedRows(600, 7);
const mixedTest = [
  ...mixedRows(60, 99).map(({ outcome: _, ...f }) => f),
  // unseen and empty categories, every field missing, numbers sent as strings
  { colour: "purple", size: 12.5, member: true, express: false, review: "never seen words here" },
  { colour: "", size: null, member: null, express: null, review: "" },
  { colour: null, size: "40.5", member: "false", express: "", review: null },
];

describe("ONNX export matches /predict within 1e-5 (onnxruntime)", () => {
  for (const kind of ["mlp", "linear"] as const) {
    const hidden = kind === "mlp" ? { hidden_layer_sizes: [16, 8] } : {};

    test(`iris, ${kind}`, async () => {
      const key = `iris-${kind}`;
      await train(key, {
        model_type: kind,
        target_field: "species",
        items: irisTrain,
        hyperparameters: { ...hidden, max_iter: 200, learning_rate_init: 0.01, random_state: 1 },
      });
      const { worst, decided, labels } = await compare(key, irisGaps);
      expect(worst).toBeLessThan(TOLERANCE);
      expect(decided).toBeGreaterThan(irisGaps.length / 2);
      expect(new Set(labels)).toEqual(new Set(["setosa", "versicolor", "virginica"]));
    }, 120_000);

    test(`digits (integer labels), ${kind}`, async () => {
      const key = `digits-${kind}`;
      await train(key, {
        model_type: kind,
        target_field: "label",
        items: digitsTrain,
        hyperparameters: { ...(kind === "mlp" ? { hidden_layer_sizes: [32] } : {}), max_iter: 20, random_state: 1 },
      });
      const { worst, decided, labels } = await compare(key, digitsTest);
      expect(worst).toBeLessThan(TOLERANCE);
      expect(decided).toBeGreaterThan(digitsTest.length / 2);
      expect(labels.every((l) => typeof l === "number")).toBe(true);
    }, 180_000);

    test(`categories, booleans, missing values and hashed text, ${kind}`, async () => {
      const key = `mixed-${kind}`;
      await train(key, {
        model_type: kind,
        target_field: "outcome",
        items: mixedTrain,
        hyperparameters: { ...hidden, max_iter: 60, learning_rate_init: 0.01, random_state: 1 },
      });
      const features = (await svc.request(`/models/${key}/features`)).body.features as FeatureView[];
      expect(Object.fromEntries(features.map((f) => [f.name, f.type]))).toEqual({
        colour: "categorical",
        size: "numeric",
        member: "boolean",
        express: "boolean",
        review: "text",
      });
      const flags = Object.fromEntries(features.map((f) => [f.name, (f as { missing_flag?: boolean }).missing_flag]));
      expect(flags).toMatchObject({ size: true, member: true, express: false });
      const { worst, decided } = await compare(key, mixedTest);
      expect(worst).toBeLessThan(TOLERANCE);
      expect(decided).toBeGreaterThan(mixedTest.length / 2);
    }, 120_000);
  }

  test("regression: the value, scaled back to the target's units", async () => {
    const rows = irisTrain.map(({ species: _, ...r }) => r);
    await train("iris-width", {
      target_field: "petal_width",
      task_type: "regression",
      items: rows,
      hyperparameters: { hidden_layer_sizes: [8], max_iter: 100, random_state: 1 },
    });
    const probe = irisTest.map(({ petal_width: _, ...r }) => r);
    const { worst, labels } = await compare("iris-width", probe);
    expect(worst).toBeLessThan(TOLERANCE);
    expect(labels.every((v) => typeof v === "number" && v > -1 && v < 4)).toBe(true);
  }, 120_000);
});
