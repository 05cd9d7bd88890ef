/** Builds the real app over an in-memory database, for `app.request()` tests. */

import type { Database } from "bun:sqlite";
import { type AppDeps, createAppDeps } from "../src/app-deps";
import { loadConfig } from "../src/config";
import { createKysely, openSqlite } from "../src/db/database";
import { migrate } from "../src/db/migrator";
import { sqliteStores } from "../src/db/sqlite/stores";
import { createApp } from "../src/http/app";
import { createLogger } from "../src/log";

export function testDeps(env: Record<string, string> = {}, logLines: string[] = []): AppDeps & { sqlite: Database } {
  const sqlite = openSqlite(":memory:");
  migrate(sqlite);
  const deps = createAppDeps({
    config: loadConfig({ ML_DB_PATH: ":memory:", ...env }),
    db: createKysely(sqlite),
    stores: sqliteStores(sqlite),
    log: createLogger("debug", (line) => logLines.push(line)),
    startedAt: new Date(Date.now() - 5000),
    describeCompute: async () => ({ backend: "cpu", device: "test", reason: "tests run on the CPU backend" }),
  });
  return { ...deps, sqlite };
}

export function testApp(env: Record<string, string> = {}) {
  const logLines: string[] = [];
  const deps = testDeps(env, logLines);
  return { app: createApp(deps), deps, logLines };
}
