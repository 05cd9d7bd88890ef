/**
 * Batch scoring with the file as the body: POST /predict with a CSV, NDJSON or Parquet body
 * (gzip or not, `?model_key=`) stores the file and answers with the same job as a dataset_id
 * would, whose result downloads in the file's row order with the answers inline scoring gives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { readRecords } from "../csv-records";
import { ADMIN_TOKEN, csvRows, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
let labels: string[] = [];
const COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;
const rows = csvRows("iris_test.csv").reverse();
const CSV = [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => r[c]).join(","))].join("\n");
const NDJSON = rows.map((r) => JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))).join("\n");
const PARQUET = new Uint8Array(
  parquetWriteBuffer({
    columnData: COLUMNS.map((c) => ({ name: c, data: rows.map((r) => r[c] as number), type: "DOUBLE" as const })),
  }),
);

beforeAll(async () => {
  svc = await startService({ ML_MAX_CSV_UPLOAD_BYTES: "65536" });
  const train = await svc.request("/train", {
    json: { model_key: "iris-file", target_field: "species", items: csvRows("iris_train.csv") },
  });
  expect((await svc.waitJob(train.body.job_id, 60_000)).status).toBe("completed");
  const data = rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c]])));
  const inline = await svc.request("/predict", { json: { model_key: "iris-file", data } });
  labels = inline.body.predictions.map((p: { prediction: string }) => p.prediction);
});
afterAll(() => svc.close());

const post = async (path: string, body: BodyInit, type: string) => {
  const res = await svc.app.request(path, {
    method: "POST",
    body,
    headers: { "x-admin-token": ADMIN_TOKEN, "content-type": type },
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  return { status: res.status, body: (await res.json()) as any };
};

describe("POST /predict with a data file as the body", () => {
  test.each([
    ["CSV", CSV, "text/csv", "csv"],
    ["NDJSON", NDJSON, "application/x-ndjson", "ndjson"],
    ["JSON lines", NDJSON, "application/jsonl", "ndjson"],
    ["Parquet", PARQUET, "application/vnd.apache.parquet", "parquet"],
    ["gzip CSV, sniffed", gzipSync(CSV), "application/octet-stream", "csv"],
    ["gzip Parquet, sniffed", gzipSync(PARQUET), "application/octet-stream", "parquet"],
  ] as const)("%s is scored as a job, in the file's row order", async (_, body, type, format) => {
    const res = await post("/predict?model_key=iris-file&filename=probe.data", body as BodyInit, type);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "queued", model_key: "iris-file", rows: rows.length });
    const ds = await svc.request(`/datasets/${res.body.dataset_id}`);
    expect(ds.body).toMatchObject({ format, name: "iris-file-scoring", original_filename: "probe.data" });
    expect((await svc.waitJob(res.body.job_id, 60_000)).status).toBe("completed");

    const csv = await svc.request(`/predict/${res.body.job_id}?format=csv`);
    const [header, ...records] = readRecords(csv.text).map((r) => r.fields);
    const at = (header as string[]).indexOf("prediction");
    expect(records.map((r) => r[at])).toEqual(labels);
    const ndjson = await svc.request(`/predict/${res.body.job_id}?format=ndjson`);
    const lines = ndjson.text.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).prediction)).toEqual(labels);
  });

  test("`model` and `version` name the model and version as the JSON body's fields do", async () => {
    const versions = await svc.request("/models/iris-file/versions");
    const version = versions.body.items?.[0]?.version ?? versions.body.versions?.[0]?.version;
    const byVersion = await post(`/predict?model=iris-file&version=${version}`, CSV, "text/csv");
    expect(byVersion.status).toBe(202);
    const job = await svc.waitJob(byVersion.body.job_id, 60_000);
    expect(job.result.version).toBe(version);
  });

  test("the result's CSV neutralises formula-looking classes; its NDJSON keeps them as they are", async () => {
    const items = csvRows("iris_train.csv").map((r) => ({
      ...r,
      species: r.species === "setosa" ? "=cmd()" : "@other",
    }));
    const train = await svc.request("/train", {
      json: { model_key: "iris-formula", target_field: "species", items, hyperparameters: { max_iter: 30 } },
    });
    expect((await svc.waitJob(train.body.job_id, 60_000)).status).toBe("completed");
    const res = await post("/predict?model_key=iris-formula", CSV, "text/csv");
    expect(res.status).toBe(202);
    expect((await svc.waitJob(res.body.job_id, 60_000)).status).toBe("completed");
    const csv = await svc.request(`/predict/${res.body.job_id}?format=csv`);
    const [header, ...records] = readRecords(csv.text).map((r) => r.fields);
    const predicted = new Set(records.map((r) => r[(header as string[]).indexOf("prediction")]));
    expect([...predicted].sort()).toEqual(["'=cmd()", "'@other"]);
    for (const cell of [header, ...records].flat()) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?![\d.])/);
    const ndjson = await svc.request(`/predict/${res.body.job_id}?format=ndjson`);
    const raw = new Set(
      ndjson.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).prediction),
    );
    expect([...raw].sort()).toEqual(["=cmd()", "@other"]);
  });

  test("bad requests are refused before anything is stored", async () => {
    const datasets = async () => (await svc.request("/datasets?limit=500")).body.total as number;
    const before = await datasets();
    const noModel = await post("/predict", CSV, "text/csv");
    expect(noModel.status).toBe(422);
    expect(noModel.body.error.message).toContain("model_key");
    const unknown = await post("/predict?model_key=nope", CSV, "text/csv");
    expect(unknown.status).toBe(404);
    const ragged = await post("/predict?model_key=iris-file", '{"a":1}\n{"a":2,"b":3}\n{"a":4}\n', "application/jsonl");
    expect(ragged.status).toBe(422);
    expect(ragged.body.error.details).toMatchObject({ row: 2, column_name: "b" });
    const big = `${CSV}\n${"5.1,3.5,1.4,0.2\n".repeat(5000)}`;
    const tooBig = await post("/predict?model_key=iris-file", big, "text/csv");
    expect(tooBig.status).toBe(413);
    const form = await post("/predict?model_key=iris-file", "a=1", "application/x-www-form-urlencoded");
    expect(form.status).toBe(415);
    // what fetch sends a JSON string as when no type is set: still a 415 asking for JSON, not a file
    const plain = await post("/predict", JSON.stringify({ model_key: "iris-file", data: [{}] }), "text/plain");
    expect(plain.status).toBe(415);
    const twoModels = await post("/predict?model_key=iris-file&model=other", CSV, "text/csv");
    expect(twoModels.status).toBe(422);
    expect(await datasets()).toBe(before);
  });
});
