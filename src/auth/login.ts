/**
 * Signing in: throttle, look up, verify, open a session. Every failure reads the same
 * ("invalid username or password") and costs one argon2 verification, whether the account
 * exists, is inactive or had a wrong password, so neither the answer nor its timing tells
 * an attacker which usernames exist. Cookies and the sign-in form's CSRF token are the
 * HTTP adapter's (src/http/middleware/login-cookies.ts).
 */
import { ServiceError } from "../errors";
import type { AuditNote } from "../events/audit-note";
import { failedLoginReason } from "../events/suspicious";
import type { AuthContext } from "./context";
import { createSession } from "./credentials";
import type { Identity } from "./identity";
import { verifyPassword } from "./passwords";
import { findLiveUser, publicUser, touchLastLogin } from "./users";

export const INVALID_LOGIN = "invalid username or password";

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent: string | null;
  /** a browser session (cookie, CSRF token) rather than a Bearer one */
  cookie: boolean;
  note: (note: AuditNote) => void;
}

/** The session just opened: the token and CSRF token travel to the client once. */
export interface SignedIn {
  access_token: string;
  token_type: "bearer";
  expires_at: string;
  csrf_token: string;
  user: ReturnType<typeof publicUser>;
}

export async function login(ctx: AuthContext, input: LoginInput): Promise<SignedIn> {
  const { ip, username } = input;
  const nowMs = ctx.now().getTime();
  input.note({ subject: username, input: { username } });

  const waitMs = ctx.throttle.retryAfterMs(ip, username, nowMs);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    input.note({ type: "auth:login_throttled", suspicious: "login_throttled" });
    throw new ServiceError(
      429,
      "rate_limited",
      `too many failed logins; try again in ${seconds} s`,
      { retry_after_s: seconds },
      { "Retry-After": String(seconds) },
    );
  }

  const user = await findLiveUser(ctx.db, username);
  let ok = false;
  if (user) ok = await verifyPassword(input.password, user.password_hash);
  else await ctx.dummy.burn(input.password);
  if (!user || !ok || user.is_active !== 1) {
    const counts = ctx.throttle.fail(ip, username, nowMs);
    input.note({ type: "auth:login_failed", suspicious: failedLoginReason(ctx.suspicion, counts) });
    throw new ServiceError(401, "unauthorized", INVALID_LOGIN);
  }
  ctx.throttle.succeed(username);

  const session = await createSession(ctx, user.id, { ip, userAgent: input.userAgent });
  const at = ctx.now().toISOString();
  await touchLastLogin(ctx.db, user.id, at);
  const identity: Identity = {
    userId: user.id,
    username: user.username,
    role: user.role,
    mustChangePassword: user.must_change_password === 1,
    via: input.cookie ? "cookie" : "session",
    sessionId: session.id,
    tokenId: null,
    tokenName: null,
    csrfToken: session.csrfToken,
  };
  input.note({ type: "auth:login", actor: identity, output: { user_id: user.id, expires_at: session.expiresAt } });
  return {
    access_token: session.token,
    token_type: "bearer",
    expires_at: session.expiresAt,
    csrf_token: session.csrfToken,
    user: publicUser({ ...user, last_login_at: at }),
  };
}
