/**
 * A real app over an in-memory database with a movable clock, cheap argon2, a captured log
 * and a bootstrapped system admin. Requests come from `ip` through X-Forwarded-For
 * (ML_TRUST_PROXY=true), so tests can play several clients.
 */
import { createAppDeps } from "../../src/app-deps";
import { bootstrapAdmin } from "../../src/auth/bootstrap";
import { type AuthOptions, createAuthContext } from "../../src/auth/context";
import type { Role } from "../../src/auth/identity";
import { hashPassword, TEST_HASHING } from "../../src/auth/passwords";
import { insertUser } from "../../src/auth/users";
import { loadConfig } from "../../src/config";
import { createKysely, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { sqliteStores } from "../../src/db/sqlite/stores";
import { EventBus } from "../../src/events/bus";
import { EventLog } from "../../src/events/log";
import { createApp } from "../../src/http/app";
import { createLogger } from "../../src/log";

export const ADMIN = "admin";
export const ADMIN_PASSWORD = "Admin-pass-2025";
export const ADMIN_TOKEN = `${"x".repeat(16)}admin-token-for-tests-0123456789`;

export interface RequestOptions {
  method?: string;
  json?: unknown;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
}

export async function testApp(opts: { env?: Record<string, string>; auth?: Omit<AuthOptions, "now" | "bus"> } = {}) {
  const sqlite = openSqlite(":memory:");
  migrate(sqlite);
  const db = createKysely(sqlite);
  const config = loadConfig({
    ML_ADMIN_USERNAME: ADMIN,
    ML_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ML_ADMIN_API_TOKEN: ADMIN_TOKEN,
    ML_TRUST_PROXY: "true",
    ...opts.env,
  });
  const logLines: string[] = [];
  const printed: string[] = [];
  const log = createLogger("debug", (line) => logLines.push(line));
  let now = new Date("2025-01-01T00:00:00.000Z");
  const clock = {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
  const bus = new EventBus();
  const auth = { passwordHashing: TEST_HASHING, ...opts.auth };
  const app = createApp(
    createAppDeps({
      config,
      db,
      stores: sqliteStores(sqlite),
      log,
      startedAt: now,
      describeCompute: async () => ({ backend: "cpu", device: "test", reason: "test" }),
      bus,
      now: clock.now,
      auth,
    }),
  );
  const ctx = createAuthContext({ db, config, log }, { ...auth, now: clock.now, bus });
  const bootstrap = await bootstrapAdmin(ctx, (line) => printed.push(line));

  async function request(path: string, o: RequestOptions = {}) {
    const headers: Record<string, string> = { "x-forwarded-for": o.ip ?? "10.0.0.1", ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.json !== undefined) headers["content-type"] = "application/json";
    const res = await app.request(path, {
      method: o.method ?? (o.json !== undefined ? "POST" : "GET"),
      headers,
      body: o.json !== undefined ? JSON.stringify(o.json) : o.body,
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body, headers: res.headers, text };
  }

  async function login(username: string, password: string, ip?: string): Promise<string> {
    const res = await request("/auth/login", { json: { username, password }, ...(ip ? { ip } : {}) });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    return res.body.access_token as string;
  }

  async function createUser(username: string, role: Role = "user", password = `${username}-Pass-1234`) {
    const user = await insertUser(
      db,
      { username, passwordHash: await hashPassword(password, TEST_HASHING), role },
      clock.now(),
    );
    return { id: user.id, username, password };
  }

  const events = async () => {
    await EventLog.flushAll();
    return db.selectFrom("events").selectAll().orderBy("id").execute();
  };

  return { app, db, sqlite, config, clock, bus, logLines, printed, bootstrap, request, login, createUser, events, ctx };
}

export type TestApp = Awaited<ReturnType<typeof testApp>>;
