/**
 * What authentication costs: argon2id verifications per second with the production
 * parameters (one at a time, and 8 at once on Bun's thread pool), and the per-request
 * overhead of a token check and of the audit event, through app.request().
 *
 *   bun bench/auth.ts
 */
import { createAppDeps } from "../src/app-deps";
import { createAuthContext } from "../src/auth/context";
import { createApiToken, createSession } from "../src/auth/credentials";
import { hashPassword, PRODUCTION_HASHING, TEST_HASHING, verifyPassword } from "../src/auth/passwords";
import { insertUser } from "../src/auth/users";
import { loadConfig } from "../src/config";
import { createKysely, openSqlite } from "../src/db/database";
import { migrate } from "../src/db/migrator";
import { sqliteStores } from "../src/db/sqlite/stores";
import { createApp } from "../src/http/app";
import { publicRoute, requireRole } from "../src/http/middleware/route-access";
import { silentLogger } from "../src/log";

async function perSecond(n: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (n * 1000) / (performance.now() - t0);
}

async function microsPerCall(n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

export async function benchAuth(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};

  const adminToken = "b".repeat(40);
  const sqlite = openSqlite(":memory:");
  migrate(sqlite);
  const db = createKysely(sqlite);
  const config = loadConfig({ ML_ADMIN_API_TOKEN: adminToken });
  const app = createApp(
    createAppDeps({
      config,
      db,
      stores: sqliteStores(sqlite),
      log: silentLogger,
      startedAt: new Date(),
      describeCompute: async () => ({ backend: "cpu", device: "-", reason: "-" }),
      auth: { passwordHashing: TEST_HASHING },
    }),
  );
  app.get("/bench/open", publicRoute(), (c) => c.json({ ok: true }));
  app.get("/bench/closed", requireRole("user"), (c) => c.json({ ok: true }));
  const ctx = createAuthContext({ db, config, log: silentLogger }, { passwordHashing: TEST_HASHING });
  const user = await insertUser(
    db,
    { username: "bench", passwordHash: await hashPassword("Bench-pass-2025", TEST_HASHING), role: "system_admin" },
    new Date(),
  );
  const session = await createSession(ctx, user.id, { ip: "unknown", userAgent: null });
  const { token } = await createApiToken(ctx, user.id, "bench", 30);

  const get =
    (path: string, headers: Record<string, string> = {}) =>
    () =>
      app.request(path, { headers });
  // interleaved rounds, so that drift on a busy machine hits every kind alike
  const kinds: Record<string, () => unknown> = {
    request_us_public: get("/bench/open"),
    request_us_session: get("/bench/closed", { authorization: `Bearer ${session.token}` }),
    request_us_api_token: get("/bench/closed", { authorization: `Bearer ${token}` }),
    request_us_admin_token: get("/bench/closed", { "x-admin-token": adminToken }),
  };
  const rounds = 5;
  for (const k of Object.keys(kinds)) out[k] = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [k, fn] of Object.entries(kinds)) out[k] = (out[k] ?? 0) + (await microsPerCall(600, fn)) / rounds;
  }
  out.token_check_overhead_us = (out.request_us_session ?? 0) - (out.request_us_public ?? 0);
  out.audit_insert_us = await microsPerCall(3000, () =>
    ctx.events.record({ type: "http:request", source: "api", method: "GET", path: "/x", status: 200, input: { a: 1 } }),
  );
  sqlite.close();

  // argon2 last: its 64 MiB buffers and busy thread pool would slow the request timings above
  const hash = await hashPassword("Bench-pass-2025", PRODUCTION_HASHING);
  out.verify_per_s_single = await perSecond(8, () => verifyPassword("Bench-pass-2025", hash));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, () => verifyPassword("Bench-pass-2025", hash)));
  out.verify_per_s_concurrent16 = (16 * 1000) / (performance.now() - t0);
  return out;
}

if (import.meta.main) {
  const results = await benchAuth();
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${v.toFixed(1)}`);
}
