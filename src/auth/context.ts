/**
 * Everything the auth and events routes share, built once per app: the clock (a dependency
 * so tests can move time), the password cost, the throttles and the event log.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import { NoEpoch } from "../db/credential-epoch";
import type { DB } from "../db/schema";
import type { DbStores, PreparedQueries } from "../db/stores";
import { EventBus } from "../events/bus";
import { EventLog } from "../events/log";
import { BurstDetector, DEFAULT_SUSPICION, type SuspicionRules } from "../events/suspicious";
import { SlidingWindow } from "../events/window";
import type { Logger } from "../log";
import { IdentityCache } from "./identity-cache";
import { DummyVerifier, type PasswordHashing, PRODUCTION_HASHING } from "./passwords";
import { DEFAULT_LOGIN_LIMITS, type LoginLimits, LoginThrottle } from "./throttle";

/** the window of ML_REGISTRATIONS_PER_IP_HOUR (register.ts) */
export const REGISTRATION_WINDOW_MS = 3_600_000;

export interface AuthOptions {
  now?: () => Date;
  bus?: EventBus;
  passwordHashing?: PasswordHashing;
  loginLimits?: LoginLimits;
  suspicion?: SuspicionRules;
}

export interface AuthContext {
  db: Kysely<DB>;
  /** prepared statements for what every request runs (credentials.ts, the audit log); Kysely without them */
  queries?: PreparedQueries | undefined;
  config: Config;
  log: Logger;
  now: () => Date;
  bus: EventBus;
  events: EventLog;
  hashing: PasswordHashing;
  dummy: DummyVerifier;
  throttle: LoginThrottle;
  /** wrong current passwords on one's own account changes (reauth.ts), counted apart from logins */
  reauth: LoginThrottle;
  /** registration attempts per IP over the last hour (register.ts) */
  registrations: SlidingWindow;
  suspicion: SuspicionRules;
  bursts: BurstDetector;
  /** credentials already read; every writer of a credential or user row calls `identities.changed()` */
  identities: IdentityCache;
}

/** What a writer of credential or user rows needs: the database and the cache it must tell. */
export type CredentialWriter = Pick<AuthContext, "db" | "identities">;

export function createAuthContext(
  base: {
    db: Kysely<DB>;
    stores?: Pick<DbStores, "queries" | "credentialEpoch"> | undefined;
    config: Config;
    log: Logger;
  },
  options: AuthOptions = {},
): AuthContext {
  const now = options.now ?? (() => new Date());
  const bus =
    options.bus ?? new EventBus((e, type) => base.log.error("event subscriber failed", { type, error: String(e) }));
  const hashing = options.passwordHashing ?? PRODUCTION_HASHING;
  const suspicion = options.suspicion ?? DEFAULT_SUSPICION;
  const queries = base.stores?.queries;
  return {
    ...base,
    queries,
    now,
    bus,
    events: new EventLog({ db: base.db, queries, bus, now, log: base.log }),
    hashing,
    dummy: new DummyVerifier(hashing),
    throttle: new LoginThrottle(options.loginLimits ?? DEFAULT_LOGIN_LIMITS),
    reauth: new LoginThrottle(options.loginLimits ?? DEFAULT_LOGIN_LIMITS),
    registrations: new SlidingWindow(REGISTRATION_WINDOW_MS),
    suspicion,
    bursts: new BurstDetector(suspicion),
    // without the database's shared epoch nothing tells this process of others' changes: no caching
    identities: new IdentityCache(base.stores?.credentialEpoch ?? new NoEpoch()),
  };
}
