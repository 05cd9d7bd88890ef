/**
 * The whole service in-process: real app, started runtime (job runner, model cache, prediction
 * log), in-memory SQLite, temporary artifact and dataset folders, X-Admin-Token for requests.
 */

import type { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createAppDeps } from "../../src/app-deps";
import { bootstrapAdmin } from "../../src/auth/bootstrap";
import { createAuthContext } from "../../src/auth/context";
import { TEST_HASHING } from "../../src/auth/passwords";
import { loadConfig } from "../../src/config";
import { createKysely, enableWal, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { openDatabase } from "../../src/db/open";
import { sqliteStores } from "../../src/db/sqlite/stores";
import { EventBus } from "../../src/events/bus";
import { createApp } from "../../src/http/app";
import { websocket } from "../../src/http/ws";
import { createLogger } from "../../src/log";
import { createRuntime } from "../../src/runtime";
import { freshPostgres } from "../pg";
import { tempDir } from "../temp-dir";

export const ADMIN_TOKEN = "t".repeat(40);
export const DATA = join(import.meta.dir, "..", "..", "..", "shared", "data");

/** CSV → rows with numbers where a cell is numeric (the shared data has no quoting). */
export function csvRows(name: string): Record<string, string | number>[] {
  const [header, ...lines] = readFileSync(join(DATA, name), "utf8").trim().split("\n");
  const cols = (header as string).split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(
      cols.map((c, i) => [c, Number.isNaN(Number(cells[i])) ? (cells[i] as string) : Number(cells[i])]),
    );
  });
}

/**
 * `app.request` for JSON: sends `headers` on every call, a JSON body when `json` is given (POST
 * unless `method` says otherwise), and reads the answer as JSON where it is.
 */
export function jsonRequest(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  headers: Record<string, string>,
) {
  return async (
    path: string,
    o: { method?: string; json?: unknown } = {},
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  ): Promise<{ status: number; body: any; text: string; headers: Headers }> => {
    const res = await app.request(path, {
      method: o.method ?? (o.json !== undefined ? "POST" : "GET"),
      headers: o.json !== undefined ? { ...headers, "content-type": "application/json" } : headers,
      ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, text, headers: res.headers };
  };
}

/**
 * `reuseDir`: start again over the files a previous instance left (a restart). `logLines`:
 * collect the service log (debug and up) there instead of dropping it.
 */
export async function startService(
  env: Record<string, string> = {},
  reuseDir?: string,
  clock: () => Date = () => new Date(),
  logLines?: string[],
) {
  const dir = reuseDir ?? tempDir("mls-svc-");
  // ML_TEST_DIALECT=postgres runs every service of a suite on a fresh PostgreSQL database (a
  // restart over `reuseDir` finds it again), to try a whole suite on that dialect
  if (process.env.ML_TEST_DIALECT === "postgres" && !env.ML_DATABASE_URL) {
    const file = join(dir, "postgres-url");
    if (!existsSync(file)) writeFileSync(file, (await freshPostgres()).url);
    env = { ...env, ML_DATABASE_URL: readFileSync(file, "utf8") };
  }
  // ML_DATABASE_URL=postgres://… runs the service on PostgreSQL (test/pg.ts); `sqlite` is then absent
  const onPostgres = env.ML_DATABASE_URL?.startsWith("postgres") ?? false;
  const opened = onPostgres
    ? await openDatabase({
        ML_DB_PATH: "",
        ML_DATABASE_URL: env.ML_DATABASE_URL ?? "",
        ...(env.ML_DATABASE_TIMEOUT_MS ? { ML_DATABASE_TIMEOUT_MS: Number(env.ML_DATABASE_TIMEOUT_MS) } : {}),
      })
    : null;
  const sqlite = opened ? (undefined as unknown as Database) : openSqlite(join(dir, "store.db"));
  if (!opened) {
    migrate(sqlite);
    enableWal(sqlite);
  }
  const db = opened ? opened.db : createKysely(sqlite);
  const stores = opened ? opened.stores : sqliteStores(sqlite);
  const config = loadConfig({
    ML_DB_PATH: join(dir, "store.db"),
    ML_ARTIFACTS_ROOT: join(dir, "artifacts"),
    ML_DATASETS_ROOT: join(dir, "datasets"),
    ML_ADMIN_API_TOKEN: ADMIN_TOKEN,
    ML_ADMIN_PASSWORD: "Admin-pass-2025",
    ML_COMPUTE: "cpu",
    ...env,
  });
  const log = logLines ? createLogger("debug", (line) => logLines.push(line)) : createLogger("error", () => {});
  const bus = new EventBus();
  const now = clock;
  const runtime = createRuntime({ config, db, stores, log, bus, now });
  const auth = { passwordHashing: TEST_HASHING };
  const app = createApp(
    createAppDeps({
      config,
      db,
      stores,
      log,
      bus,
      now,
      runtime,
      auth,
      startedAt: new Date(),
      describeCompute: async () => ({ backend: "cpu", device: "test", reason: "test" }),
    }),
  );
  await bootstrapAdmin(createAuthContext({ db, config, log }, { ...auth, now, bus }), () => {});
  await runtime.start();

  const request = jsonRequest(app, { "x-admin-token": ADMIN_TOKEN });

  /** Polls GET /jobs/{id} until the job leaves queued/running (or `timeoutMs` passes). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read job views loosely
  async function waitJob(jobId: string, timeoutMs = 30_000): Promise<any> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = (await request(`/jobs/${jobId}`)).body;
      if ((job.status !== "queued" && job.status !== "running") || Date.now() > until) return job;
      await Bun.sleep(25);
    }
  }

  /** A real Bun.serve on a free port (WebSocket included), stopped by close(). */
  let server: ReturnType<typeof Bun.serve> | null = null;
  function listen() {
    server ??= Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, websocket });
    return { port: server.port as number, url: `http://127.0.0.1:${server.port}` };
  }

  /** `keepFiles`: stop like a clean shutdown and leave the database and artifacts for a restart. */
  async function close(keepFiles = false) {
    server?.stop(true);
    await runtime.stop(0);
    await db.destroy();
    if (!keepFiles) rmSync(dir, { recursive: true, force: true });
  }
  return { app, db, sqlite, stores, config, runtime, bus, dir, request, waitJob, listen, close };
}
