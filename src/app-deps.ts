/**
 * Everything the HTTP app and its routes use, built once and complete: the store, the clock,
 * the event bus, the runtime (jobs, serving models, prediction log) and the auth context
 * (throttles, event log). `serve` and tests build it with `createAppDeps`; each route then
 * takes the part it uses (`Pick<AppDeps, "db" | "now">`), so no route guesses a default.
 *
 * ```ts
 * const deps = createAppDeps({ config, db, stores, log, startedAt: new Date(), describeCompute });
 * const app = createApp(deps);
 * ```
 */
import type { Kysely } from "kysely";
import { type AuthContext, type AuthOptions, createAuthContext } from "./auth/context";
import type { Config } from "./config";
import type { DB } from "./db/schema";
import type { DbStores } from "./db/stores";
import { EventBus } from "./events/bus";
import type { Logger } from "./log";
import { createRuntime, type Runtime } from "./runtime";

export interface ComputeDescription {
  backend: "cpu" | "webgpu";
  device: string;
  reason: string;
  /** set when this process cannot train (the CPU kernels are not built): why, and what to run */
  cannot_train?: string;
}

/** What only the caller can give: the store, the logger, the start time, the compute probe. */
export interface AppBase {
  config: Config;
  db: Kysely<DB>;
  /** the hot-path stores of the same database (prediction log, drift windows, per-request queries) */
  stores: DbStores;
  log: Logger;
  startedAt: Date;
  describeCompute: () => Promise<ComputeDescription>;
}

/** The service's long-lived parts, all present. */
export interface AppDeps extends AppBase {
  /** the one in-process event bus (feeds /ws) */
  bus: EventBus;
  /** the clock for expiry and audit times; tests inject one to move time */
  now: () => Date;
  /** jobs, serving models, prediction log; `serve` starts it, the app does not */
  runtime: Runtime;
  /** sessions, tokens, throttles and the audit event log */
  auth: AuthContext;
}

/** The rest has production defaults that `serve` or a test may replace. */
export interface AppDepsInput extends AppBase {
  bus?: EventBus;
  now?: () => Date;
  runtime?: Runtime;
  /** password cost, login throttle, suspicion rules */
  auth?: Omit<AuthOptions, "now" | "bus">;
}

export function createAppDeps(input: AppDepsInput): AppDeps {
  const { bus: givenBus, now: givenNow, auth: authOptions, runtime: givenRuntime, ...base } = input;
  const bus =
    givenBus ?? new EventBus((e, type) => base.log.error("event subscriber failed", { type, error: String(e) }));
  const now = givenNow ?? (() => new Date());
  const runtime = givenRuntime ?? createRuntime({ ...base, bus, now });
  const auth = createAuthContext(base, { ...authOptions, now, bus });
  return { ...base, bus, now, runtime, auth };
}
