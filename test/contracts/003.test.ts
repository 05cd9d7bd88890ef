/**
 * Seed 003 (the ML pipeline's architecture): its Ingestion API (`POST /ingest/batch`,
 * `POST /ingest/stream` one sample, `GET /stats`, `GET /health`) and Prediction Service
 * (`POST /predict`, `POST /predict/batch`, `POST /reload_model`) answer on the documented paths. The document gives no
 * bodies; the shapes are this service's (README "Compatibility" table).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
const row = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
beforeAll(async () => {
  svc = await startService();
  const t = await svc.request("/train", {
    json: { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") },
  });
  await svc.waitJob(t.body.job_id, 60_000);
});
afterAll(() => svc.close());

describe("seed 003: the pipeline's services", () => {
  test("Ingestion API: batch, one streamed sample, statistics, health", async () => {
    const batch = await svc.request("/ingest/batch", {
      json: { model_key: "iris", data: [row, { ...row, species: "setosa" }] },
    });
    expect(batch.body).toMatchObject({ accepted: 2, labelled: 1, rejected: 0, errors: [] });
    const one = await svc.request("/ingest/stream", { json: { model_key: "iris", data: row } });
    expect(one.body).toMatchObject({ accepted: 1, rejected: 0 });
    const stats = await svc.request("/stats");
    expect(stats.body.models[0]).toMatchObject({ model_key: "iris", accepted: 3, labelled: 1, rejected: 0 });
    expect((await svc.app.request("/health")).status).toBe(200);
  });

  test("Prediction Service: predict, and reload the model after a retrain", async () => {
    const res = await svc.request("/predict", { json: { model_key: "iris", data: [row] } });
    expect(res.body.predictions[0].prediction).toBe("setosa");
    const reload = await svc.request("/reload_model", { json: { model_key: "iris" } });
    expect(reload.body).toMatchObject({ model_key: "iris", version: "1.0.0", reloaded: true });
    expect((await svc.request("/reload_model", { json: {} })).status).toBe(422);
    expect((await svc.request("/reload_model", { json: { model_key: "nope" } })).status).toBe(404);
  });

  test("Prediction Service: POST /predict/batch predicts every row like /predict, and logs them", async () => {
    const test = csvRows("iris_test.csv");
    const rows = test.map(({ species: _, ...features }) => features);
    const batch = await svc.request("/predict/batch", { json: { model_key: "iris", data: rows } });
    expect(batch.status).toBe(200);
    const single = await svc.request("/predict", { json: { model_key: "iris", data: rows } });
    const labels = (r: { body: { predictions: { prediction: string }[] } }) =>
      r.body.predictions.map((p) => p.prediction);
    expect(labels(batch)).toEqual(labels(single));
    const right = labels(batch).filter((p, i) => p === test[i]?.species).length;
    expect(right / test.length).toBeGreaterThan(0.8);
    await svc.runtime.predictionLog.flush();
    const ids = batch.body.predictions.map((p: { prediction_id: number }) => p.prediction_id);
    const fed = await svc.request("/feedback", {
      json: { prediction_id: ids[0], label: test[0]?.species, model_key: "iris" },
    });
    expect(fed.status).toBeLessThan(300);
    const bad = await svc.request("/predict/batch", { json: { model_key: "iris", data: [], batch_size: 10 } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error)).toContain("batch_size");
  });
});
