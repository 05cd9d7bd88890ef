/** What every handler can reach through `c.get(...)`. */
import type { Database } from "bun:sqlite";
import type { Kysely } from "kysely";
import type { AuthOptions } from "../auth/context";
import type { Identity } from "../auth/identity";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { AuditNote } from "../events/audit-note";
import type { EventBus } from "../events/bus";
import type { Logger } from "../log";
import type { Runtime } from "../runtime";

export interface ComputeDescription {
  backend: "cpu" | "webgpu";
  device: string;
  reason: string;
}

/** The service's long-lived parts, built once by `serve` (or by a test) and handed to the app. */
export interface AppDeps {
  config: Config;
  db: Kysely<DB>;
  sqlite: Database;
  log: Logger;
  startedAt: Date;
  describeCompute: () => Promise<ComputeDescription>;
  /** the one in-process event bus (feeds /ws); createApp makes one when absent */
  bus?: EventBus;
  /** the clock for expiry and audit times; tests inject one to move time */
  now?: () => Date;
  /** password cost, login throttle, suspicion rules; production defaults when absent */
  auth?: Omit<AuthOptions, "now" | "bus">;
  /** jobs, serving models, prediction log; createApp builds one (not started) when absent */
  runtime?: Runtime;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** who the request acts as; unset for anonymous requests to public routes */
    identity: Identity | undefined;
    /** what the audit event of this request says beyond the defaults */
    audit: AuditNote | undefined;
    clientIp: string;
  };
}
