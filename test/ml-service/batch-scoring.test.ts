/**
 * Batch scoring: POST /predict with a dataset_id is a job over every row of the stored file,
 * whose result downloads as CSV or NDJSON in the file's row order, with the same answers as
 * scoring the same rows inline.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readRecords } from "../csv-records";
import { ADMIN_TOKEN, csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;

describe("batch scoring", () => {
  test("a dataset is scored as a job, downloaded as CSV and NDJSON in its row order", async () => {
    const train = await svc.request("/train", {
      json: { model_key: "iris-batch", target_field: "species", items: csvRows("iris_train.csv") },
    });
    expect((await svc.waitJob(train.body.job_id, 60_000)).status).toBe("completed");

    // the test rows reversed, semicolon-separated, one cell missing as "NA"
    const rows = csvRows("iris_test.csv").reverse();
    const lines = rows.map((r, i) => COLUMNS.map((c) => (i === 3 && c === "sepal_width" ? "NA" : r[c])).join(";"));
    const form = new FormData();
    form.append("file", new File([[COLUMNS.join(";"), ...lines].join("\n")], "probe.csv"));
    const up = await svc.app.request("/datasets/upload", {
      method: "POST",
      body: form,
      headers: { "x-admin-token": ADMIN_TOKEN },
    });
    expect(up.status).toBe(201);
    const ds = (await up.json()) as { id: string; profile: { delimiter: string } };
    expect(ds.profile.delimiter).toBe(";");

    const res = await svc.request("/predict", { json: { model_key: "iris-batch", dataset_id: ds.id } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ dataset_id: ds.id, rows: rows.length });
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");

    const inline = rows.map((r, i) => {
      const row: Record<string, number | null> = {};
      for (const c of COLUMNS) row[c] = i === 3 && c === "sepal_width" ? null : (r[c] as number);
      return row;
    });
    const expected = await svc.request("/predict", { json: { model_key: "iris-batch", data: inline } });
    const labels = expected.body.predictions.map((p: { prediction: string }) => p.prediction);
    expect(new Set(labels).size).toBe(3);

    const csv = await svc.request(`/predict/${res.body.job_id}?format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const [header, ...records] = readRecords(csv.text).map((r) => r.fields);
    const at = (header as string[]).indexOf("prediction");
    expect(records.map((r) => r[at])).toEqual(labels);

    const ndjson = await svc.request(`/predict/${res.body.job_id}?format=ndjson`);
    const parsed = ndjson.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.prediction)).toEqual(labels);
    expect(parsed[0].confidence).toBeCloseTo(expected.body.predictions[0].confidence, 5);
  });

  test("data and dataset_id together, or an unknown dataset, are refused", async () => {
    const both = await svc.request("/predict", { json: { model_key: "iris-batch", data: [], dataset_id: "ds_x" } });
    expect(both.status).toBe(422);
    const unknown = await svc.request("/predict", {
      json: { model_key: "iris-batch", dataset_id: `ds_${"0".repeat(32)}` },
    });
    expect(unknown.status).toBe(404);
  });
});
