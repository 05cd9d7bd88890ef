/**
 * Model kinds: a linear (logistic) model trained and served through the API beside the MLP,
 * its kind recorded in the artifact and shown by the registry, and artifacts written before
 * kinds existed still loading as MLPs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { modelKind } from "../../src/ml/kinds";
import { decodeArtifact, encodeArtifact } from "../../src/registry/artifact";
import { csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");
const irisTest = csvRows("iris_test.csv");
const probe = irisTest.map(({ species: _, ...f }) => f);

describe('model_type "linear"', () => {
  let before: unknown;

  test("trains on iris with no hidden layer and scores at least 0.9 on the test rows", async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "iris-linear",
        model_type: "linear",
        target_field: "species",
        items: iris,
        hyperparameters: { max_iter: 400, learning_rate_init: 0.01, random_state: 3 },
      },
    });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");
    expect(job.result.metrics).toMatchObject({ model_type: "linear", hidden_layer_sizes: [] });
    const quality = await svc.request("/quality", { json: { model_key: "iris-linear", items: irisTest } });
    expect(quality.status).toBe(200);
    expect(quality.body.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  test("serves predictions with confidence and every class score", async () => {
    const res = await svc.request("/predict", { json: { model_key: "iris-linear", data: probe } });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toHaveLength(probe.length);
    for (const p of res.body.predictions) {
      expect(["setosa", "versicolor", "virginica"]).toContain(p.prediction);
      expect(p.confidence).toBeGreaterThan(0.3);
      expect(Object.keys(p.all_scores).sort()).toEqual(["setosa", "versicolor", "virginica"]);
    }
    before = res.body.predictions.map((p: { prediction: string }) => p.prediction);
  });

  test("the model, its versions and its artifact say which kind it is", async () => {
    const model = await svc.request("/models/iris-linear");
    expect(model.body.model_type).toBe("linear");
    expect(model.body.version_list[0].model_type).toBe("linear");
    const bytes = readFileSync(join(svc.config.ML_ARTIFACTS_ROOT, "iris-linear", "1.0.0.mlsa"));
    const artifact = decodeArtifact(new Uint8Array(bytes));
    expect(artifact.modelType).toBe("linear");
    expect(artifact.model.layers).toHaveLength(1);
    // 4 features never missing in training, so each is one standardised value (no missing flag), into 3 classes: 4×3 weights + 3 biases
    expect(modelKind("linear").describe(artifact.model)).toMatchObject({ hidden_layer_sizes: [], parameters: 15 });
  });

  test("asking a linear model for hidden layers is 422 before any job", async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "iris-linear",
        model_type: "linear",
        target_field: "species",
        items: iris,
        hyperparameters: { hidden_layer_sizes: [8] },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("no hidden layers");
  });

  test("an unknown model_type is 422", async () => {
    const res = await svc.request("/train", {
      json: { model_key: "x", model_type: "forest", target_field: "species", items: iris },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("model_type");
  });

  test("after a restart the linear version loads from its artifact and answers the same", async () => {
    const dir = svc.dir;
    await svc.close(true);
    svc = await startService({}, dir);
    const res = await svc.request("/predict", { json: { model_key: "iris-linear", data: probe } });
    expect(res.status).toBe(200);
    expect(res.body.predictions.map((p: { prediction: string }) => p.prediction)).toEqual(before);
  });
});

describe("artifacts written before model kinds", () => {
  const old = new Uint8Array(readFileSync(join(import.meta.dir, "..", "registry", "fixtures", "pre-kinds.mlsa")));

  test("load as an MLP and predict as they did", () => {
    const artifact = decodeArtifact(old);
    expect(artifact.modelType).toBe("mlp");
    expect(artifact.model.layers.map((l) => [l.rows, l.cols])).toEqual([
      [4, 3],
      [3, 2],
    ]);
    // a = (1, 0) row: hidden relu(1, -1, 0.6) = (1, 0, 0.6) → logits (2, -2) → softmax
    const probs = modelKind(artifact.modelType).predictHost(artifact.model, Float32Array.from([1, 0, 0, 0]));
    expect(probs[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 5);
  });

  test("written again, they record their kind and keep their weights", () => {
    const artifact = decodeArtifact(old);
    const again = decodeArtifact(encodeArtifact(artifact));
    expect(again.modelType).toBe("mlp");
    expect(again.model.layers[0]?.weights).toEqual(artifact.model.layers[0]?.weights as Float32Array);
  });
});
