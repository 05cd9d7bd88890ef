/**
 * /ws as an attacker or a careless client would use it: subscribing late, flooding it with
 * subscriptions, keeping it open after the credential behind it is gone, opening it from
 * another site with the victim's cookie.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, csvRows, startService } from "../ml-service/helpers";
import { connect as connectTo, type Message } from "./ws-helpers";

let svc: Awaited<ReturnType<typeof startService>>;
let port: number;
beforeAll(async () => {
  // tol 0: the long fit below cannot stop early on its own before it is cancelled
  svc = await startService({ ML_TOL: "0", ML_CORS_ORIGINS: "https://dash.example.com,*" });
  port = svc.listen().port;
});
afterAll(() => svc.close());

const connect = (query: string, headers?: Record<string, string>) => connectTo(port, query, headers);
const iris = csvRows("iris_train.csv");
const train = async (model_key: string, hyperparameters: Record<string, unknown> = { max_iter: 15 }, extra = {}) => {
  const res = await svc.request("/train", {
    json: { model_key, target_field: "species", items: iris, hyperparameters, ...extra },
  });
  expect(res.status).toBe(202);
  return res.body.job_id as string;
};

/** A signed-in user: a session token and an API token. */
async function newUser(username: string, role = "user") {
  const created = await svc.request("/auth/users", {
    json: { username, password: "Quiet-river-2025", role, must_change_password: false },
  });
  expect(created.status).toBe(201);
  const login = await svc.app.request("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "Quiet-river-2025" }),
  });
  const session = ((await login.json()) as { access_token: string }).access_token;
  const tokenRes = await svc.app.request("/auth/tokens", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
    body: JSON.stringify({ name: "ws" }),
  });
  const token = (await tokenRes.json()) as { token: string; id: number };
  return { id: created.body.user?.id ?? created.body.id, session, apiToken: token.token, tokenId: token.id };
}

const UPGRADE = {
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

describe("/ws subscriptions", () => {
  test("a client that subscribes after the job finished still gets its final state, and the subscription ends", async () => {
    const jobId = await train("ws-late");
    await svc.waitJob(jobId);
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    client.send({ type: "queue:subscribe", job_id: jobId });
    const subscribed = await client.next((m) => m.type === "queue:subscribed");
    expect(subscribed.data).toMatchObject({ job_id: jobId, status: "completed" });
    const done = await client.next((m) => m.type === "queue:task_completed" && m.data.job_id === jobId);
    expect(done.data).toMatchObject({ status: "completed", stage: "completed", progress: 1 });
    expect(done.data.result.model_key).toBe("ws-late");
    // the job said its last word: nothing is held for it any more
    client.send({ type: "queue:unsubscribe", job_id: jobId });
    expect((await client.next((m) => m.type === "queue:unsubscribed")).data.subscriptions).toBe(0);
    await client.close();
  });

  test("a client that subscribes to a running job gets its latest progress at once, then how it ended", async () => {
    const started = new Promise<string>((resolve) => {
      const off = svc.bus.subscribe("queue:task_progress", (e) => {
        if (e.model_key === "ws-running" && e.stage === "training") {
          off();
          resolve(e.job_id);
        }
      });
    });
    const jobId = await train(
      "ws-running",
      { max_iter: 100000, hidden_layer_sizes: [64, 64] },
      { early_stopping: false },
    );
    expect(await started).toBe(jobId);
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    client.send({ type: "queue:subscribe", job_id: jobId });
    const progress = await client.next((m) => m.type === "queue:task_progress" && m.data.job_id === jobId);
    expect(progress.data).toMatchObject({ status: "running", stage: "training" });
    expect(progress.data.detail.epoch).toBeGreaterThanOrEqual(1);
    expect((await svc.request(`/jobs/${jobId}/cancel`, { method: "POST" })).status).toBe(200);
    const done = await client.next((m) => m.type === "queue:task_completed" && m.data.job_id === jobId);
    expect(done.data).toMatchObject({ status: "cancelled", stage: "cancelled" });
    expect((await svc.request(`/jobs/${jobId}`)).body.stage).toBe("cancelled");
    await client.close();
  }, 60_000);

  test("another user's job cannot be followed, and its existence is not told", async () => {
    const jobId = await train("ws-private");
    await svc.waitJob(jobId);
    const eve = await newUser("ws-eve");
    const client = await connect(`?token=${eve.apiToken}`);
    client.send({ type: "queue:subscribe", job_id: jobId });
    const refused = await client.next((m) => m.type === "error");
    client.send({ type: "queue:subscribe", job_id: "job_00000000000000000000" });
    const unknown = await client.next((m) => m.type === "error" && m.data.job_id === "job_00000000000000000000");
    expect(refused.data.code).toBe("not_found");
    expect(refused.data.message.replace(jobId, "ID")).toBe(unknown.data.message.replace(unknown.data.job_id, "ID"));
    expect(client.messages.some((m) => m.type.startsWith("queue:task"))).toBe(false);
    await client.close();
  });

  test("a flood of subscriptions with huge ids gets short answers; the subscriptions per socket are capped", async () => {
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    const huge = `job_${"x".repeat(4000)}`;
    for (let i = 0; i < 100; i++) client.send({ type: "queue:subscribe", job_id: huge });
    await client.next(() => client.messages.length === 100);
    expect(client.messages.every((m) => m.type === "error" && m.data.code === "invalid_job_id")).toBe(true);
    // ~400 KB in, a few KB out: no id is echoed
    expect(client.bytes()).toBeLessThan(100 * 300);

    const now = new Date().toISOString();
    const ids = Array.from({ length: 101 }, (_, i) => `job_running_${i}`);
    await svc.db
      .insertInto("jobs")
      .values(
        ids.map((id) => ({
          id,
          type: "train" as const,
          status: "running" as const,
          model_key: null,
          version: null,
          params: "{}",
          stage: "training",
          created_by: null,
          created_at: now,
        })),
      )
      .execute();
    client.messages.length = 0;
    for (const id of ids) client.send({ type: "queue:subscribe", job_id: id });
    const over = await client.next((m) => m.type === "error" && m.data.code === "too_many_subscriptions");
    expect(over.data.job_id).toBe("job_running_100");
    await client.next(() => client.messages.filter((m) => m.type === "queue:subscribed").length === 100);
    const last = client.messages.filter((m) => m.type === "queue:subscribed").at(-1) as Message;
    expect(last.data.subscriptions).toBe(100);
    // every reply is a count, never the list: the bytes out grow with the messages, not their square
    expect(client.messages.every((m) => JSON.stringify(m).length < 400)).toBe(true);
    await client.close();
  });

  test("a message over the size limit closes the socket (1009)", async () => {
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    client.send({ type: "queue:subscribe", job_id: `job_${"x".repeat(10_000)}` });
    expect((await client.closed).code).toBe(1009);
  });
});

describe("/ws credentials", () => {
  test("a socket closes when its API token is revoked", async () => {
    const ann = await newUser("ws-ann");
    const client = await connect(`?token=${ann.apiToken}`);
    const revoke = await svc.app.request(`/auth/tokens/${ann.tokenId}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.session}` },
    });
    expect(revoke.status).toBe(200);
    expect((await client.closed).code).toBe(1008);
  });

  test("a socket closes when its session is signed out", async () => {
    const bo = await newUser("ws-bo");
    const client = await connect(`?token=${bo.session}`);
    const other = await connect(`?token=${bo.apiToken}`);
    const out = await svc.app.request("/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${bo.session}` },
    });
    expect(out.status).toBe(200);
    expect((await client.closed).code).toBe(1008);
    // the API token stands: its socket stays open
    other.send({ type: "ping" });
    await other.next((m) => m.type === "pong");
    await other.close();
  });

  test("sockets close when their user is deleted, or deactivated", async () => {
    const cy = await newUser("ws-cy");
    const dee = await newUser("ws-dee");
    const cySession = await connect(`?token=${cy.session}`);
    const cyToken = await connect(`?token=${cy.apiToken}`);
    const deeToken = await connect(`?token=${dee.apiToken}`);
    expect((await svc.request(`/auth/users/${cy.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await cySession.closed).code).toBe(1008);
    expect((await cyToken.closed).code).toBe(1008);
    const put = await svc.app.request(`/auth/users/${dee.id}`, {
      method: "PUT",
      headers: { "x-admin-token": ADMIN_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ is_active: false }),
    });
    expect(put.status).toBe(200);
    expect((await deeToken.closed).code).toBe(1008);
  });

  test("an admin's socket closes when the admin is demoted (it saw every job)", async () => {
    const ed = await newUser("ws-ed", "admin");
    const client = await connect(`?token=${ed.apiToken}`);
    const put = await svc.app.request(`/auth/users/${ed.id}`, {
      method: "PUT",
      headers: { "x-admin-token": ADMIN_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ role: "user" }),
    });
    expect(put.status).toBe(200);
    expect((await client.closed).code).toBe(1008);
  });
});

describe("/ws origin", () => {
  test("a cookie session is refused from another site, accepted from the service's own pages", async () => {
    const flo = await newUser("ws-flo");
    const cookie = `mls_session=${flo.session}`;
    const from = (origin?: string) =>
      fetch(`http://127.0.0.1:${port}/ws`, { headers: { ...UPGRADE, cookie, ...(origin ? { origin } : {}) } });
    const evil = await from("https://evil.example");
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect((await from()).status).toBe(403);
    // "*" in ML_CORS_ORIGINS never lets a cookie through
    expect((await from("https://any.example")).status).toBe(403);
    const own = await connect("", { cookie, origin: `http://127.0.0.1:${port}` });
    own.send({ type: "ping" });
    await own.next((m) => m.type === "pong");
    await own.close();
    const listed = await connect("", { cookie, origin: "https://dash.example.com" });
    await listed.close();
  });

  test("token clients need no Origin", async () => {
    const gus = await newUser("ws-gus");
    const bearer = await connect("", { authorization: `Bearer ${gus.apiToken}` });
    await bearer.close();
    const query = await connect(`?token=${gus.apiToken}`, { origin: "https://elsewhere.example" });
    await query.close();
  });
});
