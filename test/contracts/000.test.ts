/**
 * Seed 000 (the v3.2 specification) as its own clients call it: the documented request bodies,
 * sent as written, and the documented response shapes (extra fields allowed, none renamed).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { raiseAlert } from "../../src/monitoring/alerts";
import { startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const KINDS = ["Product", "Service", "Job"] as const;
const WORDS = { Product: "laptop phone chair", Service: "cleaning repair delivery", Job: "engineer nurse driver" };

/** 90 rows of three well-separated classes: a price band and a word per class. */
function productRows(n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => {
    const kind = KINDS[(i + offset) % 3] as (typeof KINDS)[number];
    const word = WORDS[kind].split(" ")[i % 3] as string;
    const price = { Product: 100, Service: 500, Job: 900 }[kind] + ((i * 7) % 50);
    return { title: `${word} ${i}`, price, category: kind };
  });
}

/** The spec's `POST /train` body, field by field, with `version: "v1.0.0"` and `batch_size: "auto"`. */
const TRAIN = {
  model_key: "product_classifier",
  version: "v1.0.0",
  task_type: "classification",
  target_field: "category",
  feature_fields: ["title", "price"],
  dataset_name: "products",
  batch_size: "auto",
  use_gpu_if_available: true,
  early_stopping: true,
  validation_split: 0.2,
  items: productRows(90),
};

describe("seed 000: the v3.2 spec's clients", () => {
  let trained: { metrics: Record<string, number>; held: number } = { metrics: {}, held: 0 };

  test("POST /train takes the spec's own body and answers job_id, status, model_key, version, estimated_time", async () => {
    const res = await svc.request("/train", { json: TRAIN });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      job_id: expect.any(String),
      status: "queued",
      model_key: "product_classifier",
      version: "1.0.0",
      estimated_time: expect.any(Number),
    });
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");
    trained = { metrics: job.result.metrics, held: 90 - job.result.train_rows };
  });

  test("GET /models answers {models: [...]} with versions as a list", async () => {
    const res = await svc.request("/models");
    expect(res.status).toBe(200);
    expect(res.body.models).toEqual([
      expect.objectContaining({
        model_key: "product_classifier",
        versions: ["1.0.0"],
        active_version: "1.0.0",
        status: "active",
        accuracy: trained.metrics.accuracy,
        last_trained: expect.any(String),
      }),
    ]);
    expect(Number.isNaN(Date.parse(res.body.models[0].last_trained))).toBe(false);
  });

  test("GET /models/{key} and /models/{key}/features answer for the trained model", async () => {
    const one = await svc.request("/models/product_classifier");
    expect(one.body).toMatchObject({ model_key: "product_classifier", active_version: "1.0.0" });
    const features = await svc.request("/models/product_classifier/features");
    expect(features.body.features.map((f: { name: string }) => f.name).sort()).toEqual(["price", "title"]);
  });

  test("POST /predict answers each prediction with its input echoed, and processing_time_ms", async () => {
    const data = [
      { title: "phone 7", price: 120 },
      { title: "nurse 3", price: 930 },
    ];
    const res = await svc.request("/predict", { json: { model_key: "product_classifier", version: "v1.0.0", data } });
    expect(res.status).toBe(200);
    expect(typeof res.body.processing_time_ms).toBe("number");
    expect(res.body.predictions).toEqual(
      data.map((input) =>
        expect.objectContaining({ input, prediction: expect.any(String), confidence: expect.any(Number) }),
      ),
    );
    for (const p of res.body.predictions) expect(KINDS).toContain(p.prediction);
    expect(Object.keys(res.body.predictions[0].all_scores).sort()).toEqual(["Job", "Product", "Service"]);
  });

  test("POST /quality {model_key, version} scores the held-out rows the training job scored", async () => {
    const res = await svc.request("/quality", { json: { model_key: "product_classifier", version: "v1.0.0" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model_key: "product_classifier",
      version: "1.0.0",
      samples_analyzed: trained.held,
      last_updated: expect.any(String),
    });
    // the same rows the job held out give the same metrics the job recorded
    expect(res.body.metrics.accuracy).toBeCloseTo(trained.metrics.accuracy as number, 10);
    expect(res.body.metrics.f1).toBeCloseTo(trained.metrics.f1_weighted as number, 10);
    for (const k of ["precision", "recall", "f1"]) expect(typeof res.body.metrics[k]).toBe("number");
  });

  test("POST /quality adds the model's labelled feedback to the held-out rows", async () => {
    const items = productRows(6, 1);
    const fb = await svc.request("/feedback", { json: { model_key: "product_classifier", items } });
    expect(fb.status).toBe(201);
    const res = await svc.request("/quality", { json: { model_key: "product_classifier", version: "v1.0.0" } });
    expect(res.body.samples_analyzed).toBe(trained.held + items.length);
  });

  test("GET /health/alerts answers {alerts: [...]} with alert_id and dismissible; dismissing closes it", async () => {
    await raiseAlert(
      { db: svc.db, now: () => new Date() },
      {
        type: "model_degradation",
        severity: "critical",
        modelKey: "product_classifier",
        version: "1.0.0",
        message: "Model accuracy degraded",
        details: { old_accuracy: 0.92, new_accuracy: 0.87, delta: -0.05 },
      },
    );
    const res = await svc.request("/health/alerts");
    expect(res.status).toBe(200);
    const [alert] = res.body.alerts;
    const id = alert.alert_id;
    expect(alert).toMatchObject({
      alert_id: expect.any(Number),
      type: "model_degradation",
      severity: "critical",
      model_key: "product_classifier",
      message: "Model accuracy degraded",
      details: { old_accuracy: 0.92, new_accuracy: 0.87, delta: -0.05 },
      created_at: expect.any(String),
      dismissible: true,
    });
    const dismissed = await svc.request(`/health/alerts/${id}/dismiss`, { method: "POST" });
    expect(dismissed.body).toMatchObject({ alert_id: id, dismissible: false });
    expect((await svc.request("/health/alerts")).body.alerts).toEqual([]);
  });

  test("drift reports, manual rollback and /health answer on the spec's paths", async () => {
    expect((await svc.request("/drift/daily-reports")).status).toBe(200);
    expect((await svc.request("/drift/daily-reports/product_classifier")).status).toBe(200);
    const again = await svc.request("/train", { json: { ...TRAIN, version: "v1.0.1" } });
    await svc.waitJob(again.body.job_id, 60_000);
    const back = await svc.request("/models/product_classifier/rollback/v1.0.0", { method: "POST" });
    expect(back.status).toBe(200);
    expect(back.body.active_version).toBe("1.0.0");
    expect((await svc.request("/models")).body.models[0].versions).toEqual(["1.0.0", "1.0.1"]);
    expect((await svc.app.request("/health")).status).toBe(200);
  });

  test("every listed endpoint except /health requires the token", async () => {
    for (const path of ["/models", "/health/alerts", "/drift/daily-reports", "/models/product_classifier"]) {
      expect((await svc.app.request(path)).status).toBe(401);
    }
  });
});
