/**
 * What counts as suspicious, in one place (docs/auth.md quotes it):
 *
 * - `repeated_failed_logins_ip`: `failedLogins` or more failed logins from one IP within `windowMs`;
 * - `repeated_failed_logins_user`: the same for one username (known or not);
 * - `login_throttled`: a login refused with 429 because of the above;
 * - `repeated_wrong_current_password`: the same count for a wrong current password given to
 *   change one's password or username or delete one's account (per account and per IP);
 * - `reauth_throttled`: such a change refused with 429 because of it;
 * - `registration_throttled`: a registration refused with 429 (too many from one IP);
 * - `revoked_token`, `expired_token`: a request carrying a session or API token that was revoked
 *   or has expired (a leaked credential being replayed, or a forgotten script);
 * - `invalid_admin_token`: an X-Admin-Token that does not match;
 * - `admin_token_account_gone`: a right X-Admin-Token while ML_ADMIN_USERNAME is not an active
 *   system_admin (demoted, deactivated or deleted: the token must not pass to another account);
 * - `burst`: `burstRequests` requests from one IP within `burstWindowMs` (flagged on the request
 *   that crosses the line and on every further `burstRequests`-th, not on each one, so a flood
 *   leaves a readable trail rather than a million flagged rows).
 *
 * Flagged events carry `suspicious = 1` and the reason; GET /events/suspicious lists them.
 */
import { SlidingWindow } from "./window";

export interface SuspicionRules {
  failedLogins: number;
  windowMs: number;
  burstRequests: number;
  burstWindowMs: number;
}

export const DEFAULT_SUSPICION: SuspicionRules = {
  failedLogins: 3,
  windowMs: 15 * 60_000,
  burstRequests: 100,
  burstWindowMs: 10_000,
};

export type SuspicionReason =
  | "repeated_failed_logins_ip"
  | "repeated_failed_logins_user"
  | "login_throttled"
  | "repeated_wrong_current_password"
  | "reauth_throttled"
  | "registration_throttled"
  | "revoked_token"
  | "expired_token"
  | "invalid_admin_token"
  | "admin_token_account_gone"
  | "burst";

/** Counts requests per IP and says when one crosses the burst line. */
export class BurstDetector {
  readonly #window: SlidingWindow;
  readonly #limit: number;

  constructor(rules: SuspicionRules) {
    this.#window = new SlidingWindow(rules.burstWindowMs);
    this.#limit = rules.burstRequests;
  }

  note(ip: string, nowMs: number): SuspicionReason | null {
    const n = this.#window.add(ip, nowMs);
    return n >= this.#limit && (n - this.#limit) % this.#limit === 0 ? "burst" : null;
  }
}

/** The reason to flag a failed login given the failures counted so far, or null. */
export function failedLoginReason(
  rules: SuspicionRules,
  counts: { ip: number; username: number },
): SuspicionReason | null {
  if (counts.ip >= rules.failedLogins) return "repeated_failed_logins_ip";
  if (counts.username >= rules.failedLogins) return "repeated_failed_logins_user";
  return null;
}
