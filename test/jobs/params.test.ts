/** Job params are read back through the schema they were written with. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readParams, TrainParams } from "../../src/jobs/params";
import { enqueue } from "../../src/jobs/queue";
import { startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const queue = (type: "train" | "predict" | "drift" | "retrain", params: unknown) =>
  enqueue(svc.db, { type, modelKey: null, version: null, params, createdBy: null, now: new Date().toISOString() });

describe("job params", () => {
  test("a job whose params do not match its schema fails naming the bad field, and the runner goes on", async () => {
    const bad = await queue("predict", { model_key: "m", version: null, data: "not rows" });
    const noKey = await queue("train", { version: "1.0.0" });
    const drift = await queue("drift", { model_key: null });
    svc.runtime.jobs.kick();
    await svc.runtime.jobs.idle();
    const job = (await svc.request(`/jobs/${bad.id}`)).body;
    expect(job.status).toBe("failed");
    expect(job.error).toBe(
      `predict job ${bad.id} has params this service cannot read (data: Invalid type: Expected Array but received "not rows")`,
    );
    const train = (await svc.request(`/jobs/${noKey.id}`)).body;
    expect(train.status).toBe("failed");
    expect(train.error).toContain("model_key");
    expect((await svc.request(`/jobs/${drift.id}`)).body.status).toBe("completed");
  });

  test("a version whose training params cannot be read is a 409 to retrain, not a 500", async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "tiny",
        target_field: "y",
        items: [
          { x: 1, y: "a" },
          { x: 2, y: "b" },
          { x: 3, y: "a" },
          { x: 4, y: "b" },
        ],
        hyperparameters: { max_iter: 3 },
      },
    });
    expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");
    await svc.db.updateTable("jobs").set({ params: "{}" }).where("id", "=", res.body.job_id).execute();
    const retrain = await svc.request("/models/tiny/retrain", { method: "POST" });
    expect(retrain.status).toBe(409);
    expect(retrain.body.error.message).toContain("cannot be retrained");
  });

  test("params that are not JSON are a clear error too", () => {
    expect(() => readParams(TrainParams, { id: "j1", type: "train", params: "{" })).toThrow(
      "train job j1 has params that are not JSON",
    );
  });

  test("train params written before model kinds read as an MLP", () => {
    const p = readParams(TrainParams, {
      id: "j2",
      type: "train",
      params: JSON.stringify({
        model_key: "m",
        version: "1.0.0",
        task_type: "classification",
        target_field: "y",
        feature_fields: ["x"],
        dataset_id: "ds_1",
        validation_split: 0.2,
        early_stopping: false,
        use_gpu_if_available: true,
        hyperparameters: { max_iter: 5 },
      }),
    });
    expect(p.model_type).toBe("mlp");
  });
});
