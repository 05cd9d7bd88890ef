import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { DOC_PATH, renderRoutesTable, withTable } from "../../scripts/routes-table";
import { routeTable } from "../../src/http/middleware/route-access";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

describe("route declarations", () => {
  test("every route declares who may call it", async () => {
    const t = await testApp();
    const undeclared = routeTable(t.app).filter((r) => r.access === "undeclared");
    expect(undeclared).toEqual([]);
  });

  test("public: health, liveness, readiness, metrics, the API docs, login and register, and nothing else", async () => {
    const t = await testApp();
    const open = routeTable(t.app)
      .filter((r) => r.access === "public")
      .map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual([
      "GET /",
      // seed 002's health check, sign-up and sign-in (src/http/compat/)
      "GET /api/health",
      "GET /docs",
      "GET /health",
      "GET /livez",
      "GET /metrics",
      "GET /openapi.json",
      "GET /readyz",
      "GET /redoc",
      // the dashboard's sign-in and registration pages, its assets, and the visitor's theme and cookie choices
      "GET /ui/login",
      "GET /ui/register",
      "GET /ui/static/:file",
      "POST /api/auth/sign-in",
      "POST /api/auth/sign-up",
      "POST /auth/login",
      "POST /auth/register",
      "POST /ui/consent",
      "POST /ui/login",
      "POST /ui/register",
      "POST /ui/theme",
    ]);
  });

  test("docs/auth.md holds the current table (run: bun scripts/routes-table.ts --write)", () => {
    const doc = readFileSync(DOC_PATH, "utf8");
    expect(doc).toBe(withTable(doc, renderRoutesTable()));
  });

  test("a route someone forgot to declare still needs a sign-in", async () => {
    const t = await testApp();
    t.app.get("/forgotten", (c) => c.json({ secret: 42 }));
    expect((await t.request("/forgotten")).status).toBe(401);
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    expect((await t.request("/forgotten", { token })).status).toBe(200);
  });
});

describe("must_change_password", () => {
  test("a generated admin password is printed once, and only once", async () => {
    const t = await testApp({ env: { ML_ADMIN_PASSWORD: "" } });
    expect(t.bootstrap).toMatchObject({ created: true, generated: true, username: ADMIN });
    expect(t.printed).toHaveLength(2);
    const password = /generated password: (\S+)$/.exec(t.printed[0] as string)?.[1] as string;
    expect(password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const { bootstrapAdmin } = await import("../../src/auth/bootstrap");
    const again: string[] = [];
    expect((await bootstrapAdmin(t.ctx, (l) => again.push(l))).created).toBe(false);
    expect(again).toEqual([]);
    expect(t.logLines.join("\n")).not.toContain(password);
    const events = JSON.stringify(await t.events());
    expect(events).not.toContain(password);
    expect(events).toContain("auth:admin_bootstrap");
  });

  test("until the password changes, only profile, password change, user-info and logout answer", async () => {
    const t = await testApp({ env: { ML_ADMIN_PASSWORD: "" } });
    const password = /generated password: (\S+)$/.exec(t.printed[0] as string)?.[1] as string;
    const login = await t.request("/auth/login", { json: { username: ADMIN, password } });
    expect(login.body.user.must_change_password).toBe(true);
    const token = login.body.access_token;
    const blocked = await t.request("/auth/users", { token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.details).toEqual({ reason: "password_change_required" });
    expect((await t.request("/auth/tokens", { json: { name: "x" }, token })).status).toBe(403);
    expect((await t.request("/auth/user-info", { token })).status).toBe(200);
    expect((await t.request("/auth/profile", { token })).status).toBe(200);
    const changed = await t.request("/auth/profile/password", {
      method: "PUT",
      json: { current_password: password, new_password: "My-own-pass-2025" },
      token,
    });
    expect(changed.status).toBe(200);
    expect((await t.request("/auth/users", { token })).status).toBe(200);
  });
});
