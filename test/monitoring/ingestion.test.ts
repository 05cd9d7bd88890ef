/**
 * Seed 003's Ingestion API: rows go in one by one (a bad row is reported and the others still go
 * in), accepted rows are logged like predictions (the drift window sees them), labelled rows are
 * kept as feedback (retraining learns from them), an NDJSON stream is read line by line with a
 * summary at the end, and GET /stats counts rows per model and day with the last arrival.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
const iris = csvRows("iris_train.csv");
const row = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
beforeAll(async () => {
  svc = await startService();
  const t = await svc.request("/train", { json: { model_key: "iris", target_field: "species", items: iris } });
  await svc.waitJob(t.body.job_id, 60_000);
});
afterAll(() => svc.close());

const count = (sql: string) => (svc.sqlite.query(sql).get() as { n: number }).n;

describe("POST /ingest/batch", () => {
  test("accepts good rows, reports bad ones by index, logs and labels", async () => {
    const res = await svc.request("/ingest/batch", {
      json: {
        model_key: "iris",
        data: [
          row,
          { ...row, species: "setosa" },
          { ...row, sepal_length: "wide" },
          { ...row, species: "rose" },
          "not a row",
          { ...row, petal_width: { nested: 1 } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model_key: "iris", version: "1.0.0", accepted: 2, labelled: 1, rejected: 4 });
    expect(res.body.errors.map((e: { index: number }) => e.index)).toEqual([2, 3, 4, 5]);
    expect(res.body.errors[1].message).toContain("species");
    await svc.runtime.predictionLog.flush();
    expect(count("SELECT COUNT(*) AS n FROM predictions WHERE model_key = 'iris'")).toBe(2);
    const fb = svc.sqlite.query("SELECT label, prediction_id FROM feedback").all() as {
      label: string;
      prediction_id: number;
    }[];
    expect(fb.map((f) => JSON.parse(f.label))).toEqual(["setosa"]);
    expect(fb[0]?.prediction_id).toBeGreaterThan(0);
  });

  test("every row rejected is a 422 in the error contract; unknown model 404", async () => {
    const bad = await svc.request("/ingest/batch", { json: { model_key: "iris", data: [{ sepal_length: "x" }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("0");
    expect((await svc.request("/ingest/batch", { json: { model_key: "nope", data: [row] } })).status).toBe(404);
    expect((await svc.request("/ingest/batch", { json: { model_key: "iris", data: [] } })).status).toBe(422);
  });
});

describe("POST /ingest/stream", () => {
  test("one sample as JSON", async () => {
    const res = await svc.request("/ingest/stream", { json: { model_key: "iris", data: row } });
    expect(res.body).toMatchObject({ accepted: 1, rejected: 0 });
  });

  test("an NDJSON body is read line by line, with a summary naming bad lines", async () => {
    const good = Array.from({ length: 1203 }, (_, i) => JSON.stringify({ ...row, sepal_length: 4.5 + (i % 30) / 10 }));
    const body = [
      ...good.slice(0, 600),
      "{broken",
      ...good.slice(600),
      JSON.stringify({ ...row, species: "virginica" }),
    ].join("\n");
    const res = await svc.app.request("/ingest/stream?model_key=iris", {
      method: "POST",
      headers: { "x-admin-token": "t".repeat(40), "content-type": "application/x-ndjson" },
      body,
    });
    const summary = await res.json();
    expect(res.status).toBe(200);
    expect(summary).toMatchObject({ lines: 1205, accepted: 1204, labelled: 1, rejected: 1 });
    expect(summary.errors).toEqual([{ index: 601, message: "not valid JSON" }]);
  });
});

describe("GET /stats", () => {
  test("rows per model and per day, rejects and the last arrival", async () => {
    const res = await svc.request("/stats");
    expect(res.status).toBe(200);
    const [iris] = res.body.models;
    expect(iris).toMatchObject({ model_key: "iris", accepted: 2 + 1 + 1204, labelled: 2, rejected: 4 + 1 + 1 });
    // one day, or two if the test ran across midnight UTC
    const days: { day: string; accepted: number; labelled: number; rejected: number }[] = iris.days;
    for (const d of days) expect(d.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const sum = (k: "accepted" | "labelled" | "rejected") => days.reduce((s, d) => s + d[k], 0);
    expect([sum("accepted"), sum("labelled"), sum("rejected")]).toEqual([1207, 2, 6]);
    expect(Date.parse(iris.last_arrival_at)).toBeLessThanOrEqual(Date.now());
    expect((await svc.request("/stats?model_key=other")).body.models).toEqual([]);
  });
});
