import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const rows = [
  { x: 1, y: "a" },
  { x: 2, y: "b" },
  { x: 3, y: "a" },
  { x: 4, y: "b" },
];

describe("unknown fields on JSON bodies", () => {
  test("a hyperparameter at the top level of POST /train is 422 saying it belongs under hyperparameters", async () => {
    const res = await svc.request("/train", {
      json: { model_key: "m", target_field: "y", items: rows, hidden_layer_sizes: [8] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("body.hidden_layer_sizes: hidden_layer_sizes belongs under hyperparameters");
    expect(res.body.error.details[0]).toMatchObject({ path: "hidden_layer_sizes", in: "body" });
    const jobs = await svc.request("/jobs");
    expect(jobs.body.total).toBe(0);
  });

  test("a top-level field inside hyperparameters is told to move up", async () => {
    const res = await svc.request("/train", {
      json: { model_key: "m", items: rows, hyperparameters: { target_field: "y" } },
    });
    expect(res.status).toBe(422);
    const messages = res.body.error.details.map((d: { message: string }) => d.message);
    expect(messages).toContain("target_field belongs at the top level of the body");
  });

  test("a field no schema knows is named", async () => {
    const res = await svc.request("/predict", { json: { model_key: "m", data: [{ x: 1 }], colour: "red" } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("body.colour: unknown field colour");
  });

  test('seed 000\'s /train fields are still accepted: dataset_name and batch_size "auto"', async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "seed000",
        version: "1.0.0",
        task_type: "classification",
        target_field: "y",
        feature_fields: ["x"],
        dataset_name: "tiny",
        batch_size: "auto",
        use_gpu_if_available: false,
        early_stopping: false,
        validation_split: 0.25,
        items: rows,
        hyperparameters: { max_iter: 5 },
      },
    });
    expect(res.status).toBe(202);
    await svc.runtime.jobs.idle();
  });
});
