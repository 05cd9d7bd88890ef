/** Who a request acts as, set by the auth middleware as `c.get("identity")`. */
import type { Role } from "../db/schema";

export type { Role };
export type Via = "session" | "cookie" | "api_token" | "admin_token";

export interface Identity {
  userId: number;
  username: string;
  role: Role;
  mustChangePassword: boolean;
  via: Via;
  sessionId: number | null;
  tokenId: number | null;
  tokenName: string | null;
  /** the session's CSRF token, for pages that render forms */
  csrfToken: string | null;
}

export const ROLES: readonly Role[] = ["user", "admin", "system_admin"];

const RANK: Record<Role, number> = { user: 1, admin: 2, system_admin: 3 };

/** Roles are ordered: an admin may do what a user may, a system_admin what an admin may. */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** The audit log's actor: the username, `alice/token:ci` for an API token, `admin-token`. */
export function actorName(identity: Identity): string {
  if (identity.via === "admin_token") return "admin-token";
  if (identity.via === "api_token") return `${identity.username}/token:${identity.tokenName}`;
  return identity.username;
}
