import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EventLog } from "../../src/events/log";
import { csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");
const irisTest = csvRows("iris_test.csv");

describe("train and predict through the API", () => {
  let jobId = "";

  test("POST /train queues a job and reserves version 1.0.0", async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "iris",
        target_field: "species",
        items: iris,
        hyperparameters: { max_iter: 300, random_state: 1 },
      },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "queued", model_key: "iris", version: "1.0.0" });
    expect(typeof res.body.estimated_time).toBe("number");
    jobId = res.body.job_id;
  });

  test("the job completes with metrics, and the version serves", async () => {
    await svc.runtime.jobs.idle();
    const job = await svc.request(`/jobs/${jobId}`);
    expect(job.body.status).toBe("completed");
    expect(job.body.result.metrics.accuracy).toBeGreaterThan(0.85);
    expect(job.body.result.metrics.confusion_matrix.labels).toEqual(["setosa", "versicolor", "virginica"]);
    const model = await svc.request("/models/iris");
    expect(model.body).toMatchObject({ active_version: "1.0.0", status: "active", task_type: "classification" });
    const list = await svc.request("/models");
    expect(list.body.models).toEqual([
      expect.objectContaining({
        model_key: "iris",
        versions: ["1.0.0"],
        active_version: "1.0.0",
        status: "active",
        accuracy: job.body.result.metrics.accuracy,
        last_trained: expect.any(String),
      }),
    ]);
  });

  test("POST /predict answers every row with prediction, confidence and all class scores", async () => {
    const rows = irisTest.map(({ species: _, ...features }) => features);
    const res = await svc.request("/predict", { json: { model_key: "iris", data: rows } });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe("1.0.0");
    expect(res.body.predictions).toHaveLength(rows.length);
    const first = res.body.predictions[0];
    expect(Object.keys(first.all_scores).sort()).toEqual(["setosa", "versicolor", "virginica"]);
    expect(first.confidence).toBeCloseTo(Math.max(...(Object.values(first.all_scores) as number[])), 6);
    const correct = res.body.predictions.filter(
      (p: { prediction: string }, i: number) => p.prediction === irisTest[i]?.species,
    ).length;
    expect(correct / rows.length).toBeGreaterThan(0.85);
    await svc.runtime.predictionLog.flush();
    const logged = svc.sqlite.query("SELECT COUNT(*) AS n FROM predictions WHERE model_key = 'iris'").get() as {
      n: number;
    };
    expect(logged.n).toBe(rows.length);
  });

  test("a single row object works too, and CSV export has one line per prediction", async () => {
    const { species: _, ...row } = irisTest[0] as Record<string, string | number>;
    const one = await svc.request("/predict", { json: { model_key: "iris", data: row } });
    expect(one.body.predictions).toHaveLength(1);
    const csv = await svc.request("/predict?format=csv", { json: { model_key: "iris", data: [row, row] } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text.trim().split("\n")).toHaveLength(3);
    expect(csv.text.split("\n")[0]).toBe(
      "prediction_id,prediction,confidence,score_setosa,score_versicolor,score_virginica",
    );
  });

  test("answered predictions are audited per caller and model: the first in full, then one count", async () => {
    const { species: _, ...row } = irisTest[0] as Record<string, string | number>;
    for (let i = 0; i < 3; i++) {
      const res = await svc.request("/predict", { json: { model_key: "iris", version: "1.0.0", data: [row] } });
      expect(res.status).toBe(200);
    }
    EventLog.flushAll();
    const events = (
      svc.sqlite.query("SELECT input FROM events WHERE route = '/predict' AND status = 200 ORDER BY id").all() as {
        input: string;
      }[]
    ).map((e) => JSON.parse(e.input));
    const mine = events.filter((i) => (i.first ?? i).version === "1.0.0");
    expect(mine).toEqual([
      { model_key: "iris", version: "1.0.0", rows: 1 },
      expect.objectContaining({ repeated: 2, first: { model_key: "iris", version: "1.0.0", rows: 1 } }),
    ]);
  });

  test("POST /quality scores the version on labelled rows", async () => {
    const res = await svc.request("/quality", { json: { model_key: "iris", items: irisTest } });
    expect(res.status).toBe(200);
    expect(res.body.metrics.accuracy).toBeGreaterThan(0.85);
    expect(res.body.metrics.n_samples).toBe(irisTest.length);
  });

  test("a second version, then rollback switches serving back", async () => {
    const res = await svc.request("/train", {
      json: {
        model_key: "iris",
        target_field: "species",
        items: iris,
        hyperparameters: { max_iter: 5, hidden_layer_sizes: [4] },
      },
    });
    expect(res.body.version).toBe("1.1.0");
    await svc.runtime.jobs.idle();
    expect((await svc.request("/models/iris")).body.active_version).toBe("1.1.0");
    const back = await svc.request("/models/iris/rollback/1.0.0", { method: "POST" });
    expect(back.body).toMatchObject({ previous_version: "1.1.0", active_version: "1.0.0" });
    const { species: _, ...row } = irisTest[0] as Record<string, string | number>;
    expect((await svc.request("/predict", { json: { model_key: "iris", data: row } })).body.version).toBe("1.0.0");
    const versions = await svc.request("/models/iris/versions");
    expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual(["1.1.0", "1.0.0"]);
  });

  test("GET /models/{key}/features describes the spec", async () => {
    const res = await svc.request("/models/iris/features");
    expect(res.body.features.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ["sepal_length", "numeric"],
      ["sepal_width", "numeric"],
      ["petal_length", "numeric"],
      ["petal_width", "numeric"],
    ]);
    // iris has no missing value: one input per feature, no missing flags
    expect(res.body.input_width).toBe(4);
    expect(res.body.features.every((f: { missing_flag: boolean }) => f.missing_flag === false)).toBe(true);
  });

  test("a missing value in a feature never missing in training is predicted as its training mean", async () => {
    const features = (await svc.request("/models/iris/features")).body.features as { name: string; mean: number }[];
    const mean = (features.find((f) => f.name === "petal_length") as { mean: number }).mean;
    const { species: _, ...row } = irisTest[20] as Record<string, string | number>;
    const res = await svc.request("/predict", {
      json: {
        model_key: "iris",
        data: [
          { ...row, petal_length: null },
          { ...row, petal_length: mean },
        ],
      },
    });
    expect(res.status).toBe(200);
    const [missing, imputed] = res.body.predictions as { prediction: string; all_scores: Record<string, number> }[];
    expect(missing?.prediction).toBe(imputed?.prediction as string);
    expect(missing?.all_scores).toEqual(imputed?.all_scores as Record<string, number>);
  });
});

describe("bad input", () => {
  test("a duplicate version is 409", async () => {
    const res = await svc.request("/train", {
      json: { model_key: "iris", version: "1.0.0", target_field: "species", items: iris },
    });
    expect(res.status).toBe(409);
  });

  test("one class, too few rows, unknown target: 422 before any job", async () => {
    const before = (await svc.request("/jobs")).body.total;
    const single = iris.filter((r) => r.species === "setosa");
    expect(
      (await svc.request("/train", { json: { model_key: "x1", target_field: "species", items: single } })).status,
    ).toBe(422);
    expect(
      (await svc.request("/train", { json: { model_key: "x2", target_field: "species", items: iris.slice(0, 2) } }))
        .status,
    ).toBe(422);
    const unknown = await svc.request("/train", { json: { model_key: "x3", target_field: "nope", items: iris } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toContain("nope");
    expect((await svc.request("/jobs")).body.total).toBe(before);
  });

  test("unknown model 404; rows missing features 422 naming them; unknown version 404", async () => {
    expect((await svc.request("/predict", { json: { model_key: "ghost", data: [{ a: 1 }] } })).status).toBe(404);
    const missing = await svc.request("/predict", { json: { model_key: "iris", data: [{ sepal_length: 5 }] } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toContain("sepal_width");
    expect(
      (await svc.request("/predict", { json: { model_key: "iris", version: "9.9.9", data: [{ a: 1 }] } })).status,
    ).toBe(404);
  });

  test("wrong types are 422 with the field path", async () => {
    const res = await svc.request("/predict", {
      json: { model_key: "iris", data: [{ sepal_length: "wide", sepal_width: 3, petal_length: 1, petal_width: 0.2 }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("0.sepal_length");
  });

  test("requests without credentials are 401", async () => {
    const res = await svc.app.request("/models");
    expect(res.status).toBe(401);
  });
});
