import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SYSTEM } from "../../src/registry/ownership";
import { reserveVersion } from "../../src/registry/registry";
import { csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  // tol 0: the long fit below cannot stop early on its own before it is cancelled
  svc = await startService({ ML_MODEL_RETENTION: "2", ML_TOL: "0" });
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
const train = async (key: string, extra: Record<string, unknown> = {}) => {
  const res = await svc.request("/train", {
    json: { model_key: key, target_field: "species", items: iris, hyperparameters: { max_iter: 50 }, ...extra },
  });
  expect(res.status).toBe(202);
  return res.body as { job_id: string; version: string };
};

describe("registry", () => {
  test("keeps the newest ML_MODEL_RETENTION ready versions; older ones are archived and their files removed", async () => {
    for (let i = 0; i < 3; i++) await train("kept");
    await svc.runtime.jobs.idle();
    const versions = (await svc.request("/models/kept/versions")).body.items as { version: string; status: string }[];
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      ["1.2.0", "ready"],
      ["1.1.0", "ready"],
      ["1.0.0", "archived"],
    ]);
    expect(existsSync(join(svc.config.ML_ARTIFACTS_ROOT, "kept", "1.0.0.mlsa"))).toBe(false);
    expect(existsSync(join(svc.config.ML_ARTIFACTS_ROOT, "kept", "1.2.0.mlsa"))).toBe(true);
    expect((await svc.request("/models/kept/rollback/1.0.0", { method: "POST" })).status).toBe(409);
  });

  test("a model whose first version is still training answers 503 with Retry-After", async () => {
    await reserveVersion(svc.db, {
      modelKey: "warming",
      taskType: "classification",
      targetField: "species",
      featureFields: ["sepal_length"],
      hyperparameters: {},
      datasetId: null,
      jobId: "job_test",
      createdBy: null,
      now: new Date().toISOString(),
      actor: SYSTEM,
    });
    const res = await svc.request("/predict", { json: { model_key: "warming", data: [{ sepal_length: 1 }] } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.body.error.code).toBe("not_ready");
  });

  test("a cancelled fit leaves the previous version serving, and its version is failed", async () => {
    await train("steady");
    await svc.runtime.jobs.idle();
    const long = await train("steady", {
      early_stopping: false,
      hyperparameters: { max_iter: 100000, hidden_layer_sizes: [256, 256] },
    });
    for (let i = 0; i < 200 && (await svc.request(`/jobs/${long.job_id}`)).body.stage !== "training"; i++)
      await Bun.sleep(25);
    const cancel = await svc.request(`/jobs/${long.job_id}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(200);
    await svc.runtime.jobs.idle();
    expect((await svc.request(`/jobs/${long.job_id}`)).body.status).toBe("cancelled");
    const versions = (await svc.request("/models/steady/versions")).body;
    expect(versions.active_version).toBe("1.0.0");
    expect(versions.items[0]).toMatchObject({ version: "1.1.0", status: "failed" });
    expect(
      (await svc.request("/predict", { json: { model_key: "steady", data: probe.slice(0, 2) } })).body.version,
    ).toBe("1.0.0");
    expect((await svc.request(`/jobs/${long.job_id}/cancel`, { method: "POST" })).status).toBe(409);
  }, 60_000);

  test("an artifact changed on disk fails its sha256 check and is not served", async () => {
    await train("tampered");
    await svc.runtime.jobs.idle();
    await train("tampered");
    await svc.runtime.jobs.idle();
    writeFileSync(join(svc.config.ML_ARTIFACTS_ROOT, "tampered", "1.0.0.mlsa"), "not the model");
    const res = await svc.request("/models/tampered/rollback/1.0.0", { method: "POST" });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("not_ready");
    expect((await svc.request("/models/tampered")).body.active_version).toBe("1.1.0");
  });

  test("metrics summary and trends reflect trained versions", async () => {
    const summary = (await svc.request("/metrics/summary")).body;
    expect(summary.by_task.classification.ready).toBeGreaterThanOrEqual(4);
    expect(summary.by_task.classification.best.score).toBeGreaterThan(0.8);
    const trends = (await svc.request("/metrics/trends?model_key=kept")).body.items;
    // two jobs run at once (ML_MAX_WORKERS_LIMIT), so completion order is not version order
    expect(trends.map((t: { version: string }) => t.version).sort()).toEqual(["1.0.0", "1.1.0", "1.2.0"]);
  });

  test("predictions buffered in the log are all written by a clean stop", async () => {
    await svc.runtime.predictionLog.flush();
    const before = svc.runtime.predictionLog.written;
    for (let i = 0; i < 5; i++) await svc.request("/predict", { json: { model_key: "kept", data: probe } });
    expect(svc.runtime.predictionLog.pending + svc.runtime.predictionLog.written - before).toBe(5 * probe.length);
    await svc.runtime.predictionLog.stop();
    expect(svc.runtime.predictionLog.pending).toBe(0);
    const n = svc.sqlite.query("SELECT COUNT(*) AS n FROM predictions WHERE model_key = 'kept'").get() as { n: number };
    expect(n.n).toBe(5 * probe.length);
  });
});
