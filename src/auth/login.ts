/**
 * Signing in: throttle, look up, verify, open a session. Every failure reads the same
 * ("invalid username or password") and costs one argon2 verification, whether the account
 * exists, is inactive or had a wrong password, so neither the answer nor its timing tells
 * an attacker which usernames exist.
 */
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { ServiceError } from "../errors";
import { noteAudit } from "../events/audit";
import { isHttps } from "../events/request-info";
import { failedLoginReason } from "../events/suspicious";
import type { AppEnv } from "../http/env";
import type { AuthContext } from "./context";
import { createSession } from "./credentials";
import type { Identity } from "./identity";
import { checkLoginCsrf, dropLoginCsrf, isJsonRequest } from "./login-csrf";
import { CSRF_COOKIE, SESSION_COOKIE } from "./middleware";
import { verifyPassword } from "./passwords";
import { findLiveUser, publicUser } from "./users";

export const INVALID_LOGIN = "invalid username or password";

export async function login(
  ctx: AuthContext,
  c: Context<AppEnv>,
  body: { username: string; password: string; cookie: boolean },
) {
  const ip = c.get("clientIp");
  const nowMs = ctx.now().getTime();
  noteAudit(c, { subject: body.username, input: { username: body.username } });
  // a cookie session only for JSON (another origin must pass a CORS preflight to send it) or a
  // sign-in form carrying its pre-session token: no cross-origin form signs a browser in
  if (body.cookie && !isJsonRequest(c)) await checkLoginCsrf(c, ctx.config.ML_TRUST_PROXY);

  const waitMs = ctx.throttle.retryAfterMs(ip, body.username, nowMs);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    noteAudit(c, { type: "auth:login_throttled", suspicious: "login_throttled" });
    throw new ServiceError(
      429,
      "rate_limited",
      `too many failed logins; try again in ${seconds} s`,
      { retry_after_s: seconds },
      {
        "Retry-After": String(seconds),
      },
    );
  }

  const user = await findLiveUser(ctx.db, body.username);
  let ok = false;
  if (user) ok = await verifyPassword(body.password, user.password_hash);
  else await ctx.dummy.burn(body.password);
  if (!user || !ok || user.is_active !== 1) {
    const counts = ctx.throttle.fail(ip, body.username, nowMs);
    noteAudit(c, { type: "auth:login_failed", suspicious: failedLoginReason(ctx.suspicion, counts) });
    throw new ServiceError(401, "unauthorized", INVALID_LOGIN);
  }
  ctx.throttle.succeed(body.username);

  const session = await createSession(ctx, user.id, { ip, userAgent: c.req.header("user-agent") ?? null });
  await ctx.db.updateTable("users").set({ last_login_at: ctx.now().toISOString() }).where("id", "=", user.id).execute();
  const identity: Identity = {
    userId: user.id,
    username: user.username,
    role: user.role,
    mustChangePassword: user.must_change_password === 1,
    via: body.cookie ? "cookie" : "session",
    sessionId: session.id,
    tokenId: null,
    tokenName: null,
    csrfToken: session.csrfToken,
  };
  if (body.cookie) {
    const secure = isHttps(c, ctx.config.ML_TRUST_PROXY);
    const maxAge = ctx.config.ML_SESSION_EXPIRY_DAYS * 86_400;
    setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge });
    // readable by the page's script (htmx sends it back as X-CSRF-Token); useless to another origin
    setCookie(c, CSRF_COOKIE, session.csrfToken, { httpOnly: false, sameSite: "Lax", secure, path: "/", maxAge });
    dropLoginCsrf(c, ctx.config.ML_TRUST_PROXY);
  }
  const shown = publicUser({ ...user, last_login_at: ctx.now().toISOString() });
  noteAudit(c, { type: "auth:login", actor: identity, output: { user_id: user.id, expires_at: session.expiresAt } });
  return {
    access_token: session.token,
    token_type: "bearer" as const,
    expires_at: session.expiresAt,
    csrf_token: session.csrfToken,
    user: shown,
  };
}
