import { describe, expect, test } from "bun:test";
import { EventLog } from "../../src/events/log";
import { ADMIN, ADMIN_PASSWORD, testApp } from "../auth/helpers";

const BAD_TOKEN = `mls_${"x".repeat(43)}`;

describe("refusals in the audit log", () => {
  test("a flood of bad tokens from one address is one full event, then one count per window", async () => {
    const t = await testApp();
    for (let i = 0; i < 50; i++) {
      const res = await t.request("/auth/user-info", { token: BAD_TOKEN, ip: "192.0.2.9" });
      expect(res.status).toBe(401);
    }
    // the refusals past the first wait as a count: nothing more is written per request
    const before = await t.db.selectFrom("events").selectAll().where("ip", "=", "192.0.2.9").execute();
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ type: "auth:token_rejected", status: 401, path: "/auth/user-info" });

    const all = (await t.events()).filter((e) => e.ip === "192.0.2.9");
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ type: "auth:token_rejected", status: 401 });
    expect(JSON.parse(all[1]?.input as string)).toMatchObject({
      repeated: 49,
      summary: "401 × 49 more from 192.0.2.9 in 1 s",
    });
  });

  test("each source and each kind of refusal keeps its own first event", async () => {
    const t = await testApp();
    const session = await t.login(ADMIN, ADMIN_PASSWORD);
    for (const ip of ["192.0.2.1", "192.0.2.2"]) {
      await t.request("/auth/user-info", { token: BAD_TOKEN, ip });
      await t.request("/auth/tokens", { json: { name: 5 }, token: session, ip });
      await t.request("/auth/tokens", { json: { name: 6 }, token: session, ip });
    }
    const refused = (await t.events()).filter((e) => e.ip?.startsWith("192.0.2."));
    // per address: the bad token, the first bad body, and the count of the second
    expect(refused.map((e) => [e.ip, e.type, e.status])).toEqual([
      ["192.0.2.1", "auth:token_rejected", 401],
      ["192.0.2.1", "http:request", 422],
      ["192.0.2.2", "auth:token_rejected", 401],
      ["192.0.2.2", "http:request", 422],
      ["192.0.2.1", "http:request", 422],
      ["192.0.2.2", "http:request", 422],
    ]);
    expect(JSON.parse(refused[4]?.input as string)).toMatchObject({ repeated: 1 });
  });

  test("a window that has closed starts again with a full event", async () => {
    const t = await testApp();
    await t.request("/auth/user-info", { token: BAD_TOKEN, ip: "192.0.2.3" });
    await t.request("/auth/user-info", { token: BAD_TOKEN, ip: "192.0.2.3" });
    t.clock.advance(10_000);
    await t.request("/auth/user-info", { token: BAD_TOKEN, ip: "192.0.2.3" });
    EventLog.flushAll();
    const rows = (await t.events()).filter((e) => e.ip === "192.0.2.3");
    expect(rows.map((e) => (e.input === null ? "full" : JSON.parse(e.input as string).repeated))).toEqual([
      "full",
      1,
      "full",
    ]);
  });
});
