import { describe, expect, test } from "bun:test";
import { assertNotLastSystemAdmin, countActiveSystemAdmins } from "../../src/auth/users";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

const NEW_PASSWORD = "Fresh-pass-2025";

describe("/auth/users", () => {
  test("is for admins: a user gets 403, an admin lists", async () => {
    const t = await testApp();
    const u = await t.createUser("plain");
    const a = await t.createUser("boss", "admin");
    const asUser = await t.request("/auth/users", { token: await t.login(u.username, u.password) });
    expect(asUser.status).toBe(403);
    expect(asUser.body.error.details).toMatchObject({ reason: "insufficient_role", required: "admin" });
    const asAdmin = await t.request("/auth/users", { token: await t.login(a.username, a.password) });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.total).toBe(3);
    expect(asAdmin.text).not.toContain("argon2");
  });

  test("an admin creates and manages plain users but not admins or system admins", async () => {
    const t = await testApp();
    const a = await t.createUser("boss", "admin");
    const other = await t.createUser("peer", "admin");
    const token = await t.login(a.username, a.password);
    const made = await t.request("/auth/users", { json: { username: "carol", password: NEW_PASSWORD }, token });
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({ username: "carol", role: "user", must_change_password: true });
    const id = made.body.user.id;
    expect((await t.request(`/auth/users/${id}`, { token })).body.user.username).toBe("carol");
    const upd = await t.request(`/auth/users/${id}`, { method: "PUT", json: { is_active: false }, token });
    expect(upd.status).toBe(200);
    expect(upd.body.user.is_active).toBe(false);

    const mkAdmin = await t.request("/auth/users", {
      json: { username: "dave", password: NEW_PASSWORD, role: "admin" },
      token,
    });
    expect(mkAdmin.status).toBe(403);
    const mkSys = await t.request("/auth/users", {
      json: { username: "eve", password: NEW_PASSWORD, role: "system_admin" },
      token,
    });
    expect(mkSys.status).toBe(403);
    const promote = await t.request(`/auth/users/${id}`, { method: "PUT", json: { role: "admin" }, token });
    expect(promote.status).toBe(403);
    const touchPeer = await t.request(`/auth/users/${other.id}`, { method: "PUT", json: { is_active: false }, token });
    expect(touchPeer.status).toBe(403);
    const sys = await t.db.selectFrom("users").select("id").where("username", "=", ADMIN).executeTakeFirstOrThrow();
    const touchSys = await t.request(`/auth/users/${sys.id}`, {
      method: "PUT",
      json: { password: NEW_PASSWORD },
      token,
    });
    expect(touchSys.status).toBe(403);
    expect((await t.request(`/auth/users/${sys.id}`, { method: "DELETE", token })).status).toBe(403);
  });

  test("a system_admin manages admins", async () => {
    const t = await testApp();
    const a = await t.createUser("boss", "admin");
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const demote = await t.request(`/auth/users/${a.id}`, { method: "PUT", json: { role: "user" }, token });
    expect(demote.status).toBe(200);
    expect(demote.body.user.role).toBe("user");
    const mk = await t.request("/auth/users", {
      json: { username: "sys2", password: NEW_PASSWORD, role: "system_admin" },
      token,
    });
    expect(mk.status).toBe(201);
  });

  test("nobody deletes, deactivates or re-roles their own account here", async () => {
    const t = await testApp();
    const sys2 = await t.createUser("sys2", "system_admin");
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const me = await t.db.selectFrom("users").select("id").where("username", "=", ADMIN).executeTakeFirstOrThrow();
    for (const [method, json] of [
      ["DELETE", undefined],
      ["PUT", { is_active: false }],
      ["PUT", { role: "admin" }],
    ] as const) {
      const r = await t.request(`/auth/users/${me.id}`, { method, ...(json ? { json } : {}), token });
      expect(r.status).toBe(403);
      expect(r.body.error.details).toEqual({ reason: "self_management" });
    }
    expect(sys2.id).toBeGreaterThan(me.id);
  });

  test("the last active system_admin cannot be deleted, deactivated or demoted", async () => {
    const t = await testApp();
    const root = await t.db.selectFrom("users").selectAll().where("username", "=", ADMIN).executeTakeFirstOrThrow();
    // an inactive second system_admin does not count
    const idle = await t.createUser("idle", "system_admin");
    await t.db.updateTable("users").set({ is_active: 0 }).where("id", "=", idle.id).execute();
    for (const change of [{ deleting: true }, { isActive: false }, { role: "admin" as const }]) {
      const refused = assertNotLastSystemAdmin(t.db, root, change);
      await expect(refused).rejects.toMatchObject({ status: 409, details: { reason: "last_system_admin" } });
    }
    await assertNotLastSystemAdmin(t.db, root, { role: "system_admin", isActive: true });

    // through the API: the only way left to remove the last one is oneself, and that is refused too
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const self = await t.request("/auth/profile", {
      method: "DELETE",
      json: { current_password: ADMIN_PASSWORD },
      token,
    });
    expect(self.status).toBe(409);
    expect(self.body.error.details).toEqual({ reason: "last_system_admin" });

    // with two active, one removes the other; then the survivor is protected again
    await t.db.updateTable("users").set({ is_active: 1 }).where("id", "=", idle.id).execute();
    expect((await t.request(`/auth/users/${idle.id}`, { method: "PUT", json: { role: "admin" }, token })).status).toBe(
      200,
    );
    expect(await countActiveSystemAdmins(t.db)).toBe(1);
    const again = await t.request("/auth/profile", {
      method: "DELETE",
      json: { current_password: ADMIN_PASSWORD },
      token,
    });
    expect(again.status).toBe(409);
  });

  test("refuse usernames outside 3–64 of [A-Za-z0-9_.-], taken names (any case) and weak passwords", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    for (const username of ["ab", "a".repeat(65), "bob'; DROP TABLE users;--", "with space", "ünï"]) {
      const r = await t.request("/auth/users", { json: { username, password: NEW_PASSWORD }, token });
      expect(r.status).toBe(422);
      expect(r.body.error.details[0].path).toBe("username");
    }
    const taken = await t.request("/auth/users", { json: { username: "ADMIN", password: NEW_PASSWORD }, token });
    expect(taken.status).toBe(409);
    for (const password of ["short1A", "alllowercaseletters", "1111111111111", "carol-Pass-99", "password123"]) {
      const r = await t.request("/auth/users", { json: { username: "carol", password }, token });
      expect(r.status).toBe(422);
      expect(r.body.error.details[0].path).toBe("password");
    }
    expect(
      (await t.request("/auth/users", { json: { username: "carol", password: NEW_PASSWORD }, token })).status,
    ).toBe(201);
    expect((await t.request("/auth/users/999", { token })).status).toBe(404);
    expect((await t.request("/auth/users/abc", { token })).status).toBe(422);
  });

  test("soft delete: the account is gone for the API, its row stays, its name is free again", async () => {
    const t = await testApp();
    const u = await t.createUser("gone");
    const userToken = await t.login(u.username, u.password);
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    expect((await t.request(`/auth/users/${u.id}`, { method: "DELETE", token })).status).toBe(200);
    expect((await t.request(`/auth/users/${u.id}`, { token })).status).toBe(404);
    expect((await t.request("/auth/user-info", { token: userToken })).status).toBe(401);
    const all = await t.request("/auth/users?include_deleted=true", { token });
    expect(all.body.items.find((i: { id: number }) => i.id === u.id).deleted_at).not.toBeNull();
    expect((await t.request("/auth/users", { json: { username: "gone", password: NEW_PASSWORD }, token })).status).toBe(
      201,
    );
  });
});

describe("POST /auth/register", () => {
  test("creates a plain user when open", async () => {
    const t = await testApp();
    const r = await t.request("/auth/register", { json: { username: "newbie", password: NEW_PASSWORD } });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ username: "newbie", role: "user" });
    expect(await t.login("newbie", NEW_PASSWORD)).toStartWith("mlsess_");
  });

  test("is 403 when ML_ALLOW_REGISTRATION=false", async () => {
    const t = await testApp({ env: { ML_ALLOW_REGISTRATION: "false" } });
    const r = await t.request("/auth/register", { json: { username: "newbie", password: NEW_PASSWORD } });
    expect(r.status).toBe(403);
    expect(r.body.error.details).toEqual({ reason: "registration_closed" });
  });
});

describe("profile", () => {
  test("shows the user, changes the username and the password, deletes the account", async () => {
    const t = await testApp();
    const u = await t.createUser("frank");
    const token = await t.login(u.username, u.password);
    const other = await t.login(u.username, u.password);
    const profile = await t.request("/auth/profile", { token });
    expect(profile.body).toMatchObject({ user: { username: "frank" }, active_sessions: 2, active_api_tokens: 0 });

    const wrong = await t.request("/auth/profile/password", {
      method: "PUT",
      json: { current_password: "nope-Nope-1", new_password: NEW_PASSWORD },
      token,
    });
    expect(wrong.status).toBe(403);
    const ok = await t.request("/auth/profile/password", {
      method: "PUT",
      json: { current_password: u.password, new_password: NEW_PASSWORD },
      token,
    });
    expect(ok.status).toBe(200);
    expect((await t.request("/auth/user-info", { token })).status).toBe(200);
    expect((await t.request("/auth/user-info", { token: other })).status).toBe(401);

    const renamed = await t.request("/auth/profile/username", {
      method: "PUT",
      json: { new_username: "franky", current_password: NEW_PASSWORD },
      token,
    });
    expect(renamed.body.user.username).toBe("franky");
    const del = await t.request("/auth/profile", { method: "DELETE", json: { current_password: NEW_PASSWORD }, token });
    expect(del.status).toBe(200);
    expect((await t.request("/auth/user-info", { token })).status).toBe(401);
  });
});

describe("the users:update audit event", () => {
  test("mentions the password (redacted) only when one was sent", async () => {
    const t = await testApp();
    const carol = await t.createUser("carol");
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const put = (json: unknown) => t.request(`/auth/users/${carol.id}`, { method: "PUT", json, token });
    expect((await put({ is_active: false })).status).toBe(200);
    expect((await put({ password: NEW_PASSWORD })).status).toBe(200);
    const updates = (await t.events())
      .filter((e) => e.type === "users:update")
      .map((e) => JSON.parse(e.input ?? "null"));
    expect(updates).toEqual([{ is_active: false }, { password: "[redacted]" }]);
  });
});
