import { describe, expect, test } from "bun:test";
import { ADMIN, ADMIN_PASSWORD, testApp } from "../auth/helpers";

const NEW_PASSWORD = "Fresh-pass-2025";

describe("request parsing", () => {
  test("a JSON route answers 415 naming application/json to text/plain or a form, and stores nothing", async () => {
    const t = await testApp();
    const body = JSON.stringify({ username: "mallory", password: NEW_PASSWORD });
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const r = await t.request("/auth/register", { method: "POST", body, headers: { "content-type": type } });
      expect(r.status).toBe(415);
      expect(r.body.error.code).toBe("unsupported_media_type");
      expect(r.body.error.message).toContain("application/json");
    }
    const noType = await t.request("/auth/register", { method: "POST", body });
    expect(noType.status).toBe(415);
    const users = await t.db.selectFrom("users").select("username").where("username", "=", "mallory").execute();
    expect(users).toEqual([]);
    const withCharset = await t.request("/auth/register", {
      method: "POST",
      body,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(withCharset.status).toBe(201);
    const doc = (await t.request("/openapi.json")).body;
    expect(Object.keys(doc.paths["/auth/register"].post.responses)).toEqual(
      expect.arrayContaining(["400", "415", "422"]),
    );
  });

  test("a request with no body and no Content-Type reads as an empty object", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const r = await t.request("/auth/tokens", { method: "POST", token });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toStartWith("body.name: ");
  });

  test("malformed JSON is a 400 that says so, on login and on every JSON route", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    for (const [path, extra] of [
      ["/auth/login", {}],
      ["/auth/register", {}],
      ["/auth/tokens", { token }],
    ] as const) {
      const r = await t.request(path, {
        method: "POST",
        body: '{"username": "a",',
        headers: { "content-type": "application/json" },
        ...extra,
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("bad_request");
      expect(r.body.error.message).toStartWith("request body is not valid JSON");
      expect(r.text).not.toContain("received null");
    }
  });

  test("validation errors name the part of the request: path.<param>, query.<name>, body.<field>", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const path = await t.request("/auth/users/abc", { token });
    expect(path.status).toBe(422);
    expect(path.body.error.message).toStartWith("path.user_id: ");
    expect(path.body.error.details[0]).toMatchObject({ path: "user_id", in: "path" });
    const tokenId = await t.request("/auth/tokens/x1/revoke", { method: "POST", token });
    expect(tokenId.body.error.message).toStartWith("path.id: ");
    const event = await t.request("/events/nope", { token });
    expect(event.body.error.message).toStartWith("path.id: ");
    const query = await t.request("/auth/users?limit=0", { token });
    expect(query.status).toBe(422);
    expect(query.body.error.message).toStartWith("query.limit: ");
    expect(query.body.error.details[0]).toMatchObject({ path: "limit", in: "query" });
    const body = await t.request("/auth/register", { json: { username: "newbie" } });
    expect(body.status).toBe(422);
    expect(body.body.error.message).toStartWith("body.password: ");
    expect(body.body.error.details[0]).toMatchObject({ path: "password", in: "body" });
  });

  test("/events refuses a time that is not ISO-8601 with 422 naming the parameter", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    for (const bad of ["garbage", "garbage 1", "1", "x 2001"]) {
      for (const name of ["from", "to"]) {
        const r = await t.request(`/events?${name}=${encodeURIComponent(bad)}`, { token });
        expect(r.status).toBe(422);
        expect(r.body.error.message).toStartWith(`query.${name}: `);
      }
    }
    for (const good of ["2025-01-01", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00.5+01:00"]) {
      expect((await t.request(`/events?from=${encodeURIComponent(good)}`, { token })).status).toBe(200);
    }
  });
});
