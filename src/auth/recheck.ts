/**
 * Whether the credential behind a long-lived connection (a /ws socket) still stands. A request
 * is checked once, when it arrives; a socket lives on, so it asks again whenever an account or
 * credential changes and every little while: a revoked token, a deleted, deactivated or demoted
 * account, or a password that must be changed ends the connection.
 */

import type { AuthContext } from "./context";
import { adminTokenUser } from "./credentials";
import { hasRole, type Identity } from "./identity";

/**
 * Null while `identity` may go on as it was established; otherwise why it may not, in words
 * fit for a WebSocket close reason (at most 123 bytes).
 */
export async function credentialWithdrawn(ctx: AuthContext, identity: Identity): Promise<string | null> {
  if (identity.via === "admin_token") {
    return (await adminTokenUser(ctx.db, ctx.config.ML_ADMIN_USERNAME)) ? null : "no active system admin";
  }
  const credential =
    identity.via === "api_token"
      ? await ctx.db
          .selectFrom("api_tokens")
          .select(["revoked_at", "expires_at"])
          .where("id", "=", identity.tokenId ?? -1)
          .executeTakeFirst()
      : await ctx.db
          .selectFrom("sessions")
          .select(["revoked_at", "expires_at"])
          .where("id", "=", identity.sessionId ?? -1)
          .executeTakeFirst();
  if (!credential || credential.revoked_at !== null) return "credential revoked";
  if (credential.expires_at <= ctx.now().toISOString()) return "credential expired";
  const user = await ctx.db
    .selectFrom("users")
    .select(["role", "is_active", "deleted_at", "must_change_password"])
    .where("id", "=", identity.userId)
    .executeTakeFirst();
  if (!user || user.deleted_at !== null || user.is_active !== 1) return "account disabled";
  if (!hasRole(user.role, identity.role)) return "role changed";
  if (user.must_change_password === 1) return "password change required";
  return null;
}

/** Audit event types that only add (sign-ins, new accounts and tokens, refusals): nothing to withdraw. */
const ADDS_ONLY = new Set([
  "auth:login",
  "auth:login_failed",
  "auth:login_throttled",
  "auth:token_rejected",
  "auth:token_created",
  "auth:register",
  "auth:admin_bootstrap",
  "users:create",
  "users:created",
]);

/** True for a published `auth:*`/`users:*` event after which open connections should recheck. */
export function mayWithdrawCredentials(type: string): boolean {
  return (type.startsWith("auth:") || type.startsWith("users:")) && !ADDS_ONLY.has(type);
}
