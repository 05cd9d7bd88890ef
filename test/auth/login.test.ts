import { describe, expect, test } from "bun:test";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

describe("POST /auth/login", () => {
  test("returns a bearer session token, its expiry and the user", async () => {
    const t = await testApp();
    const res = await t.request("/auth/login", { json: { username: ADMIN, password: ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe("bearer");
    expect(res.body.access_token).toMatch(/^mlsess_[A-Za-z0-9_-]{43}$/);
    expect(res.body.expires_at).toBe("2025-01-08T00:00:00.000Z"); // ML_SESSION_EXPIRY_DAYS=7
    expect(res.body.user).toMatchObject({ username: ADMIN, role: "system_admin", is_active: true });
    expect(res.body.user.password_hash).toBeUndefined();
    const me = await t.request("/auth/user-info", { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: ADMIN, role: "system_admin", via: "session" });
  });

  test("says the same for a wrong password, an unknown user and an inactive user", async () => {
    const t = await testApp();
    const bob = await t.createUser("bob");
    await t.db.updateTable("users").set({ is_active: 0 }).where("id", "=", bob.id).execute();
    const wrong = await t.request("/auth/login", { json: { username: ADMIN, password: "Wrong-pass-123" } });
    const unknown = await t.request("/auth/login", {
      json: { username: "nobody", password: "Wrong-pass-123" },
      ip: "10.0.0.2",
    });
    const inactive = await t.request("/auth/login", {
      json: { username: "bob", password: bob.password },
      ip: "10.0.0.3",
    });
    for (const r of [wrong, unknown, inactive]) {
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: "unauthorized", message: "invalid username or password", details: null });
    }
  });

  test("treats SQL meta-characters in a username as a failed login, and the tables survive", async () => {
    const t = await testApp();
    const res = await t.request("/auth/login", { json: { username: "admin' OR '1'='1' --", password: "x" } });
    expect(res.status).toBe(401);
    const drop = await t.request("/auth/login", { json: { username: "x'; DROP TABLE users; --", password: "x" } });
    expect(drop.status).toBe(401);
    expect(await t.login(ADMIN, ADMIN_PASSWORD)).toStartWith("mlsess_");
  });

  test("rejects bad bodies with 422 and field paths", async () => {
    const t = await testApp();
    const missing = await t.request("/auth/login", { json: { username: ADMIN } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details[0].path).toBe("password");
    const huge = await t.request("/auth/login", { json: { username: "a".repeat(300), password: "x" } });
    expect(huge.status).toBe(422);
    const notJson = await t.request("/auth/login", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
  });

  test("throttles per username: 5 failures in 15 min give 429 with Retry-After, even with the right password", async () => {
    const t = await testApp();
    for (let i = 0; i < 5; i++) {
      const r = await t.request("/auth/login", {
        json: { username: ADMIN, password: "Wrong-pass-123" },
        ip: `10.1.0.${i}`,
      });
      expect(r.status).toBe(401);
    }
    const blocked = await t.request("/auth/login", {
      json: { username: ADMIN, password: ADMIN_PASSWORD },
      ip: "10.1.0.9",
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBe(900);
    t.clock.advance(15 * 60_000 + 1);
    expect(await t.login(ADMIN, ADMIN_PASSWORD)).toStartWith("mlsess_");
  });

  test("throttles per IP across usernames (20 failures), unknown usernames included", async () => {
    const t = await testApp();
    for (let i = 0; i < 20; i++) {
      const r = await t.request("/auth/login", {
        json: { username: `ghost${i}`, password: "Wrong-pass-123" },
        ip: "10.2.0.1",
      });
      expect(r.status).toBe(401);
    }
    const blocked = await t.request("/auth/login", {
      json: { username: ADMIN, password: ADMIN_PASSWORD },
      ip: "10.2.0.1",
    });
    expect(blocked.status).toBe(429);
    const elsewhere = await t.request("/auth/login", {
      json: { username: ADMIN, password: ADMIN_PASSWORD },
      ip: "10.2.0.2",
    });
    expect(elsewhere.status).toBe(200);
  });

  test("an unknown username costs a password verification too (no timing shortcut)", async () => {
    const t = await testApp();
    let burned = 0;
    const verify = Bun.password.verify;
    Bun.password.verify = (async (...args: Parameters<typeof verify>) => {
      burned++;
      return verify(...args);
    }) as typeof verify;
    try {
      await t.request("/auth/login", { json: { username: "nobody-here", password: "Wrong-pass-123" } });
    } finally {
      Bun.password.verify = verify;
    }
    expect(burned).toBe(1);
  });
});

describe("sessions", () => {
  test("logout revokes the session at once", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const out = await t.request("/auth/logout", { method: "POST", token });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ logged_out: true, session_revoked: true });
    const after = await t.request("/auth/user-info", { token });
    expect(after.status).toBe(401);
    expect(after.body.error.details).toEqual({ reason: "revoked_token" });
  });

  test("expire after ML_SESSION_EXPIRY_DAYS", async () => {
    const t = await testApp({ env: { ML_SESSION_EXPIRY_DAYS: "2" } });
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    t.clock.advance(2 * 86_400_000 - 1000);
    expect((await t.request("/auth/user-info", { token })).status).toBe(200);
    t.clock.advance(1000);
    const expired = await t.request("/auth/user-info", { token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.details).toEqual({ reason: "expired_token" });
  });

  test("refuse malformed Authorization headers and unknown tokens with 401", async () => {
    const t = await testApp();
    for (const authorization of [
      "Basic YWRtaW46eA==",
      "Bearer",
      "Bearer a b",
      "Bearer mlsess_short",
      `Bearer mls_${"A".repeat(43)}`,
      "token",
    ]) {
      const r = await t.request("/auth/user-info", { headers: { authorization } });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("unauthorized");
    }
  });

  test("anonymous requests to protected routes get 401; /health and unknown paths do not need a sign-in", async () => {
    const t = await testApp();
    expect((await t.request("/auth/user-info")).status).toBe(401);
    expect((await t.request("/auth/users")).status).toBe(401);
    expect((await t.request("/events")).status).toBe(401);
    expect((await t.request("/health")).status).toBe(200);
    const missing = await t.request("/no/such/route");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });
});
