import { describe, expect, test } from "bun:test";
import { testApp } from "./helpers";

const PASSWORD = "Quiet-river-2025";

describe("POST /auth/register", () => {
  test("is limited per IP: the 11th attempt in an hour gets 429 with Retry-After, flagged", async () => {
    const t = await testApp();
    const register = (username: string, ip = "10.6.0.1") =>
      t.request("/auth/register", { json: { username, password: PASSWORD }, ip });
    for (let i = 0; i < 9; i++) expect((await register(`user${i}`)).status).toBe(201);
    expect((await register("user0")).status).toBe(409); // a refused attempt counts too
    const refused = await register("user10");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBe(3600);
    expect((await t.events()).at(-1)).toMatchObject({
      type: "auth:register_throttled",
      suspicious: 1,
      reason: "registration_throttled",
    });
    const stored = await t.db.selectFrom("users").select("username").where("username", "=", "user10").execute();
    expect(stored).toEqual([]);

    expect((await register("other", "10.6.0.2")).status).toBe(201);
    t.clock.advance(3_600_000);
    expect((await register("user10")).status).toBe(201);
  });

  test("follows ML_REGISTRATIONS_PER_IP_HOUR; 0 lifts the limit", async () => {
    const two = await testApp({ env: { ML_REGISTRATIONS_PER_IP_HOUR: "2" } });
    const reg = (t: typeof two, username: string) =>
      t.request("/auth/register", { json: { username, password: PASSWORD } });
    expect((await reg(two, "ann")).status).toBe(201);
    expect((await reg(two, "bob")).status).toBe(201);
    expect((await reg(two, "cat")).status).toBe(429);
    const open = await testApp({ env: { ML_REGISTRATIONS_PER_IP_HOUR: "0" } });
    for (let i = 0; i < 25; i++) expect((await reg(open, `many${i}`)).status).toBe(201);
  });
});
