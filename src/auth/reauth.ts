/**
 * The current password, asked again before a change to one's own account (password,
 * username, deletion). A stolen session must not turn this into an unthrottled password
 * oracle, so wrong answers are counted like failed logins: after `perUsername` for one
 * account, or `perIp` from one IP, within the window, the check answers 429 with
 * Retry-After until the oldest failure leaves it, even for the right password. The counts
 * are separate from the login throttle's, so someone else's guessing on a session cannot
 * lock its owner out of signing in.
 */
import { ServiceError } from "../errors";
import type { AuditNote } from "../events/audit-note";
import type { SuspicionReason, SuspicionRules } from "../events/suspicious";
import type { AuthContext } from "./context";
import { verifyPassword } from "./passwords";
import type { UserRow } from "./users";

export interface Reauthentication {
  user: UserRow;
  password: string;
  ip: string;
  /** adds to the request's audit event (a domain function has no request of its own) */
  note: (note: AuditNote) => void;
}

/** Resolves when `password` is the user's; throws 403 when it is not, 429 while throttled. */
export async function confirmCurrentPassword(ctx: AuthContext, r: Reauthentication): Promise<void> {
  const key = `user:${r.user.id}`;
  const nowMs = ctx.now().getTime();
  const waitMs = ctx.reauth.retryAfterMs(r.ip, key, nowMs);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    r.note({ type: "auth:reauth_throttled", subject: r.user.username, suspicious: "reauth_throttled" });
    throw new ServiceError(
      429,
      "rate_limited",
      `too many wrong current passwords; try again in ${seconds} s`,
      { retry_after_s: seconds, field: "current_password" },
      { "Retry-After": String(seconds) },
    );
  }
  if (await verifyPassword(r.password, r.user.password_hash)) {
    ctx.reauth.succeed(key);
    return;
  }
  const counts = ctx.reauth.fail(r.ip, key, nowMs);
  r.note({
    type: "auth:reauth_failed",
    subject: r.user.username,
    suspicious: wrongPasswordReason(ctx.suspicion, counts),
  });
  throw new ServiceError(403, "forbidden", "the current password is wrong", {
    reason: "wrong_password",
    field: "current_password",
  });
}

function wrongPasswordReason(rules: SuspicionRules, counts: { ip: number; username: number }): SuspicionReason | null {
  return counts.ip >= rules.failedLogins || counts.username >= rules.failedLogins
    ? "repeated_wrong_current_password"
    : null;
}
