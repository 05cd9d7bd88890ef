/**
 * The browser side of signing in and out: the domain login (src/auth/login.ts) opens the
 * session; here a cookie sign-in is first checked for its pre-session CSRF token, then the
 * session and CSRF cookies are set; signing out ends the session and clears them.
 *
 * ```ts
 * const session = await signIn(ctx, c, { username, password, cookie: true });
 * clearSessionCookies(c);
 * ```
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AuthContext } from "../../auth/context";
import { login, type SignedIn } from "../../auth/login";
import { revokeSession } from "../../auth/sessions";
import type { AppEnv } from "../env";
import { noteAudit } from "./audit";
import { CSRF_COOKIE, SESSION_COOKIE } from "./authenticate";
import { checkLoginCsrf, dropLoginCsrf, isJsonRequest } from "./login-csrf";
import { isHttps } from "./request-info";

export async function signIn(
  ctx: AuthContext,
  c: Context<AppEnv>,
  body: { username: string; password: string; cookie: boolean },
): Promise<SignedIn> {
  const trustProxy = ctx.config.ML_TRUST_PROXY;
  // a cookie session only for JSON (another origin must pass a CORS preflight to send it) or a
  // sign-in form carrying its pre-session token: no cross-origin form signs a browser in
  if (body.cookie && !isJsonRequest(c)) {
    noteAudit(c, { subject: body.username, input: { username: body.username } });
    await checkLoginCsrf(c, trustProxy);
  }
  const session = await login(ctx, {
    ...body,
    ip: c.get("clientIp"),
    userAgent: c.req.header("user-agent") ?? null,
    note: (n) => noteAudit(c, n),
  });
  if (body.cookie) {
    const secure = isHttps(c, trustProxy);
    const maxAge = ctx.config.ML_SESSION_EXPIRY_DAYS * 86_400;
    setCookie(c, SESSION_COOKIE, session.access_token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge });
    // readable by the page's script (htmx sends it back as X-CSRF-Token); useless to another origin
    setCookie(c, CSRF_COOKIE, session.csrf_token, { httpOnly: false, sameSite: "Lax", secure, path: "/", maxAge });
    dropLoginCsrf(c, trustProxy);
  }
  return session;
}

/** Ends the request's session (if it came with one) and clears its cookies; true when a session ended. */
export async function signOut(ctx: AuthContext, c: Context<AppEnv>): Promise<boolean> {
  const sessionId = c.get("identity")?.sessionId;
  const revoked = sessionId != null && (await revokeSession(ctx, sessionId, ctx.now()));
  clearSessionCookies(c);
  noteAudit(c, { type: "auth:logout" });
  return revoked;
}

/** The session and CSRF cookies are gone once the session is. */
export function clearSessionCookies(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  deleteCookie(c, CSRF_COOKIE, { path: "/" });
}
