import { afterEach, describe, expect, test } from "bun:test";
import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../../src/config";
import { createKysely, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { EventBus } from "../../src/events/bus";
import { EventLog } from "../../src/events/log";
import { createLogger } from "../../src/log";
import { raiseAlert } from "../../src/monitoring/alerts";
import { AlertDelivery } from "../../src/monitoring/webhooks/delivery";
import { startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";
import { heldAnswer, startReceiver } from "./webhook-receiver";

type Service = Awaited<ReturnType<typeof startService>>;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function service(env: Record<string, string> = {}): Promise<Service> {
  const svc = await startService({ ML_ALERT_WEBHOOK_BACKOFF_MS: "0", ...env });
  cleanups.push(() => svc.close());
  return svc;
}

function receiver(...args: Parameters<typeof startReceiver>) {
  const r = startReceiver(...args);
  cleanups.push(r.stop);
  return r;
}

const alertOf = (svc: Service, message = "drift on churn") =>
  raiseAlert(
    { db: svc.db, bus: svc.bus, now: () => new Date() },
    { type: "drift_detected", severity: "warning", modelKey: "churn", version: "1.0.0", message },
  );

/** What a receiver does to trust a delivery: HMAC-SHA256 over `timestamp.body`, compared in constant time. */
function verify(secret: string, headers: Headers, body: string): boolean {
  const timestamp = headers.get("x-mlservice-timestamp") ?? "";
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
  const got = headers.get("x-mlservice-signature") ?? "";
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

describe("alert webhooks", () => {
  test("an alert reaches a JSON webhook, signed over timestamp.body with the secret shown once", async () => {
    const svc = await service();
    const hook = receiver();
    const created = await svc.request("/alerts/webhooks", { json: { name: "ops", url: hook.url } });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const listed = await svc.request("/alerts/webhooks");
    expect(listed.body.items).toHaveLength(1);
    expect(listed.text).not.toContain(secret);

    const alert = await alertOf(svc);
    await hook.received(1);
    await svc.runtime.alertDelivery.idle();
    const [{ headers, body }] = hook.got as [(typeof hook.got)[0]];
    expect(verify(secret, headers, body)).toBe(true);
    expect(verify("whsec_wrong", headers, body)).toBe(false);
    // the timestamp is signed: moving it breaks the signature
    const moved = new Headers(headers);
    moved.set("x-mlservice-timestamp", String(Number(headers.get("x-mlservice-timestamp")) - 3600));
    expect(verify(secret, moved, body)).toBe(false);
    const payload = JSON.parse(body);
    expect(payload.event).toBe("alert.raised");
    expect(payload.alert).toMatchObject({ id: alert.id, type: "drift_detected", model_key: "churn" });

    const log = await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({ alert_id: alert.id, attempt: 1, outcome: "delivered", status_code: 200 }),
    ]);
  });

  test("a 500 is retried, and both attempts are in the delivery log", async () => {
    const svc = await service();
    const hook = receiver((n) => (n === 1 ? new Response("boom", { status: 500 }) : new Response("ok")));
    const created = await svc.request("/alerts/webhooks", { json: { url: hook.url } });
    const alert = await alertOf(svc);
    await hook.received(2);
    await svc.runtime.alertDelivery.idle();
    expect(hook.got[0]?.headers.get("x-mlservice-delivery")).toBe(hook.got[1]?.headers.get("x-mlservice-delivery"));
    const log = await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`);
    expect(
      log.body.items.map((d: Record<string, unknown>) => [d.alert_id, d.attempt, d.outcome, d.status_code]),
    ).toEqual([
      [alert.id, 2, "delivered", 200],
      [alert.id, 1, "retrying", 500],
    ]);
  });

  test("a receiver that hangs does not hold up the check that raised the alert", async () => {
    const svc = await service();
    const held = heldAnswer();
    const hook = receiver(held.answer);
    const created = await svc.request("/alerts/webhooks", { json: { url: hook.url } });
    // a job queued an hour ago: the queue-backup check raises an alert
    await svc.db
      .insertInto("jobs")
      .values({
        id: "job_waiting",
        type: "train",
        status: "queued",
        model_key: "m",
        version: "1",
        params: "{}",
        created_at: new Date(Date.now() - 3600_000).toISOString(),
      })
      .execute();
    await svc.runtime.jobs.stop(0);
    const raised = await svc.runtime.checkAlerts();
    // the check is done while the receiver still holds the delivery
    expect(raised.queue_backup?.type).toBe("queue_backup");
    await hook.received(1);
    expect((await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`)).body.items).toEqual([]);
    held.release();
    await svc.runtime.alertDelivery.idle();
    const log = (await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`)).body.items;
    expect(log).toEqual([expect.objectContaining({ alert_id: raised.queue_backup?.id, outcome: "delivered" })]);
  });

  test("a webhook that never answers times out, is retried with doubling waits, and ends failed", async () => {
    const sqlite = openSqlite(":memory:");
    migrate(sqlite);
    const db = createKysely(sqlite);
    cleanups.push(() => db.destroy());
    const hook = receiver(heldAnswer().answer);
    await db
      .insertInto("alert_webhooks")
      .values({
        name: "slow",
        url: hook.url,
        format: "json",
        secret: "s",
        source: "api",
        created_by: null,
        created_at: new Date().toISOString(),
        deleted_at: null,
      })
      .execute();
    const bus = new EventBus();
    const waits: number[] = [];
    const delivery = new AlertDelivery({
      db,
      bus,
      log: createLogger("error", () => {}),
      now: () => new Date(),
      config: {
        ML_ALERT_WEBHOOK_SECRET: "",
        ML_ALERT_WEBHOOK_TIMEOUT_MS: 100,
        ML_ALERT_WEBHOOK_MAX_ATTEMPTS: 3,
        ML_ALERT_WEBHOOK_BACKOFF_MS: 250,
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    delivery.start();
    cleanups.push(() => delivery.stop());
    const alert = await raiseAlert(
      { db, bus, now: () => new Date() },
      {
        type: "training_failed",
        severity: "warning",
        modelKey: "m",
        version: "1",
        message: "fit failed",
      },
    );
    await delivery.idle();
    const rows = await db.selectFrom("alert_webhook_deliveries").selectAll().orderBy("id").execute();
    expect(rows.map((r) => [r.alert_id, r.attempt, r.outcome, r.status_code, r.error])).toEqual([
      [alert.id, 1, "retrying", null, "no answer within 100 ms"],
      [alert.id, 2, "retrying", null, "no answer within 100 ms"],
      [alert.id, 3, "failed", null, "no answer within 100 ms"],
    ]);
    expect(waits).toEqual([250, 500]);
  });

  test("the wait between attempts doubles up to an hour", async () => {
    const sqlite = openSqlite(":memory:");
    migrate(sqlite);
    const db = createKysely(sqlite);
    cleanups.push(() => db.destroy());
    await db
      .insertInto("alert_webhooks")
      .values({
        name: "down",
        url: "https://down.example/hook",
        format: "json",
        secret: "s",
        source: "api",
        created_by: null,
        created_at: new Date().toISOString(),
        deleted_at: null,
      })
      .execute();
    const waits: number[] = [];
    const bus = new EventBus();
    const delivery = new AlertDelivery({
      db,
      bus,
      log: createLogger("error", () => {}),
      now: () => new Date(),
      config: {
        ML_ALERT_WEBHOOK_SECRET: "",
        ML_ALERT_WEBHOOK_TIMEOUT_MS: 1000,
        ML_ALERT_WEBHOOK_MAX_ATTEMPTS: 4,
        ML_ALERT_WEBHOOK_BACKOFF_MS: 1_000_000,
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
      fetch: async () => new Response("busy", { status: 503 }),
    });
    const alert = await raiseAlert(
      { db, now: () => new Date() },
      { type: "queue_backup", severity: "warning", modelKey: null, version: null, message: "jobs wait" },
    );
    await delivery.deliver(alert);
    expect(waits).toEqual([1_000_000, 2_000_000, 3_600_000]);
    const rows = await db.selectFrom("alert_webhook_deliveries").select(["outcome", "status_code"]).execute();
    expect(rows.map((r) => r.outcome)).toEqual(["retrying", "retrying", "retrying", "failed"]);
  });

  test("no secret reaches the logs: not the signing secret, not a URL's path", async () => {
    const svc = await service();
    const hook = receiver(() => new Response("down", { status: 503 }));
    const slackish = `${hook.url}/T0001/B0001/sEcReTpAtH`;
    const created = await svc.request("/alerts/webhooks", { json: { url: slackish, format: "slack" } });
    expect(created.status).toBe(201);
    await EventLog.flushAll();
    const events = await svc.db.selectFrom("events").selectAll().where("route", "=", "/alerts/webhooks").execute();
    expect(events).toHaveLength(1);
    const audit = JSON.stringify(events);
    expect(audit).not.toContain("sEcReTpAtH");
    expect(audit).not.toContain(created.body.secret);

    const lines: string[] = [];
    const delivery = new AlertDelivery({
      db: svc.db,
      bus: new EventBus(),
      log: createLogger("debug", (l) => lines.push(l)),
      now: () => new Date(),
      config: { ...svc.config, ML_ALERT_WEBHOOK_MAX_ATTEMPTS: 2 },
      sleep: async () => {},
    });
    await delivery.deliver(await alertOf(svc));
    expect(lines.join("\n")).toContain("alert webhook failed");
    expect(lines.join("\n")).toContain(new URL(hook.url).origin);
    expect(lines.join("\n")).not.toContain("sEcReTpAtH");
    expect(lines.join("\n")).not.toContain(created.body.secret);
  });

  test("a 4xx is final: not retried", async () => {
    const svc = await service();
    const hook = receiver(() => new Response("gone", { status: 410 }));
    const created = await svc.request("/alerts/webhooks", { json: { url: hook.url } });
    await alertOf(svc);
    await hook.received(1);
    await svc.runtime.alertDelivery.idle();
    const log = (await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`)).body.items;
    expect(log.map((d: Record<string, unknown>) => [d.attempt, d.outcome, d.status_code])).toEqual([
      [1, "failed", 410],
    ]);
    expect(hook.got).toHaveLength(1);
  });

  test("Slack webhooks get {text, blocks}; send test reports the receiver's answer", async () => {
    const svc = await service();
    const hook = receiver((n) => (n === 1 ? new Response("ok") : new Response("nope", { status: 404 })));
    const created = await svc.request("/alerts/webhooks", { json: { url: hook.url, format: "slack" } });
    expect(created.body.format).toBe("slack");
    const first = await svc.request(`/alerts/webhooks/${created.body.id}/test`, { method: "POST" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ event: "test", outcome: "delivered", status_code: 200, alert_id: null });
    const body = JSON.parse(hook.got[0]?.body ?? "{}");
    expect(body.text).toContain("test");
    expect(body.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    const second = await svc.request(`/alerts/webhooks/${created.body.id}/test`, { method: "POST" });
    expect(second.body).toMatchObject({ outcome: "failed", status_code: 404, error: "HTTP 404" });
  });

  test("a deleted webhook gets no more alerts, cannot be deleted twice, and its log stays readable", async () => {
    const svc = await service();
    const hook = receiver();
    const created = await svc.request("/alerts/webhooks", { json: { url: hook.url } });
    const del = await svc.request(`/alerts/webhooks/${created.body.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(del.body.deleted_at).not.toBeNull();
    expect((await svc.request("/alerts/webhooks")).body.items).toEqual([]);
    await alertOf(svc);
    await svc.runtime.alertDelivery.idle();
    expect(hook.got).toHaveLength(0);
    expect((await svc.request(`/alerts/webhooks/${created.body.id}`, { method: "DELETE" })).status).toBe(404);
    const log = await svc.request(`/alerts/webhooks/${created.body.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.webhook.deleted_at).not.toBeNull();
  });

  test("bad webhooks are refused with 422: not http(s), not a URL, the service itself, unknown format", async () => {
    const svc = await service();
    const port = svc.config.ML_SERVICE_PORT;
    const bad: [unknown, string][] = [
      [{ url: "ftp://example.com/hook" }, "scheme"],
      [{ url: "javascript:alert(1)" }, "scheme"],
      [{ url: "not a url" }, "not_a_url"],
      [{ url: `http://127.0.0.1:${port}/predict` }, "self"],
      [{ url: `http://localhost:${port}/health` }, "self"],
      [{ url: `http://[::1]:${port}/` }, "self"],
      [{ url: `http://127.1:${port}/` }, "self"],
      [{ url: `http://0.0.0.0:${port}/` }, "self"],
      [{ url: "https://user:pw@example.com/hook" }, "credentials"],
    ];
    for (const [body, reason] of bad) {
      const res = await svc.request("/alerts/webhooks", { json: body });
      expect({ body, status: res.status, reason: res.body.error?.details?.reason }).toEqual({
        body,
        status: 422,
        reason,
      });
    }
    const format = await svc.request("/alerts/webhooks", { json: { url: "https://example.com/x", format: "xml" } });
    expect(format.status).toBe(422);
    expect(format.body.error.code).toBe("validation_failed");
    // loopback on another port is a neighbour, not the service
    const neighbour = await svc.request("/alerts/webhooks", { json: { url: `http://127.0.0.1:${port + 1}/hook` } });
    expect(neighbour.status).toBe(201);
    expect((await svc.request("/alerts/webhooks")).body.items).toHaveLength(1);
  });

  test("only admins manage webhooks", async () => {
    const svc = await service();
    const alice = await signedInUser(svc, "alice");
    expect((await alice.send("/alerts/webhooks")).status).toBe(403);
    expect((await alice.send("/alerts/webhooks", { json: { url: "https://example.com/h" } })).status).toBe(403);
    const created = await svc.request("/alerts/webhooks", { json: { url: "https://example.com/h" } });
    expect((await alice.send(`/alerts/webhooks/${created.body.id}/test`, { method: "POST" })).status).toBe(403);
    expect((await alice.send(`/alerts/webhooks/${created.body.id}/deliveries`)).status).toBe(403);
    expect((await alice.send(`/alerts/webhooks/${created.body.id}`, { method: "DELETE" })).status).toBe(403);
  });

  test("ML_ALERT_WEBHOOK_URLS: synced at start, signed with ML_ALERT_WEBHOOK_SECRET, not deletable by API", async () => {
    const json = receiver();
    const slack = receiver();
    const svc = await service({
      ML_ALERT_WEBHOOK_URLS: `${json.url}, slack:${slack.url}`,
      ML_ALERT_WEBHOOK_SECRET: "env-secret-123",
    });
    const hooks = (await svc.request("/alerts/webhooks")).body.items;
    expect(hooks.map((h: Record<string, unknown>) => [h.source, h.format, h.url])).toEqual([
      ["env", "json", json.url],
      ["env", "slack", slack.url],
    ]);
    await alertOf(svc);
    await Promise.all([json.received(1), slack.received(1)]);
    await svc.runtime.alertDelivery.idle();
    const got = json.got[0] as (typeof json.got)[0];
    expect(verify("env-secret-123", got.headers, got.body)).toBe(true);
    expect(JSON.parse(slack.got[0]?.body ?? "{}").text).toContain("drift on churn");
    expect((await svc.request(`/alerts/webhooks/${hooks[0].id}`, { method: "DELETE" })).status).toBe(409);
  });

  test("a bad ML_ALERT_WEBHOOK_URLS entry stops start-up with a configuration error", async () => {
    const err = await startService({ ML_ALERT_WEBHOOK_URLS: "https://ok.example/h,ftp://files.example/x" }).then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err.message)).toContain("ML_ALERT_WEBHOOK_URLS");
  });
});
