/**
 * Login CSRF: a page on another origin that posts a sign-in (or registration) form must not
 * sign the visitor's browser into the attacker's account. The forms carry a pre-session token;
 * JSON clients of POST /auth/login are unaffected.
 */
import { describe, expect, test } from "bun:test";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

/** What another origin's auto-submitting form sends: the fields, no token, none of our cookies. */
const forged = (fields: Record<string, string>) => ({
  method: "POST",
  body: new URLSearchParams(fields),
  headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
});

/** The sign-in page as a browser opens it: the hidden token and the cookie that pairs with it. */
async function openForm(t: Awaited<ReturnType<typeof testApp>>, path: string) {
  const page = await t.request(path);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
  const cookie = (page.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  return { page, token, cookie };
}

describe("login CSRF", () => {
  test("a cross-origin sign-in form gets 403 and no session cookie, on the dashboard and the API", async () => {
    const t = await testApp();
    for (const path of ["/ui/login", "/auth/login"]) {
      const res = await t.request(path, forged({ username: ADMIN, password: ADMIN_PASSWORD, next: "/ui" }));
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.headers.getSetCookie().filter((c) => c.startsWith("mls_session="))).toEqual([]);
    }
    const sessions = await t.db.selectFrom("sessions").select("id").execute();
    expect(sessions).toEqual([]);
  });

  test("a token from another visitor, or without its cookie, is refused too", async () => {
    const t = await testApp();
    const mine = await openForm(t, "/ui/login");
    const theirs = await openForm(t, "/ui/login");
    expect(mine.token).not.toBe(theirs.token);
    const fields = { username: ADMIN, password: ADMIN_PASSWORD, next: "/ui" };
    const noCookie = await t.request("/ui/login", forged({ ...fields, _csrf: mine.token }));
    expect(noCookie.status).toBe(403);
    const mixed = await t.request("/ui/login", {
      ...forged({ ...fields, _csrf: theirs.token }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: mine.cookie },
    });
    expect(mixed.status).toBe(403);
    expect(mixed.headers.getSetCookie().some((c) => c.startsWith("mls_session="))).toBe(false);
  });

  test("the sign-in page's own form signs in, and its pre-session cookie is HttpOnly, SameSite=Strict", async () => {
    const t = await testApp();
    const { page, token, cookie } = await openForm(t, "/ui/login");
    const set = page.headers.getSetCookie()[0] ?? "";
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await t.request("/ui/login", {
      method: "POST",
      body: new URLSearchParams({ username: ADMIN, password: ADMIN_PASSWORD, next: "/ui/jobs", _csrf: token }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui/jobs");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("mls_session=mlsess_"))).toBe(true);
  });

  test("a cross-origin registration form is refused and creates no account", async () => {
    const t = await testApp();
    const res = await t.request("/ui/register", forged({ username: "planted", password: "Quiet-river-2025" }));
    expect(res.status).toBe(403);
    expect(await t.db.selectFrom("users").select("id").where("username", "=", "planted").execute()).toEqual([]);
    const { token, cookie } = await openForm(t, "/ui/register");
    const ok = await t.request("/ui/register", {
      method: "POST",
      body: new URLSearchParams({ username: "planted", password: "Quiet-river-2025", _csrf: token }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    });
    expect(ok.status).toBe(303);
  });

  test("JSON clients of POST /auth/login work as before, cookie sessions included", async () => {
    const t = await testApp();
    const plain = await t.request("/auth/login", { json: { username: ADMIN, password: ADMIN_PASSWORD } });
    expect(plain.status).toBe(200);
    expect(plain.body.access_token).toStartWith("mlsess_");
    const cookie = await t.request("/auth/login", {
      json: { username: ADMIN, password: ADMIN_PASSWORD, cookie: true },
    });
    expect(cookie.status).toBe(200);
    expect(cookie.headers.getSetCookie().some((c) => c.startsWith("mls_session="))).toBe(true);
    // JSON sent as text/plain is what an HTML form can forge (enctype="text/plain"): refused, no cookie
    const textPlain = await t.request("/auth/login", {
      method: "POST",
      body: JSON.stringify({ username: ADMIN, password: ADMIN_PASSWORD, cookie: true }),
      headers: { "content-type": "text/plain" },
    });
    expect([403, 415]).toContain(textPlain.status);
    expect(textPlain.headers.getSetCookie()).toEqual([]);
  });
});
