/**
 * Login CSRF: before there is a session, a cross-origin form could still sign the browser
 * into the attacker's account (or register one) and watch what the victim then uploads.
 * The sign-in and registration forms therefore carry a pre-session token: a random value in a
 * short-lived HttpOnly, SameSite=Strict cookie (`__Host-` prefixed under HTTPS, so a sibling
 * subdomain cannot plant one) and the same value in the form's `_csrf` field. Another origin
 * can neither read the value nor make the browser send the cookie. `POST /auth/login` with a
 * JSON body is not affected: a browser sends application/json to another origin only after a
 * CORS preflight, which the service answers only for ML_CORS_ORIGINS.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { newSecret, sameSecret } from "../../auth/secrets";
import { ServiceError } from "../../errors";
import { CSRF_FIELD, CSRF_HEADER } from "./authenticate";
import { isHttps } from "./request-info";

const COOKIE = "mls_login_csrf";
const SECURE_COOKIE = `__Host-${COOKIE}`;
/** long enough to fill in a form, short enough that a leaked value soon stops working */
const LIFETIME_S = 2 * 3600;

const cookieFor = (secure: boolean) => (secure ? SECURE_COOKIE : COOKIE);

/** The token for a sign-in or registration form: the visitor's current one, or a new one; (re)sets the cookie. */
export function issueLoginCsrf(c: Context, trustProxy: boolean): string {
  const secure = isHttps(c, trustProxy);
  const kept = getCookie(c, cookieFor(secure));
  const token = kept && /^[A-Za-z0-9_-]{43}$/.test(kept) ? kept : newSecret("");
  setCookie(c, cookieFor(secure), token, { httpOnly: true, sameSite: "Strict", secure, path: "/", maxAge: LIFETIME_S });
  return token;
}

/**
 * Refuses (403, reason `csrf_failed`) a form post whose `_csrf` field or X-CSRF-Token header
 * does not match the pre-session cookie; the caller signs in or registers only after this.
 */
export async function checkLoginCsrf(c: Context, trustProxy: boolean): Promise<void> {
  const expected = getCookie(c, cookieFor(isHttps(c, trustProxy)));
  let sent = c.req.header(CSRF_HEADER);
  if (sent === undefined) {
    const field = (await c.req.parseBody())[CSRF_FIELD];
    if (typeof field === "string") sent = field;
  }
  if (!expected || !sent || !sameSecret(sent, expected)) {
    throw new ServiceError(403, "forbidden", "missing or wrong sign-in form token: reload the form and try again", {
      reason: "csrf_failed",
    });
  }
}

/** An `application/json` body: not something an HTML form can send. */
export function isJsonRequest(c: Context): boolean {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

/** Once signed in, the session's own CSRF token takes over. */
export function dropLoginCsrf(c: Context, trustProxy: boolean): void {
  const secure = isHttps(c, trustProxy);
  if (getCookie(c, cookieFor(secure)) !== undefined) deleteCookie(c, cookieFor(secure), { path: "/", secure });
}
