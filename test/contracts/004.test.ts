/**
 * Seed 004 (the hackathon design): the Model Server's `POST /predict`, `GET /model/status` (its
 * ModelMetadata fields) and `POST /model/retrain`, and the PredictionLog readable with
 * `response_time_ms` (`GET /predictions`). The design serves one model; `model_key` names it here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
const iris = csvRows("iris_train.csv");
beforeAll(async () => {
  svc = await startService();
  const t = await svc.request("/train", { json: { model_key: "iris", target_field: "species", items: iris } });
  await svc.waitJob(t.body.job_id, 60_000);
});
afterAll(() => svc.close());

describe("seed 004: the hackathon Model Server", () => {
  test("GET /model/status answers the ModelMetadata fields", async () => {
    const res = await svc.request("/model/status?model_key=iris");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model_id: "iris",
      version: "1.0.0",
      created_at: expect.any(String),
      accuracy: expect.any(Number),
      training_data_size: expect.any(Number),
      feature_names: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
      model_type: "mlp",
    });
    const missing = await svc.request("/model/status");
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.body.error)).toContain("model_key");
  });

  test("POST /predict is logged; GET /predictions reads it back with response_time_ms", async () => {
    const row = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };
    const res = await svc.request("/predict", { json: { model_key: "iris", data: [row] } });
    const log = (await svc.request("/predictions?model_key=iris")).body.items[0];
    expect(log).toMatchObject({ model_key: "iris", input: row, prediction: res.body.predictions[0].prediction });
    expect(typeof log.response_time_ms).toBe("number");
    expect(typeof log.timestamp).toBe("string");
  });

  test("POST /model/retrain queues a retrain that ends in a new version", async () => {
    const res = await svc.request("/model/retrain", { json: { model_key: "iris" } });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");
    expect(
      (await svc.request("/models/iris/versions")).body.items.map((v: { version: string }) => v.version),
    ).toContain("1.1.0");
  });
});
