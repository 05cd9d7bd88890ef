/**
 * POST /train with a dataset_id checks what the dataset's header, row count and first rows show
 * and leaves the rest to the job, which loads the rows once and fails with a clear message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { saveUploadedDataset } from "../../src/datasets/store";
import { SAMPLE_ROWS } from "../../src/jobs/start-training";
import { planFit } from "../../src/ml/plan";
import { csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const csv = (lines: string[]) => `${lines.join("\n")}\n`;
const store = (name: string, lines: string[]) =>
  saveUploadedDataset(
    { db: svc.db, config: svc.config, now: () => new Date() },
    { name, source: csv(lines), createdBy: null },
  );

describe("POST /train with a dataset_id", () => {
  test("a target that is not a column is 422 from the header alone", async () => {
    const ds = await store("hdr", ["x,y", "1,a", "2,b", "3,a"]);
    const res = await svc.request("/train", { json: { model_key: "hdr", target_field: "z", dataset_id: ds.id } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("target_field z is not a column of the data");
  });

  test("too few rows is 422 from the row count alone", async () => {
    const ds = await store("two", ["x,y", "1,a", "2,b"]);
    const res = await svc.request("/train", { json: { model_key: "two", target_field: "y", dataset_id: ds.id } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("2 labelled rows are too few");
  });

  test("a regression target the first rows show is not numeric is 422", async () => {
    const ds = await store("words", ["x,y", "1,a", "2,b", "3,c", "4,d"]);
    const res = await svc.request("/train", {
      json: { model_key: "words", target_field: "y", task_type: "regression", dataset_id: ds.id },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("regression needs a numeric target; y holds categorical values");
  });

  test("what only every row shows fails the job with the same message, and the version says why", async () => {
    // past the first SAMPLE_ROWS rows every target is missing: only 2 labelled rows in all
    const lines = ["x,y", "1,a", "2,b", ...Array.from({ length: SAMPLE_ROWS + 10 }, (_, i) => `${i},`)];
    const ds = await store("sparse", lines);
    const res = await svc.request("/train", {
      json: { model_key: "sparse", target_field: "y", task_type: "classification", dataset_id: ds.id },
    });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id);
    expect(job.status).toBe("failed");
    expect(job.error).toContain("2 labelled rows are too few for validation_split 0.2");
    const model = await svc.request("/models/sparse");
    expect(model.body.version_list[0]).toMatchObject({ status: "failed", error: job.error });
  });

  test("a single class fails the job naming the class", async () => {
    const ds = await store("one", ["x,y", "1,a", "2,a", "3,a", "4,a", "5,a"]);
    const res = await svc.request("/train", { json: { model_key: "one", target_field: "y", dataset_id: ds.id } });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id);
    expect(job.status).toBe("failed");
    expect(job.error).toBe("the target y has a single class (a); classification needs at least two");
  });

  test("the route's estimate and the job's fit come from the same plan", async () => {
    const iris = csvRows("iris_train.csv");
    const lines = ["sepal_length,sepal_width,petal_length,petal_width,species"];
    for (const r of iris) lines.push(Object.values(r).join(","));
    const ds = await store("iris", lines);
    const res = await svc.request("/train", {
      json: { model_key: "iris-ds", target_field: "species", dataset_id: ds.id, hyperparameters: { max_iter: 50 } },
    });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id);
    expect(job.status).toBe("completed");
    const plan = planFit({
      modelType: "mlp",
      labelledRows: iris.length,
      validationSplit: 0.2,
      inputWidth: 8,
      outputs: 3,
      maxIter: 50,
      earlyStopping: svc.config.ML_EARLY_STOPPING,
      validationFraction: svc.config.ML_VALIDATION_FRACTION,
      nIterNoChange: svc.config.ML_N_ITER_NO_CHANGE,
    });
    expect(res.body.estimated_time).toBe(Math.round(plan.estimatedSeconds * 10) / 10);
    expect(job.result.metrics.hidden_layer_sizes).toEqual(plan.hidden);
    expect(job.result.train_rows).toBe(plan.trainRows);
  });
});
