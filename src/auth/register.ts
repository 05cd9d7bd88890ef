/**
 * Self-service sign-up (POST /auth/register and the dashboard's form). Open while
 * ML_ALLOW_REGISTRATION is; each IP may try it ML_REGISTRATIONS_PER_IP_HOUR times an hour
 * (every attempt counts, refused ones too: a taken name tells whether an account exists),
 * then gets 429 with Retry-After, so one client cannot mint accounts by the hundred.
 */
import { ServiceError } from "../errors";
import type { AuditNote } from "../events/audit-note";
import type { AuthContext } from "./context";
import { assertPasswordRules, hashPassword } from "./passwords";
import { insertUser, type UserRow } from "./users";

export interface Registration {
  username: string;
  password: string;
  ip: string;
  note: (note: AuditNote) => void;
}

export async function registerUser(ctx: AuthContext, r: Registration): Promise<UserRow> {
  if (!ctx.config.ML_ALLOW_REGISTRATION) {
    throw new ServiceError(403, "forbidden", "registration is closed; ask an admin for an account", {
      reason: "registration_closed",
    });
  }
  const limit = ctx.config.ML_REGISTRATIONS_PER_IP_HOUR;
  if (limit > 0) {
    const nowMs = ctx.now().getTime();
    const waitMs = ctx.registrations.msUntilBelow(r.ip, limit, nowMs);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      r.note({ type: "auth:register_throttled", subject: r.username, suspicious: "registration_throttled" });
      throw new ServiceError(
        429,
        "rate_limited",
        `too many registrations from this address; try again in ${seconds} s`,
        { retry_after_s: seconds },
        { "Retry-After": String(seconds) },
      );
    }
    ctx.registrations.add(r.ip, nowMs);
  }
  assertPasswordRules(r.password, r.username);
  const hash = await hashPassword(r.password, ctx.hashing);
  const user = await insertUser(ctx.db, { username: r.username, passwordHash: hash, role: "user" }, ctx.now());
  r.note({ type: "auth:register", subject: user.username, output: { user_id: user.id } });
  return user;
}
