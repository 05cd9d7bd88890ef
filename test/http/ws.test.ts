import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, csvRows, startService } from "../ml-service/helpers";
import { connect as connectTo, type Message } from "./ws-helpers";

let svc: Awaited<ReturnType<typeof startService>>;
let port: number;
beforeAll(async () => {
  svc = await startService();
  port = svc.listen().port;
});
afterAll(() => svc.close());

const connect = (query: string) => connectTo(port, query);

const iris = csvRows("iris_train.csv");
const train = async (model_key: string, as?: string) => {
  const res = await svc.app.request("/train", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(as ? { authorization: `Bearer ${as}` } : { "x-admin-token": ADMIN_TOKEN }),
    },
    body: JSON.stringify({ model_key, target_field: "species", items: iris, hyperparameters: { max_iter: 15 } }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job_id: string }).job_id;
};

describe("GET /ws", () => {
  test("refuses a connection without credentials, or with a bad token, with 401 before the upgrade", async () => {
    const headers = {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    };
    expect((await fetch(`http://127.0.0.1:${port}/ws`, { headers })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/ws?token=nope`, { headers })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/ws?token=mls_${"x".repeat(40)}`, { headers })).status).toBe(401);
    await expect(connect("")).rejects.toThrow("connection refused");
    // ?token= is a /ws thing only
    expect((await fetch(`http://127.0.0.1:${port}/jobs?token=${ADMIN_TOKEN}`)).status).toBe(401);
  });

  test("streams started, progress and completed events of a training job", async () => {
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    const jobId = await train("ws-iris");
    const ofJob = (type: string) => (m: Message) => m.type === type && m.data.job_id === jobId;
    await client.next(ofJob("queue:task_completed"));
    for (const type of ["queue:task_started", "queue:task_progress", "queue:task_completed"]) {
      const m = await client.next(ofJob(type));
      expect(Number.isNaN(Date.parse(m.time))).toBe(false);
    }
    expect((await client.next(ofJob("queue:task_completed"))).data.status).toBe("completed");
    const metrics = await client.next((m) => m.type === "models:metrics_updated" && m.data.model_key === "ws-iris");
    expect(metrics.data.active).toBe(true);
    const order = client.messages.filter((m) => m.data?.job_id === jobId).map((m) => m.type);
    expect(order[0]).toBe("queue:task_started");
    expect(order.at(-1)).toBe("queue:task_completed");
    await client.close();
  });

  test("answers ping, rejects unknown messages, and narrows queue events to subscribed jobs", async () => {
    const client = await connect(`?token=${ADMIN_TOKEN}`);
    client.send({ type: "ping" });
    await client.next((m) => m.type === "pong");
    client.send({ type: "launch" });
    expect((await client.next((m) => m.type === "error")).data.message).toContain("unknown message type");
    client.ws.send("not json");
    await client.next((m) => m.type === "error" && m.data.message.includes("JSON"));
    const other = await train("ws-other");
    await svc.waitJob(other);
    client.send({ type: "queue:subscribe", job_id: other });
    await client.next((m) => m.type === "queue:subscribed" && m.data.job_id === other);
    const watched = await train("ws-watched");
    await svc.waitJob(watched);
    // the model event still flows; the job's queue events do not (we watch another job)
    await client.next((m) => m.type === "models:metrics_updated" && m.data.model_key === "ws-watched");
    expect(client.messages.some((m) => m.type.startsWith("queue:task") && m.data.job_id === watched)).toBe(false);
    client.send({ type: "queue:unsubscribe", job_id: other });
    await client.next((m) => m.type === "queue:unsubscribed" && m.data.subscriptions === 0);
    const open = await train("ws-open");
    await client.next((m) => m.type === "queue:task_completed" && m.data.job_id === open);
    await client.close();
  });

  test("a user sees only their own jobs, authenticates with an API token, and leaves no subscriber behind", async () => {
    const created = await svc.request("/auth/users", {
      json: { username: "wsuser", password: "Quiet-river-2025", role: "user", must_change_password: false },
    });
    expect(created.status).toBe(201);
    const login = await svc.app.request("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "wsuser", password: "Quiet-river-2025" }),
    });
    const session = ((await login.json()) as { access_token: string }).access_token;
    const tokenRes = await svc.app.request("/auth/tokens", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
      body: JSON.stringify({ name: "ws" }),
    });
    expect(tokenRes.status).toBe(201);
    const apiToken = ((await tokenRes.json()) as { token: string }).token;
    const baseline = svc.bus.subscriberCount;
    const user = await connect(`?token=${apiToken}`);
    expect(svc.bus.subscriberCount).toBe(baseline + 1);
    const admins = await train("ws-admins");
    const mine = await train("ws-mine", session);
    await user.next((m) => m.type === "queue:task_completed" && m.data.job_id === mine);
    await svc.waitJob(admins);
    await Bun.sleep(50);
    expect(user.messages.some((m) => m.data?.job_id === admins)).toBe(false);
    await user.close();
    expect(svc.bus.subscriberCount).toBe(baseline);
  });
});
