import { describe, expect, test } from "bun:test";
import { changeOwnPassword } from "../../src/auth/accounts";
import { identifySession } from "../../src/auth/credentials";
import { login } from "../../src/auth/login";
import type { AuditNote } from "../../src/events/audit-note";
import { Browser } from "../ui/helpers";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

const NEW_PASSWORD = "Fresh-river-2025";

/** The notes a domain operation leaves for the request's audit event. */
function notes() {
  const seen: AuditNote[] = [];
  return { seen, note: (n: AuditNote) => void seen.push(n) };
}

describe("account operations (src/auth/accounts.ts)", () => {
  test("sign in without a request: a session for the right password, one failure note for a wrong one", async () => {
    const t = await testApp();
    const ok = notes();
    const session = await login(t.ctx, {
      username: ADMIN,
      password: ADMIN_PASSWORD,
      ip: "10.1.1.1",
      userAgent: null,
      cookie: false,
      note: ok.note,
    });
    expect(session.token_type).toBe("bearer");
    expect((await t.request("/auth/user-info", { token: session.access_token })).body.username).toBe(ADMIN);
    expect(ok.seen.map((n) => n.type).filter(Boolean)).toEqual(["auth:login"]);

    const bad = notes();
    const wrong = login(t.ctx, {
      username: ADMIN,
      password: "Wrong-pass-123",
      ip: "10.1.1.1",
      userAgent: null,
      cookie: false,
      note: bad.note,
    });
    await expect(wrong).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(bad.seen.map((n) => n.type).filter(Boolean)).toEqual(["auth:login_failed"]);
  });

  test("a password change keeps the session in use and ends the others", async () => {
    const t = await testApp();
    const u = await t.createUser("dora");
    const kept = await t.login(u.username, u.password);
    const other = await t.login(u.username, u.password);
    const identity = await identifySession(t.ctx, kept, "session");
    const n = notes();
    await changeOwnPassword(
      t.ctx,
      { identity, ip: "10.2.2.2", note: n.note },
      {
        currentPassword: u.password,
        newPassword: NEW_PASSWORD,
      },
    );
    expect(n.seen.map((x) => x.type)).toEqual(["auth:password_changed"]);
    expect((await t.request("/auth/user-info", { token: kept })).status).toBe(200);
    expect((await t.request("/auth/user-info", { token: other })).status).toBe(401);
    await t.login(u.username, NEW_PASSWORD);
  });
});

describe("the API and the dashboard share the account operations", () => {
  test("changing one's password: the same rules, the same event, either way", async () => {
    const t = await testApp();
    const api = await t.createUser("ann", "user", "Quiet-lake-2024");
    const ui = await t.createUser("bob", "user", "Quiet-lake-2024");

    const token = await t.login(api.username, api.password);
    const change = (json: unknown) => t.request("/auth/profile/password", { method: "PUT", json, token });
    const sameApi = await change({ current_password: api.password, new_password: api.password });
    expect(sameApi.status).toBe(422);
    expect(sameApi.body.error.details).toEqual([{ path: "new_password", message: "same as the current password" }]);
    expect((await change({ current_password: api.password, new_password: NEW_PASSWORD })).status).toBe(200);

    const b = new Browser(t.app);
    await b.signIn(ui.username, ui.password);
    await b.get("/ui/profile");
    const post = (current: string, next: string) =>
      b.post("/ui/profile/password", { current_password: current, new_password: next });
    const sameUi = await post(ui.password, ui.password);
    expect(sameUi.status).toBe(422);
    expect(sameUi.text).toContain("same as the current password");
    const weak = await post(ui.password, "short");
    expect(weak.status).toBe(422);
    expect(weak.text).toContain("password must be at least 10 characters");
    expect((await post(ui.password, NEW_PASSWORD)).status).toBe(303);

    const changed = (await t.events()).filter((e) => e.type === "auth:password_changed").map((e) => e.subject);
    expect(changed).toEqual(["ann", "bob"]);
    await t.login("ann", NEW_PASSWORD);
    await t.login("bob", NEW_PASSWORD);
  });

  test("deactivating a user: the same event and revoked sign-ins from the dashboard as from the API", async () => {
    const t = await testApp();
    const viaApi = await t.createUser("carl");
    const viaUi = await t.createUser("dina");
    const apiToken = await t.login(viaApi.username, viaApi.password);
    const uiToken = await t.login(viaUi.username, viaUi.password);
    const admin = await t.login(ADMIN, ADMIN_PASSWORD);

    const put = await t.request(`/auth/users/${viaApi.id}`, {
      method: "PUT",
      json: { is_active: false },
      token: admin,
    });
    expect(put.status).toBe(200);

    const b = new Browser(t.app);
    await b.signIn(ADMIN, ADMIN_PASSWORD);
    await b.get("/ui/users");
    expect((await b.post(`/ui/users/${viaUi.id}/deactivate`)).status).toBe(303);

    for (const token of [apiToken, uiToken]) expect((await t.request("/auth/user-info", { token })).status).toBe(401);
    const updates = (await t.events()).filter((e) => e.type === "users:update").map((e) => e.subject);
    expect(updates).toEqual(["carl", "dina"]);
  });

  test("signing out: the session ends and auth:logout is recorded, from the dashboard as from the API", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const out = await t.request("/auth/logout", { method: "POST", token });
    expect(out.body).toEqual({ logged_out: true, session_revoked: true });
    expect((await t.request("/auth/user-info", { token })).status).toBe(401);

    const b = new Browser(t.app);
    await b.signIn(ADMIN, ADMIN_PASSWORD);
    const cookie = b.cookieHeader;
    expect((await b.post("/ui/logout")).location).toBe("/ui/login");
    expect(b.cookies.has("mls_session")).toBe(false);
    expect((await t.request("/auth/user-info", { headers: { cookie } })).status).toBe(401);
    expect((await t.events()).filter((e) => e.type === "auth:logout").map((e) => e.source)).toEqual(["api", "gui"]);
  });
});
