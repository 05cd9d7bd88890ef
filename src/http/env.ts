/** What every handler can reach through `c.get(...)`. */
import type { Database } from "bun:sqlite";
import type { Kysely } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { Logger } from "../log";

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
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}
