/**
 * The answer schemas routes declare with `responds` (src/http/route-doc.ts) are the answers they
 * give: a real session (upload, train, predict, versions, aliases, ingest, drift, alerts,
 * webhooks, accounts) is parsed with
 * each route's declared schema. A view that changes shape without its schema fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { isMediaBody, routeDocOf } from "../../src/http/route-doc";
import { ADMIN_TOKEN, DATA, startService } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let bob: Client;
beforeAll(async () => {
  svc = await startService();
  bob = await signedInUser(svc, "bob");
});
afterAll(() => svc.close());

/** The JSON schema `method route` declares for `status`. */
function declared(method: string, route: string, status: number): v.GenericSchema {
  for (const r of svc.app.routes) {
    if (r.method !== method || r.path !== route) continue;
    const body = routeDocOf(r.handler)?.responses[status];
    const json = (Array.isArray(body) ? body : [body]).find((b) => b && !isMediaBody(b));
    if (json && !isMediaBody(json)) return json;
  }
  throw new Error(`${method} ${route} declares no JSON answer for ${status}`);
}

/** Sends a request as the admin, expects `status`, and parses the answer with the route's schema. */
// biome-ignore lint/suspicious/noExplicitAny: the parsed body is read loosely below
async function checked(method: string, route: string, path: string, status: number, json?: unknown): Promise<any> {
  const res = await svc.request(path, { method, ...(json !== undefined ? { json } : {}) });
  expect(`${method} ${path} → ${res.status}`).toBe(`${method} ${path} → ${status}`);
  const parsed = v.safeParse(declared(method, route, status), res.body);
  const issues = parsed.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`) ?? [];
  expect({ route: `${method} ${route}`, issues }).toEqual({ route: `${method} ${route}`, issues: [] });
  // an object schema drops fields it does not declare: the answer must come back whole
  expect({ route: `${method} ${route}`, body: parsed.output }).toEqual({ route: `${method} ${route}`, body: res.body });
  return res.body;
}

describe("declared answer schemas", () => {
  test("match what a whole session answers", async () => {
    const form = new FormData();
    form.append("file", new Blob([readFileSync(join(DATA, "iris_train.csv"))], { type: "text/csv" }), "iris.csv");
    form.append("name", "iris");
    const upload = await svc.app.request("/datasets/upload", {
      method: "POST",
      body: form,
      headers: { "x-admin-token": ADMIN_TOKEN },
    });
    expect(upload.status).toBe(201);
    const uploaded = await upload.json();
    const dataset = v.parse(declared("POST", "/datasets/upload", 201), uploaded) as { id: string };
    expect(dataset).toEqual(uploaded);
    await checked("GET", "/datasets", "/datasets", 200);
    await checked("GET", "/datasets/:id", `/datasets/${dataset.id}`, 200);
    await checked("GET", "/datasets/:id/preview", `/datasets/${dataset.id}/preview`, 200);
    await checked("GET", "/datasets/by-name/:name/versions", "/datasets/by-name/iris/versions", 200);

    const train = await checked("POST", "/train", "/train", 202, {
      model_key: "iris",
      target_field: "species",
      dataset_id: dataset.id,
      hyperparameters: { max_iter: 20 },
    });
    const job = await svc.waitJob(train.job_id);
    expect(job.status).toBe("completed");
    await checked("GET", "/jobs/:id", `/jobs/${train.job_id}`, 200);
    await checked("GET", "/jobs", "/jobs", 200);
    await checked("GET", "/models", "/models", 200);
    await checked("GET", "/models/:key", "/models/iris", 200);
    await checked("GET", "/models/:key/versions", "/models/iris/versions", 200);
    await checked("GET", "/models/:key/features", "/models/iris/features", 200);
    await checked("GET", "/models/:key/settings", "/models/iris/settings", 200);
    await checked("GET", "/models/:key/rollbacks", "/models/iris/rollbacks", 200);

    const row = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
    const predicted = await checked("POST", "/predict", "/predict", 200, { model_key: "iris", data: [row, row] });
    expect(predicted.predictions).toHaveLength(2);
    await checked("POST", "/feedback", "/feedback", 201, {
      prediction_id: predicted.predictions[0].prediction_id,
      label: "setosa",
    });
    await checked("GET", "/models/:key/maintainers", "/models/iris/maintainers", 200);
    const events = await checked("GET", "/events", "/events?limit=5", 200);
    await checked("GET", "/events/:id", `/events/${events.items[0].id}`, 200);
    await checked("POST", "/quality", "/quality", 200, { model_key: "iris", items: [{ ...row, species: "setosa" }] });

    const version = train.version as string;
    await checked("GET", "/models/:key/versions/:version", `/models/iris/versions/${version}`, 200);
    await checked("PATCH", "/models/:key/versions/:version", `/models/iris/versions/${version}`, 200, {
      notes: "first run",
      tags: ["baseline"],
    });
    await checked("GET", "/models/:key/versions/:version/curves", `/models/iris/versions/${version}/curves`, 200);
    await checked("PUT", "/models/:key/aliases/:alias", `/models/iris/aliases/champion`, 200, { version });
    await checked("GET", "/models/:key/aliases", "/models/iris/aliases", 200);
    const viaAlias = await checked("POST", "/predict", "/predict", 200, {
      model_key: "iris",
      alias: "champion",
      data: row,
    });
    expect(viaAlias.alias).toBe("champion");
    const queued = await checked("POST", "/predict", "/predict", 202, { model_key: "iris", data: [row], async: true });
    await svc.waitJob(queued.job_id);
    await checked("POST", "/quality", "/quality", 200, { model_key: "iris" });
    await checked("GET", "/models/:key/shadow", "/models/iris/shadow", 200);
    await checked("DELETE", "/models/:key/aliases/:alias", "/models/iris/aliases/champion", 200);
    await checked("GET", "/predictions", "/predictions?model_key=iris", 200);
    await checked("POST", "/ingest/batch", "/ingest/batch", 200, {
      model_key: "iris",
      data: [row, { ...row, species: "setosa" }],
    });
    await checked("POST", "/ingest/stream", "/ingest/stream", 200, { model_key: "iris", data: row });
    await checked("GET", "/stats", "/stats?model_key=iris", 200);
    await checked("POST", "/demo/generate", "/demo/generate", 200, { model_key: "iris", rows: 20, labels: true });
    await checked("GET", "/model/status", "/model/status?model_key=iris", 200);
    await checked("POST", "/reload_model", "/reload_model", 200, { model_key: "iris" });

    const check = await checked("POST", "/drift/check", "/drift/check", 200, { model_key: "iris" });
    await checked("GET", "/drift/checks", "/drift/checks?model_key=iris", 200);
    await checked("GET", "/drift/checks/:id", `/drift/checks/${check.check_id}`, 200);
    await checked("GET", "/drift/daily-reports", "/drift/daily-reports", 200);
    await checked("GET", "/drift/daily-reports/:key", "/drift/daily-reports/iris", 200);
    await checked("GET", "/retrainings", "/retrainings", 200);
    await checked("GET", "/health/alerts", "/health/alerts?status=all", 200);
    await checked("GET", "/livez", "/livez", 200);
    await checked("GET", "/readyz", "/readyz", 200);
    await checked("GET", "/health", "/health", 200);
    await checked("GET", "/auth/user-info", "/auth/user-info", 200);
  });

  test("match the account routes' answers", async () => {
    const login = await bob.send("/auth/login", { json: { username: "bob", password: "bob-Pass-1234" } });
    expect(v.safeParse(declared("POST", "/auth/login", 200), login.body).issues).toBeUndefined();
    const profile = await bob.send("/auth/profile");
    expect(v.safeParse(declared("GET", "/auth/profile", 200), profile.body).issues).toBeUndefined();
    const info = await bob.send("/auth/user-info");
    expect(v.safeParse(declared("GET", "/auth/user-info", 200), info.body).issues).toBeUndefined();
    const token = await bob.send("/auth/tokens", { json: { name: "ci" } });
    expect(v.safeParse(declared("POST", "/auth/tokens", 201), token.body).issues).toBeUndefined();
    const tokens = await bob.send("/auth/tokens");
    expect(v.safeParse(declared("GET", "/auth/tokens", 200), tokens.body).issues).toBeUndefined();
    const revoked = await bob.send(`/auth/tokens/${token.body.id}/revoke`, { method: "POST" });
    expect(v.safeParse(declared("POST", "/auth/tokens/:id/revoke", 200), revoked.body).issues).toBeUndefined();
    await checked("GET", "/auth/users", "/auth/users", 200);
    const hook = await checked("POST", "/alerts/webhooks", "/alerts/webhooks", 201, {
      url: "https://example.com/hook",
    });
    await checked("GET", "/alerts/webhooks", "/alerts/webhooks", 200);
    await checked("GET", "/alerts/webhooks/:id/deliveries", `/alerts/webhooks/${hook.id}/deliveries`, 200);
    await checked("DELETE", "/alerts/webhooks/:id", `/alerts/webhooks/${hook.id}`, 200);
    await checked("GET", "/auth/users/:user_id", `/auth/users/${info.body.id}`, 200);
    const metrics = await svc.app.request("/metrics");
    expect(metrics.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  });
});
