import { describe, expect, test } from "bun:test";
import { testApp } from "./helpers";

const NEW_PASSWORD = "Fresh-pass-2025";
const WRONG = "Wrong-pass-123";

describe("a wrong current_password", () => {
  test("is throttled per account: after 5 in 15 min, 429 with Retry-After even for the right one, flagged", async () => {
    const t = await testApp();
    const u = await t.createUser("frank");
    const token = await t.login(u.username, u.password);
    const change = (current: string, ip = "10.0.0.1") =>
      t.request("/auth/profile/password", {
        method: "PUT",
        json: { current_password: current, new_password: NEW_PASSWORD },
        token,
        ip,
      });
    for (let i = 0; i < 3; i++) expect((await change(WRONG, `10.2.0.${i}`)).status).toBe(403);
    // deletion and renaming ask for the same password, so they share the count
    const del = await t.request("/auth/profile", { method: "DELETE", json: { current_password: WRONG }, token });
    expect(del.status).toBe(403);
    const rename = await t.request("/auth/profile/username", {
      method: "PUT",
      json: { new_username: "franky", current_password: WRONG },
      token,
    });
    expect(rename.status).toBe(403);

    const blocked = await change(u.password, "10.2.0.9");
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBe(900);
    const blockedDelete = await t.request("/auth/profile", {
      method: "DELETE",
      json: { current_password: u.password },
      token,
    });
    expect(blockedDelete.status).toBe(429);
    expect((await t.request("/auth/user-info", { token })).status).toBe(200);

    const events = await t.events();
    expect(events.filter((e) => e.type === "auth:reauth_failed").map((e) => e.reason)).toEqual([
      null,
      null,
      "repeated_wrong_current_password",
      "repeated_wrong_current_password",
      "repeated_wrong_current_password",
    ]);
    expect(events.filter((e) => e.type === "auth:reauth_throttled")).toHaveLength(2);
    expect(events.at(-2)).toMatchObject({ suspicious: 1, reason: "reauth_throttled", subject: "frank" });

    t.clock.advance(15 * 60_000 + 1);
    expect((await change(u.password)).status).toBe(200);
  });

  test("is throttled per IP across accounts", async () => {
    const t = await testApp({ auth: { loginLimits: { perUsername: 5, perIp: 3, windowMs: 60_000 } } });
    const tokens: string[] = [];
    for (const name of ["ann", "ben", "cat"]) {
      const u = await t.createUser(name);
      tokens.push(await t.login(u.username, u.password, "10.9.9.9"));
    }
    const del = (token: string | undefined, ip: string) =>
      t.request("/auth/profile", { method: "DELETE", json: { current_password: WRONG }, token, ip });
    expect((await del(tokens[0], "10.3.3.3")).status).toBe(403);
    expect((await del(tokens[1], "10.3.3.3")).status).toBe(403);
    expect((await del(tokens[2], "10.3.3.3")).status).toBe(403);
    expect((await del(tokens[2], "10.3.3.3")).status).toBe(429);
    expect((await del(tokens[2], "10.4.4.4")).status).toBe(403);
  });
});
