/**
 * Time limits and the prediction log's promises: ML_PREDICT_TIMEOUT_MS (408), a fit's
 * max_training_time_s, ML_PREDICTION_LOG=sync, and the loss window /metrics reports.
 *
 * The 408 is made deterministic with the service clock: once the model is trained, every
 * reading of the clock moves it 5 s on, so any prediction "takes" longer than its 1 s limit
 * however fast the machine is.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { features, normalRows, trainModel } from "../monitoring/helpers";
import { startService } from "./helpers";

type Service = Awaited<ReturnType<typeof startService>>;
let svc: Service | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

const logged = (s: Service, id: number) =>
  s.sqlite.query("SELECT id, model_key FROM predictions WHERE id = ?").get(id) as { id: number } | null;
const countLogged = (s: Service) => (s.sqlite.query("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n;

describe("prediction time limit (ML_PREDICT_TIMEOUT_MS)", () => {
  test("a prediction past its limit answers 408 with the error contract and is not logged", async () => {
    let t = Date.now();
    let step = 0;
    const clock = () => {
      t += step;
      return new Date(t);
    };
    svc = await startService({ ML_PREDICT_TIMEOUT_MS: "1000" }, undefined, clock);
    await trainModel(svc, "slow", normalRows(120, 1));
    const fast = await svc.request("/predict", { json: { model_key: "slow", data: features(normalRows(1, 2)) } });
    expect(fast.status).toBe(200);

    step = 5000;
    const res = await svc.request("/predict", { json: { model_key: "slow", data: features(normalRows(1, 3)) } });
    step = 0;
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe("timeout");
    expect(res.body.error.message).toContain("ML_PREDICT_TIMEOUT_MS");
    expect(res.body.error.details).toEqual({ timeout_ms: 1000 });
    await svc.runtime.predictionLog.flush();
    expect(countLogged(svc)).toBe(1);
  }, 60_000);
});

describe("training time limit (max_training_time_s)", () => {
  test("a fit past its limit is stopped and failed with that reason; the old version keeps serving", async () => {
    svc = await startService();
    const first = await trainModel(svc, "limited", normalRows(200, 4));
    const res = await svc.request("/train", {
      json: {
        model_key: "limited",
        target_field: "label",
        items: normalRows(2000, 5),
        early_stopping: false,
        max_training_time_s: 0.001,
        hyperparameters: { hidden_layer_sizes: [64, 64], max_iter: 100_000 },
      },
    });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id, 120_000);
    expect(job.status).toBe("failed");
    expect(job.error).toContain("time limit of 0.001 s");
    const model = await svc.request("/models/limited");
    expect(model.body.active_version).toBe(first.version);
    const p = await svc.request("/predict", { json: { model_key: "limited", data: features(normalRows(1, 6)) } });
    expect(p.status).toBe(200);
    expect(p.body.version).toBe(first.version);
  }, 180_000);

  test("max_training_time_s must be a positive number of seconds", async () => {
    svc = await startService();
    const res = await svc.request("/train", {
      json: { model_key: "m", target_field: "label", items: normalRows(20, 1), max_training_time_s: 0 },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.error)).toContain("max_training_time_s");
  });
});

describe("prediction log durability", () => {
  test("ML_PREDICTION_LOG=sync: the row is committed when the answer arrives", async () => {
    // a flush interval far longer than the test: only the sync mode can have written the row
    svc = await startService({ ML_PREDICTION_LOG: "sync", ML_PREDICTION_LOG_FLUSH_MS: "60000" });
    await trainModel(svc, "durable", normalRows(120, 7));
    const before = countLogged(svc);
    const res = await svc.request("/predict", { json: { model_key: "durable", data: features(normalRows(3, 8)) } });
    expect(res.status).toBe(200);
    for (const p of res.body.predictions) expect(logged(svc, p.prediction_id)).not.toBeNull();
    expect(countLogged(svc)).toBe(before + 3);
  }, 60_000);

  test("async (default): /metrics reports the loss window and what waits unwritten", async () => {
    svc = await startService({ ML_PREDICTION_LOG_FLUSH_MS: "60000", ML_PREDICTION_LOG_MAX_ROWS: "500" });
    await trainModel(svc, "window", normalRows(120, 9));
    await svc.runtime.predictionLog.flush();
    const res = await svc.request("/predict", { json: { model_key: "window", data: features(normalRows(2, 10)) } });
    expect(res.status).toBe(200);
    const text = (await svc.request("/metrics")).text;
    expect(text).toContain("mlservice_prediction_log_loss_window_rows 500");
    expect(text).toContain("mlservice_prediction_log_loss_window_ms 60000");
    expect(text).toContain("mlservice_prediction_log_buffered_rows 2");
    expect(text).toContain('mlservice_predictions_total{model_key="window"} 2');
    expect(logged(svc, res.body.predictions[0].prediction_id)).toBeNull();
  }, 60_000);
});
