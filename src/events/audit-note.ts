/**
 * What a request's audit event says beyond the defaults. Domain operations take a
 * `note: (n: AuditNote) => void` callback instead of a request, so they can add to the
 * event (a failed login, a throttled re-authentication) without knowing about HTTP.
 */
import type { Identity } from "../auth/identity";
import type { SuspicionReason } from "./suspicious";

export interface AuditNote {
  type?: string;
  subject?: string | null;
  input?: unknown;
  output?: unknown;
  suspicious?: SuspicionReason | null;
  /** an identity that is not the request's (a login: the user who just signed in) */
  actor?: Identity;
}

/** Where a domain operation's notes go when nobody records them (the CLI, tests). */
export const ignoreNote = (_note: AuditNote): void => {};
