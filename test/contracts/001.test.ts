/**
 * Seed 001 (the 0.11.2 README) as its clients call it: the curl examples as written (register,
 * login, user-info with the session token, a named API token, the asynchronous prediction),
 * users managed by `tier`, and every endpoint the README lists answering on its path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, jsonRequest, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
  const train = await svc.request("/train", {
    json: { model_key: "nomenclature_label_classifier", version: "1.0.0", target_field: "species", items: iris },
  });
  await svc.waitJob(train.body.job_id, 60_000);
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");
const row = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

describe("seed 001: the 0.11.2 README's clients", () => {
  let bearer: ReturnType<typeof jsonRequest>;

  test("register, login, then user-info with the returned token", async () => {
    const anon = jsonRequest(svc.app, {});
    const reg = await anon("/auth/register", { json: { username: "user1", password: "secure_password" } });
    expect(reg.status).toBe(201);
    const login = await anon("/auth/login", { json: { username: "user1", password: "secure_password" } });
    expect(login.status).toBe(200);
    bearer = jsonRequest(svc.app, { authorization: `Bearer ${login.body.access_token}` });
    const info = await bearer("/auth/user-info");
    expect(info.body).toMatchObject({ username: "user1", tier: "user" });
  });

  test('POST /auth/tokens {"name": "My API Token"} makes a token that signs requests in', async () => {
    const res = await bearer("/auth/tokens", { json: { name: "My API Token" } });
    expect(res.status).toBe(201);
    const viaToken = jsonRequest(svc.app, { authorization: `Bearer ${res.body.token}` });
    expect((await viaToken("/auth/user-info")).body.username).toBe("user1");
  });

  test("POST /predict with async: true answers a job_id that GET /predict/{job_id} resolves", async () => {
    const res = await bearer("/predict", {
      json: { model_key: "nomenclature_label_classifier", version: "1.0.0", data: [row], async: true },
    });
    expect(res.status).toBe(202);
    const jobId = res.body.job_id;
    expect(res.body).toMatchObject({ job_id: expect.any(String), status: "queued" });
    await svc.runtime.jobs.idle();
    const done = await bearer(`/predict/${jobId}`);
    expect(done.body.status).toBe("completed");
    expect(done.body.result.predictions).toHaveLength(1);
    expect(done.body.result.predictions[0].prediction).toBe("setosa");
  });

  test("tier and role are one thing on POST/PUT /auth/users; conflicting values are a 422 naming tier", async () => {
    const admin = await svc.request("/auth/users", {
      json: { username: "boss", password: "pw-for-the-chief-1", tier: "admin" },
    });
    expect(admin.status).toBe(201);
    expect(admin.body.user).toMatchObject({ username: "boss", role: "admin", tier: "admin" });
    const demoted = await svc.request(`/auth/users/${admin.body.user.id}`, { method: "PUT", json: { tier: "user" } });
    expect(demoted.body.user).toMatchObject({ role: "user", tier: "user" });
    const both = await svc.request("/auth/users", {
      json: { username: "both", password: "pw-for-the-pair-1", tier: "admin", role: "user" },
    });
    expect(both.status).toBe(422);
    expect(JSON.stringify(both.body.error)).toContain("tier");
    const bad = await svc.request("/auth/users", {
      json: { username: "bad", password: "pw-for-a-rogue-1", tier: "root" },
    });
    expect(bad.status).toBe(422);
  });

  test("/redoc, /docs and /openapi.json answer", async () => {
    const redoc = await svc.request("/redoc");
    expect(redoc.status).toBe(200);
    expect(redoc.headers.get("content-type")).toContain("text/html");
    expect(redoc.text).toContain("/predict");
    expect((await svc.request("/docs")).status).toBe(200);
    expect((await svc.request("/openapi.json")).status).toBe(200);
  });

  test("every GET endpoint the README lists answers on its path", async () => {
    const job = (await svc.request("/jobs")).body.items[0].job_id ?? (await svc.request("/jobs")).body.items[0].id;
    const event = (await svc.request("/events")).body.items[0];
    const paths = [
      "/auth/user-info",
      "/auth/profile",
      "/auth/users",
      "/auth/users/1",
      "/auth/tokens",
      "/models",
      "/models/nomenclature_label_classifier",
      "/jobs",
      `/jobs/${job}`,
      "/events",
      `/events/${event.id ?? event.event_id}`,
      "/events/suspicious",
      "/events/by-ip/127.0.0.1",
      "/health",
      "/health/alerts",
      "/drift/daily-reports",
    ];
    for (const path of paths) expect([path, (await svc.request(path)).status]).toEqual([path, 200]);
  });
});
