import { describe, expect, test } from "bun:test";
import { ADMIN, ADMIN_PASSWORD, testApp } from "./helpers";

function cookiesOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(";");
    const [name, value] = (pair as string).split("=");
    out[name as string] = line;
    out[`${name}=`] = value as string;
  }
  return out;
}

/** A form login as a browser makes it: the sign-in page hands out the pre-session token first. */
async function cookieLogin(t: Awaited<ReturnType<typeof testApp>>, headers: Record<string, string> = {}) {
  const page = await t.request("/ui/login", { headers });
  const _csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
  const preSession = (page.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const res = await t.request("/auth/login", {
    method: "POST",
    body: new URLSearchParams({ username: ADMIN, password: ADMIN_PASSWORD, _csrf }),
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: preSession, ...headers },
  });
  expect(res.status).toBe(200);
  const c = cookiesOf(res.headers);
  return { session: c["mls_session="] as string, csrf: c["mls_csrf="] as string, raw: c, body: res.body };
}

describe("browser sessions (cookie + CSRF)", () => {
  test("a form login sets an HttpOnly, SameSite=Lax session cookie and a readable CSRF cookie", async () => {
    const t = await testApp();
    const { raw, session, csrf, body } = await cookieLogin(t);
    expect(raw.mls_session).toContain("HttpOnly");
    expect(raw.mls_session).toContain("SameSite=Lax");
    expect(raw.mls_session).not.toContain("Secure");
    expect(raw.mls_csrf).not.toContain("HttpOnly");
    expect(session).toStartWith("mlsess_");
    expect(csrf).toBe(body.csrf_token);
  });

  test("the cookie is Secure when the client came over HTTPS (through a trusted proxy)", async () => {
    const t = await testApp();
    const { raw } = await cookieLogin(t, { "x-forwarded-proto": "https" });
    expect(raw.mls_session).toContain("Secure");
  });

  test("a JSON login sets no cookie unless asked", async () => {
    const t = await testApp();
    const plain = await t.request("/auth/login", { json: { username: ADMIN, password: ADMIN_PASSWORD } });
    expect(plain.headers.getSetCookie()).toEqual([]);
    const asked = await t.request("/auth/login", { json: { username: ADMIN, password: ADMIN_PASSWORD, cookie: true } });
    expect(asked.headers.getSetCookie().length).toBe(2);
  });

  test("cookie requests read freely but need the CSRF token for unsafe methods", async () => {
    const t = await testApp();
    const { session, csrf } = await cookieLogin(t);
    const cookie = `mls_session=${session}`;
    const me = await t.request("/auth/user-info", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body.via).toBe("cookie");

    const json = { name: "from-browser" };
    const none = await t.request("/auth/tokens", { json, headers: { cookie } });
    expect(none.status).toBe(403);
    expect(none.body.error.details).toEqual({ reason: "csrf_failed" });
    const wrong = await t.request("/auth/tokens", { json, headers: { cookie, "x-csrf-token": `${csrf}x` } });
    expect(wrong.status).toBe(403);
    const right = await t.request("/auth/tokens", { json, headers: { cookie, "x-csrf-token": csrf } });
    expect(right.status).toBe(201);

    const form = await t.request("/auth/logout", {
      method: "POST",
      body: new URLSearchParams({ _csrf: csrf }),
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(200);
    expect((await t.request("/auth/user-info", { headers: { cookie } })).status).toBe(401);
  });

  test("Bearer requests need no CSRF token", async () => {
    const t = await testApp();
    const token = await t.login(ADMIN, ADMIN_PASSWORD);
    const res = await t.request("/auth/tokens", { json: { name: "script" }, token });
    expect(res.status).toBe(201);
  });

  test("a stale cookie does not block the login page", async () => {
    const t = await testApp();
    const { session } = await cookieLogin(t);
    const cookie = `mls_session=${session}`;
    await t.db.updateTable("sessions").set({ revoked_at: "2025-01-01T00:00:00.000Z" }).execute();
    const again = await t.request("/auth/login", {
      json: { username: ADMIN, password: ADMIN_PASSWORD },
      headers: { cookie },
    });
    expect(again.status).toBe(200);
  });
});
