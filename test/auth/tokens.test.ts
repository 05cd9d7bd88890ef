import { describe, expect, test } from "bun:test";
import { sha256Hex } from "../../src/auth/secrets";
import { ADMIN, ADMIN_PASSWORD, ADMIN_TOKEN, testApp } from "./helpers";

describe("API tokens", () => {
  test("are shown once, stored as SHA-256, listed without the secret, and work as Bearer", async () => {
    const t = await testApp();
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    const created = await t.request("/auth/tokens", { json: { name: "ci", expires_in_days: 10 }, token: session });
    expect(created.status).toBe(201);
    const secret = created.body.token as string;
    expect(secret).toMatch(/^mls_[A-Za-z0-9_-]{43}$/);
    expect(created.body.expires_at).toBe("2025-01-11T00:00:00.000Z");
    const row = await t.db.selectFrom("api_tokens").selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret);

    const list = await t.request("/auth/tokens", { token: session });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ name: "ci", status: "active", prefix: secret.slice(0, 10) });
    expect(list.text).not.toContain(secret);

    const me = await t.request("/auth/user-info", { token: secret, ip: "192.0.2.7" });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: ADMIN, via: "api_token", token_name: "ci" });
    const used = await t.request("/auth/tokens", { token: session });
    expect(used.body.items[0]).toMatchObject({ last_used_ip: "192.0.2.7", last_used_at: "2025-01-01T00:00:00.000Z" });
  });

  test("are listed a page at a time with limit and offset, newest first, with the total", async () => {
    const t = await testApp();
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    for (const name of ["a", "b", "c", "d", "e"]) await t.request("/auth/tokens", { json: { name }, token: session });
    const page = await t.request("/auth/tokens?limit=2&offset=1", { token: session });
    expect(page.status).toBe(200);
    expect(page.body.items.map((i: { name: string }) => i.name)).toEqual(["d", "c"]);
    expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
    const all = await t.request("/auth/tokens", { token: session });
    expect(all.body).toMatchObject({ total: 5, limit: 100, offset: 0 });
    for (const bad of ["limit=0", "limit=abc", "offset=-1", "limit=1001"]) {
      const r = await t.request(`/auth/tokens?${bad}`, { token: session });
      expect(r.status).toBe(422);
      expect(r.body.error.details[0].path).toBe(bad.split("=")[0]);
    }
  });

  test("refuse a lifetime over ML_TOKEN_EXPIRY_DAYS and default to it", async () => {
    const t = await testApp({ env: { ML_TOKEN_EXPIRY_DAYS: "5" } });
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    const long = await t.request("/auth/tokens", { json: { name: "x", expires_in_days: 6 }, token: session });
    expect(long.status).toBe(422);
    const dflt = await t.request("/auth/tokens", { json: { name: "x" }, token: session });
    expect(dflt.body.expires_at).toBe("2025-01-06T00:00:00.000Z");
  });

  test("revocation takes effect at once; deletion too, and later use is flagged", async () => {
    const t = await testApp();
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    const a = (await t.request("/auth/tokens", { json: { name: "a" }, token: session })).body;
    const b = (await t.request("/auth/tokens", { json: { name: "b" }, token: session })).body;
    expect((await t.request("/auth/user-info", { token: a.token })).status).toBe(200);
    const revoked = await t.request(`/auth/tokens/${a.id}/revoke`, { method: "POST", token: session });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
    const refused = await t.request("/auth/user-info", { token: a.token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.details).toEqual({ reason: "revoked_token" });

    const deleted = await t.request(`/auth/tokens/${b.id}`, { method: "DELETE", token: session });
    expect(deleted.status).toBe(200);
    expect((await t.request("/auth/user-info", { token: b.token })).status).toBe(401);
    const list = await t.request("/auth/tokens", { token: session });
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(["a"]);

    const flagged = (await t.events()).filter((e) => e.reason === "revoked_token");
    expect(flagged).toHaveLength(2);
    expect(flagged[0]).toMatchObject({ type: "auth:token_rejected", suspicious: 1, status: 401 });
  });

  test("expire after their lifetime", async () => {
    const t = await testApp();
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    const tok = (await t.request("/auth/tokens", { json: { name: "short", expires_in_days: 1 }, token: session })).body;
    t.clock.advance(86_400_000);
    const res = await t.request("/auth/user-info", { token: tok.token });
    expect(res.status).toBe(401);
    expect(res.body.error.details).toEqual({ reason: "expired_token" });
    const list = await t.request("/auth/tokens", { token: await t.login(ADMIN, ADMIN_PASSWORD) });
    expect(list.body.items[0].status).toBe("expired");
  });

  test("someone else's token is not found; a system_admin may revoke it", async () => {
    const t = await testApp();
    const alice = await t.createUser("alice");
    const bob = await t.createUser("bob");
    const aliceSession = await t.login(alice.username, alice.password);
    const tok = (await t.request("/auth/tokens", { json: { name: "mine" }, token: aliceSession })).body;
    const bobSession = await t.login(bob.username, bob.password);
    expect((await t.request(`/auth/tokens/${tok.id}/revoke`, { method: "POST", token: bobSession })).status).toBe(404);
    expect((await t.request(`/auth/tokens/${tok.id}`, { method: "DELETE", token: bobSession })).status).toBe(404);
    expect((await t.request("/auth/user-info", { token: tok.token })).status).toBe(200);
    const admin = await t.login(ADMIN, ADMIN_PASSWORD);
    expect((await t.request(`/auth/tokens/${tok.id}/revoke`, { method: "POST", token: admin })).status).toBe(200);
    expect((await t.request("/auth/user-info", { token: tok.token })).status).toBe(401);
  });

  test("die with their user's deactivation", async () => {
    const t = await testApp();
    const alice = await t.createUser("alice");
    const tok = (
      await t.request("/auth/tokens", { json: { name: "x" }, token: await t.login(alice.username, alice.password) })
    ).body;
    const admin = await t.login(ADMIN, ADMIN_PASSWORD);
    await t.request(`/auth/users/${alice.id}`, { method: "PUT", json: { is_active: false }, token: admin });
    expect((await t.request("/auth/user-info", { token: tok.token })).status).toBe(401);
  });
});

describe("X-Admin-Token", () => {
  test("acts as the system admin", async () => {
    const t = await testApp();
    const res = await t.request("/auth/user-info", { headers: { "x-admin-token": ADMIN_TOKEN } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: ADMIN, role: "system_admin", via: "admin_token" });
    expect((await t.request("/auth/users", { headers: { "x-admin-token": ADMIN_TOKEN } })).status).toBe(200);
    const events = await t.events();
    expect(events.at(-1)?.actor).toBe("admin-token");
  });

  test("acts as ML_ADMIN_USERNAME only: once that account is demoted it acts as nobody, visibly", async () => {
    const t = await testApp();
    const root = await t.createUser("root", "system_admin");
    const rootToken = await t.login(root.username, root.password);
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", ADMIN).executeTakeFirstOrThrow();
    const asToken = () => t.request("/auth/user-info", { headers: { "x-admin-token": ADMIN_TOKEN } });
    expect((await asToken()).body).toMatchObject({ id: admin.id, username: ADMIN });
    expect((await t.events()).at(-1)).toMatchObject({ actor: "admin-token", actor_user_id: admin.id });

    const demote = await t.request(`/auth/users/${admin.id}`, {
      method: "PUT",
      json: { role: "user" },
      token: rootToken,
    });
    expect(demote.status).toBe(200);
    const refused = await asToken();
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain("ML_ADMIN_USERNAME");
    expect(refused.body.error.details).toEqual({ reason: "admin_token_account_gone" });
    expect((await t.events()).at(-1)).toMatchObject({
      type: "auth:token_rejected",
      actor: null,
      suspicious: 1,
      reason: "admin_token_account_gone",
    });
    const users = await t.request("/auth/users", { headers: { "x-admin-token": ADMIN_TOKEN } });
    expect(users.status).toBe(401);

    const promote = await t.request(`/auth/users/${admin.id}`, {
      method: "PUT",
      json: { role: "system_admin" },
      token: rootToken,
    });
    expect(promote.status).toBe(200);
    expect((await asToken()).body).toMatchObject({ id: admin.id, username: ADMIN });
  });

  test("a wrong one is refused and flagged; an unset one refuses everything", async () => {
    const t = await testApp();
    const wrong = await t.request("/auth/users", { headers: { "x-admin-token": `${ADMIN_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect((await t.events()).at(-1)).toMatchObject({ suspicious: 1, reason: "invalid_admin_token" });
    const off = await testApp({ env: { ML_ADMIN_API_TOKEN: "" } });
    expect((await off.request("/auth/users", { headers: { "x-admin-token": "" } })).status).toBe(401);
    expect((await off.request("/auth/users", { headers: { "x-admin-token": ADMIN_TOKEN } })).status).toBe(401);
  });
});
