import { describe, expect, test } from "bun:test";
import { summarize } from "../../src/events/redact";
import { ADMIN, ADMIN_PASSWORD, testApp } from "../auth/helpers";

describe("audit events", () => {
  test("record who, from where, what, status and duration for every request", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    await t.request("/auth/users?limit=5", { token, ip: "203.0.113.9", headers: { "user-agent": "curl/8" } });
    const e = (await t.events()).at(-1);
    expect(e).toMatchObject({
      type: "http:request",
      source: "api",
      actor: ADMIN,
      via: "session",
      ip: "203.0.113.9",
      user_agent: "curl/8",
      method: "GET",
      route: "/auth/users",
      path: "/auth/users",
      status: 200,
      suspicious: 0,
    });
    expect(e?.duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(e?.input as string)).toEqual({ query: { limit: "5" } });
  });

  test("ignore X-Forwarded-For unless ML_TRUST_PROXY, and take its last entry when trusted", async () => {
    const trusted = await testApp();
    await trusted.request("/auth/login", { json: { username: "x", password: "y" }, ip: "1.1.1.1, 10.9.9.9" });
    expect((await trusted.events()).at(-1)?.ip).toBe("10.9.9.9");
    const untrusted = await testApp({ env: { ML_TRUST_PROXY: "false" } });
    await untrusted.request("/auth/login", { json: { username: "x", password: "y" }, ip: "1.1.1.1" });
    expect((await untrusted.events()).at(-1)?.ip).toBe("unknown");
  });

  test("summaries drop secret fields and token-shaped values, and stay small", () => {
    const s = summarize({
      username: "a",
      password: "p",
      new_password: "p",
      access_token: "t",
      nested: { secret: "s", note: `mls_${"A".repeat(43)}` },
      rows: Array.from({ length: 100 }, (_, i) => i),
      long: "x".repeat(1000),
    }) as Record<string, unknown>;
    expect(s.password).toBe("[redacted]");
    expect(s.new_password).toBe("[redacted]");
    expect(s.access_token).toBe("[redacted]");
    expect(s.nested).toEqual({ secret: "[redacted]", note: "[redacted]" });
    expect(s.rows).toEqual({ items: [0, 1, 2, 3, 4], total: 100 });
    expect((s.long as string).length).toBeLessThan(230);
  });
});

describe("GET /events", () => {
  async function seeded() {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const alice = await t.createUser("alice");
    await t.request("/auth/login", { json: { username: "alice", password: "bad-Pass-123" }, ip: "10.5.5.5" });
    t.clock.advance(60_000);
    await t.login(alice.username, alice.password, "10.5.5.5");
    await t.request("/auth/users", { token: await t.login(alice.username, alice.password) }); // 403
    return { t, token };
  }

  test("is admin only", async () => {
    const { t } = await seeded();
    const alice = await t.login("alice", "alice-Pass-1234");
    expect((await t.request("/events", { token: alice })).status).toBe(403);
    expect((await t.request("/events/suspicious", { token: alice })).status).toBe(403);
  });

  test("filters by type, user, source, status and time, newest first, with a total", async () => {
    const { t, token } = await seeded();
    const all = await t.request("/events?limit=2", { token });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.total).toBeGreaterThan(4);
    expect(all.body.items[0].id).toBeGreaterThan(all.body.items[1].id);
    const page2 = await t.request(`/events?limit=2&before_id=${all.body.next_before_id}`, { token });
    expect(page2.body.items[0].id).toBe(all.body.items[1].id - 1);

    const failed = await t.request("/events?type=auth:login_failed", { token });
    expect(failed.body.total).toBe(1);
    expect(failed.body.items[0]).toMatchObject({ subject: "alice", actor: null, status: 401, ip: "10.5.5.5" });
    expect((await t.request("/events?type=auth:*", { token })).body.total).toBe(5);
    const byAlice = await t.request("/events?user=alice", { token });
    expect(byAlice.body.items.map((e: { type: string }) => e.type).sort()).toEqual([
      "auth:login",
      "auth:login",
      "auth:login_failed",
      "http:request",
    ]);
    expect((await t.request("/events?status=403", { token })).body.total).toBe(1);
    expect((await t.request("/events?source=gui", { token })).body.total).toBe(0);
    const before = await t.request("/events?to=2025-01-01T00:00:30Z", { token });
    const after = await t.request("/events?from=2025-01-01T00:00:30Z", { token });
    // before the clock moved: the bootstrap, the admin's login and alice's failed login
    expect(before.body.items.map((e: { type: string }) => e.type)).toEqual([
      "auth:login_failed",
      "auth:login",
      "auth:admin_bootstrap",
    ]);
    expect(after.body.items.every((e: { time: string }) => e.time >= "2025-01-01T00:00:30.000Z")).toBe(true);
    expect(after.body.total).toBeGreaterThan(5);
    expect((await t.request("/events?from=yesterday", { token })).status).toBe(422);
  });

  test("by id and by IP", async () => {
    const { t, token } = await seeded();
    const failed = (await t.request("/events?type=auth:login_failed", { token })).body.items[0];
    const one = await t.request(`/events/${failed.id}`, { token });
    expect(one.body).toEqual(failed);
    expect((await t.request("/events/999999", { token })).status).toBe(404);
    const byIp = await t.request("/events/by-ip/10.5.5.5", { token });
    expect(byIp.body.total).toBe(2);
    expect((await t.request("/events/by-ip/not-an-ip'--", { token })).status).toBe(422);
  });
});

describe("suspicious activity", () => {
  test("repeated failed logins per IP and per username are flagged", async () => {
    const t = await testApp();
    for (let i = 0; i < 3; i++) {
      await t.request("/auth/login", { json: { username: `u${i}`, password: "Wrong-pass-1" }, ip: "10.7.7.7" });
    }
    for (let i = 0; i < 3; i++) {
      await t.request("/auth/login", { json: { username: "victim", password: "Wrong-pass-1" }, ip: `10.8.0.${i}` });
    }
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const list = await t.request("/events/suspicious", { token });
    expect(list.body.items.map((e: { reason: string }) => e.reason).sort()).toEqual([
      "repeated_failed_logins_ip",
      "repeated_failed_logins_user",
    ]);
  });

  test("a burst of requests from one IP is flagged once per threshold", async () => {
    const t = await testApp({
      auth: { suspicion: { failedLogins: 3, windowMs: 900_000, burstRequests: 10, burstWindowMs: 5_000 } },
    });
    const token = await t.login(ADMIN, ADMIN_PASSWORD, "10.9.0.1");
    for (let i = 0; i < 25; i++) await t.request("/auth/user-info", { token, ip: "10.9.0.1" });
    t.clock.advance(10_000);
    await t.request("/auth/user-info", { token, ip: "10.9.0.1" });
    const bursts = (await t.events()).filter((e) => e.reason === "burst");
    expect(bursts.map((e) => e.ip)).toEqual(["10.9.0.1", "10.9.0.1"]);
  });

  test("throttled logins and replayed revoked tokens are flagged", async () => {
    const t = await testApp();
    for (let i = 0; i < 6; i++) await t.request("/auth/login", { json: { username: ADMIN, password: "Wrong-pass-1" } });
    const token = await t.login(ADMIN, ADMIN_PASSWORD, "10.0.0.99").catch(() => null);
    expect(token).toBeNull();
    const reasons = (await t.events()).map((e) => e.reason);
    expect(reasons).toContain("login_throttled");
  });
});
