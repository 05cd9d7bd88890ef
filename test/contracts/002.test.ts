/**
 * Seed 002 (the MLOps platform): its `/api/...` paths this service serves (README
 * "Compatibility" table), driven with the document's own request examples: `GET /api/health`,
 * `POST /api/jobs` (`job_type: "TRAIN"`, `parameters.dataset_id`), `GET /api/jobs/{job_id}` and
 * `GET /api/jobs?status=COMPLETED` with upper-case statuses, `GET /api/ml/v1/training-runs`,
 * `datasets`, `artifacts` (with a `model_url` that downloads), `metrics/trends` and `metrics/summary`.
 * `DELETE /api/ml/v1/artifacts/{id}` archives a version as retention does; `files/{id}/download-url`
 * and `/api/files/{id}[/download]` serve the uploaded datasets.
 * What the seed asks for and the service cannot do (`random_forest`, `PROCESS`) is a 422 naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_TOKEN, DATA, startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let datasetId = "";
beforeAll(async () => {
  svc = await startService();
  const form = new FormData();
  form.append("file", new Blob([readFileSync(join(DATA, "iris_train.csv"))]), "iris_train.csv");
  form.append("name", "iris");
  const res = await svc.app.request("/datasets/upload", {
    method: "POST",
    headers: { "x-admin-token": ADMIN_TOKEN },
    body: form,
  });
  datasetId = ((await res.json()) as { id: string }).id;
});
afterAll(() => svc.close());

describe("seed 002: the MLOps platform's API", () => {
  test("GET /api/health answers the documented fields without signing in", async () => {
    const res = await svc.app.request("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "healthy", database: "connected", version: expect.any(String) });
  });

  test("POST /api/jobs (TRAIN on a dataset) → PENDING; GET /api/jobs/{id} ends COMPLETED with an artifact", async () => {
    const res = await svc.request("/api/jobs", {
      json: { job_type: "TRAIN", parameters: { dataset_id: datasetId, model_type: "mlp" } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ job_id: expect.any(String), status: "PENDING", created_at: expect.any(String) });
    await svc.waitJob(res.body.job_id, 60_000);
    const job = await svc.request(`/api/jobs/${res.body.job_id}`);
    expect(job.body).toMatchObject({
      job_id: res.body.job_id,
      status: "COMPLETED",
      created_at: expect.any(String),
      completed_at: expect.any(String),
      result: { artifact_id: `${datasetId}@1.0.0`, metrics: expect.anything() },
    });
    // the dataset's last column (species) was the target: the model predicts iris species
    const p = await svc.request("/predict", {
      json: {
        model_key: datasetId,
        data: [{ sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 }],
      },
    });
    expect(p.body.predictions[0].prediction).toBe("virginica");

    for (const status of ["COMPLETED", "completed"]) {
      const list = await svc.request(`/api/jobs?limit=100&status=${status}`);
      expect(list.body.map((j: { job_id: string }) => j.job_id)).toContain(res.body.job_id);
      expect(new Set(list.body.map((j: { status: string }) => j.status))).toEqual(new Set(["COMPLETED"]));
    }
    expect((await svc.request("/api/jobs?status=PENDING")).body).toEqual([]);
    const runs = await svc.request("/api/ml/v1/training-runs?limit=100");
    expect(runs.body[0]).toMatchObject({
      id: res.body.job_id,
      created_at: expect.any(String),
      dataset_id: datasetId,
      metrics: expect.anything(),
    });

    const datasets = (await svc.request("/api/ml/v1/datasets?limit=100")).body;
    expect(datasets).toContainEqual({
      id: datasetId,
      name: "iris_train.csv",
      file_url: `/datasets/${datasetId}`,
      version: 1,
      created_at: expect.any(String),
    });
    const form = new FormData();
    form.append("file", new Blob([readFileSync(join(DATA, "iris_test.csv"))]), "uploaded_file.csv");
    const upload = await svc.app.request("/api/ml/v1/datasets/upload", {
      method: "POST",
      headers: { "x-admin-token": ADMIN_TOKEN },
      body: form,
    });
    expect(upload.status).toBe(201);
    const uploaded = (await upload.json()) as { id: string; file_url: string };
    expect(uploaded).toMatchObject({
      id: expect.any(String),
      file_url: `/datasets/${uploaded.id}`,
      version: 1,
      created_at: expect.any(String),
      row_count: 30,
    });
    const tooFew = new FormData();
    tooFew.append("file", new Blob(["a,b\n"]), "empty.csv");
    const refused = await svc.app.request("/api/ml/v1/datasets/upload", {
      method: "POST",
      headers: { "x-admin-token": ADMIN_TOKEN },
      body: tooFew,
    });
    expect(refused.status).toBe(422);
    const artifacts = (await svc.request("/api/ml/v1/artifacts?limit=100")).body;
    const artifact = artifacts.find((a: { id: string }) => a.id === `${datasetId}@1.0.0`);
    expect(artifact).toMatchObject({ created_at: expect.any(String), metrics: { accuracy: expect.any(Number) } });
    const file = await svc.app.request(artifact.model_url, { headers: { "x-admin-token": ADMIN_TOKEN } });
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const summary = (await svc.request("/api/ml/v1/metrics/summary?limit=100")).body;
    expect(summary.aggregates).toMatchObject({
      count: 1,
      classification_count: 1,
      regression_count: 0,
      best_accuracy: artifact.metrics.accuracy,
      avg_r2: null,
    });
    const trend = (await svc.request("/api/ml/v1/metrics/trends?limit=100")).body;
    expect(trend).toEqual(summary.trends.map((t: { id: string }) => ({ run_id: t.id, ...t })));
  }, 90_000);

  test("what the service cannot do is a 422 naming the field; others' jobs stay hidden", async () => {
    const forest = await svc.request("/api/jobs", {
      json: { job_type: "TRAIN", parameters: { dataset_id: datasetId, model_type: "random_forest" } },
    });
    expect(forest.status).toBe(422);
    expect(JSON.stringify(forest.body.error)).toContain("parameters.model_type");
    const process = await svc.request("/api/jobs", {
      json: { job_type: "PROCESS", parameters: { dataset_id: datasetId } },
    });
    expect(process.status).toBe(422);
    expect(JSON.stringify(process.body.error)).toContain("job_type");
    expect((await svc.request("/api/jobs?status=DONE")).status).toBe(422);

    const stranger = await signedInUser(svc, "stranger");
    expect(await stranger.send("/api/jobs").then((r) => r.body)).toEqual([]);
    const theirs = await stranger.send("/api/jobs", {
      json: { job_type: "TRAIN", parameters: { dataset_id: datasetId } },
    });
    expect(theirs.status).toBe(404);
  });

  test("Auth API: sign-up with email, sign-in sets a session cookie, me, logout", async () => {
    const example = { email: "user@example.com", password: "securePassword123", full_name: "John Doe" };
    const named = await svc.request("/api/auth/sign-up", { json: example });
    expect(named.status).toBe(422);
    expect(JSON.stringify(named.body.error)).toContain("full_name");
    const { full_name: _, ...withoutName } = example;
    const up = await svc.request("/api/auth/sign-up", { json: withoutName });
    expect(up.status).toBe(201);
    expect(up.body).toEqual({
      id: expect.any(String),
      email: "user@example.com",
      full_name: null,
      created_at: expect.any(String),
    });
    expect((await svc.request("/api/auth/sign-up", { json: withoutName })).status).toBe(409);
    const odd = await svc.request("/api/auth/sign-up", { json: { ...withoutName, email: "a+b@example.com" } });
    expect(odd.status).toBe(422);
    expect(JSON.stringify(odd.body.error)).toContain("email");

    const res = await svc.app.request("/api/auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: example.email, password: example.password }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: up.body.id, email: "user@example.com", full_name: null });
    const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0] as string);
    const cookie = cookies.join("; ");
    const csrf = cookies.find((c) => c.startsWith("mls_csrf="))?.split("=")[1] ?? "";
    const me = await svc.app.request("/api/auth/me", { headers: { cookie } });
    expect(await me.json()).toMatchObject({ id: up.body.id, email: "user@example.com", full_name: null });
    const out = await svc.app.request("/api/auth/logout", {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(out.status).toBe(200);
    expect((await svc.app.request("/api/auth/me", { headers: { cookie } })).status).toBe(401);
    const wrong = await svc.app.request("/api/auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: example.email, password: "not-the-password-1" }),
    });
    expect(wrong.status).toBe(401);
  });

  test("DELETE /api/ml/v1/datasets/expired sweeps expired datasets (admins); a limit is a 422 naming it", async () => {
    const res = await svc.request("/api/ml/v1/datasets/expired", { method: "DELETE" });
    expect(res.status).toBe(200);
    // a fresh upload is far from ML_DATASET_TTL_DAYS old
    expect(res.body).toEqual({ deleted_count: 0, deleted: [] });
    const limited = await svc.request("/api/ml/v1/datasets/expired?limit=500", { method: "DELETE" });
    expect(limited.status).toBe(422);
    expect(JSON.stringify(limited.body.error)).toContain("limit");
    const user = await signedInUser(svc, "sweeper");
    expect((await user.send("/api/ml/v1/datasets/expired", { method: "DELETE" })).status).toBe(403);
  });
  test("GET /api/ml/v1/files/{id}/download-url and /api/files/{id}[/download] give back the uploaded file", async () => {
    const res = await svc.request(`/api/ml/v1/files/${datasetId}/download-url?expiry_sec=3600`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: `/datasets/${datasetId}/file`, expires_in: null, requires_credentials: true });
    const original = readFileSync(join(DATA, "iris_train.csv"));
    for (const url of [res.body.url, `/api/files/${datasetId}/download`]) {
      const file = await svc.app.request(url, { headers: { "x-admin-token": ADMIN_TOKEN } });
      expect(file.status).toBe(200);
      expect(file.headers.get("content-disposition")).toBe('attachment; filename="iris-v1.csv"');
      expect(Buffer.from(await file.arrayBuffer()).equals(original)).toBe(true);
    }
    const meta = await svc.request(`/api/files/${datasetId}`);
    expect(meta.body).toEqual({
      id: datasetId,
      filename: "iris_train.csv",
      size: original.byteLength,
      created_at: expect.any(String),
    });
    const model = await svc.request(`/api/ml/v1/files/${datasetId}@1.0.0/download-url`);
    expect(model.body.url).toBe(`/models/${datasetId}/versions/1.0.0/artifact`);
    expect((await svc.request(`/api/ml/v1/files/${datasetId}/download-url?expiry_sec=0`)).status).toBe(422);
    expect((await svc.request("/api/ml/v1/files/no-such-file/download-url")).status).toBe(404);
    const stranger = await signedInUser(svc, "file-stranger");
    for (const path of [`/api/ml/v1/files/${datasetId}/download-url`, `/datasets/${datasetId}/file`]) {
      expect((await stranger.send(path)).status).toBe(404);
    }
  });

  test("DELETE /api/ml/v1/artifacts/{id} archives a version and removes its file; never the active or an aliased one", async () => {
    const again = await svc.request("/api/jobs", {
      json: { job_type: "TRAIN", parameters: { dataset_id: datasetId } },
    });
    expect(again.status).toBe(201);
    const done = await svc.waitJob(again.body.job_id, 60_000);
    expect(done.status).toBe("completed");
    const active = (await svc.request(`/api/jobs/${again.body.job_id}`)).body.result.artifact_id as string;
    const old = `${datasetId}@1.0.0`;
    expect(active).not.toBe(old);

    const refused = await svc.request(`/api/ml/v1/artifacts/${active}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("active");
    const alias = await svc.request(`/models/${datasetId}/aliases/stable`, {
      method: "PUT",
      json: { version: "1.0.0" },
    });
    expect(alias.status).toBe(200);
    expect((await svc.request(`/api/ml/v1/artifacts/${old}`, { method: "DELETE" })).status).toBe(409);
    await svc.request(`/models/${datasetId}/aliases/stable`, { method: "DELETE" });

    const stranger = await signedInUser(svc, "artifact-stranger");
    expect((await stranger.send(`/api/ml/v1/artifacts/${old}`, { method: "DELETE" })).status).toBe(403);

    const res = await svc.request(`/api/ml/v1/artifacts/${old}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: old, deleted: true });
    const file = await svc.app.request(`/models/${datasetId}/versions/1.0.0/artifact`, {
      headers: { "x-admin-token": ADMIN_TOKEN },
    });
    expect(file.status).toBe(409);
    const dir = join(svc.config.ML_ARTIFACTS_ROOT, datasetId);
    expect(existsSync(join(dir, "1.0.0.mlsa"))).toBe(false);
    expect(existsSync(join(dir, `${active.split("@")[1]}.mlsa`))).toBe(true);
    const version = (await svc.request(`/models/${datasetId}/versions/1.0.0`)).body;
    expect(version.status).toBe("archived");
    const ids = (await svc.request("/api/ml/v1/artifacts?limit=100")).body.map((a: { id: string }) => a.id);
    expect(ids).toContain(active);
    expect(ids).not.toContain(old);
    expect((await svc.request(`/api/ml/v1/artifacts/${old}`, { method: "DELETE" })).status).toBe(404);
    expect((await svc.request("/api/ml/v1/artifacts/no-at-sign", { method: "DELETE" })).status).toBe(404);
    // the active version still serves
    const p = await svc.request("/predict", {
      json: {
        model_key: datasetId,
        data: [{ sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 }],
      },
    });
    expect(p.status).toBe(200);
  }, 90_000);
});
