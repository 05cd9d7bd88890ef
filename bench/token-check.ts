/**
 * The token check of every authenticated request (identifyApiToken), with the identity cache
 * and without it (NoEpoch: the two indexed reads every request made before the
 * cache, as PostgreSQL still does), and the refusal of an unknown token. Over an SQLite file, so
 * the epoch is the shared mapped counter the service uses. Rounds alternate the variants; the
 * median of the rounds' means is shown, in µs per call.
 *
 *   bun run bench:token-check
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthContext } from "../src/auth/context";
import { createApiToken, identifyApiToken } from "../src/auth/credentials";
import { TEST_HASHING } from "../src/auth/passwords";
import { API_TOKEN_PREFIX, newSecret } from "../src/auth/secrets";
import { insertUser } from "../src/auth/users";
import { loadConfig } from "../src/config";
import { NoEpoch } from "../src/db/credential-epoch";
import { openSqliteDatabase } from "../src/db/sqlite/open";
import { silentLogger } from "../src/log";

const CALLS = 5000;
const ROUNDS = 9;

const dir = mkdtempSync(join(tmpdir(), "mls-token-bench-"));
const opened = openSqliteDatabase(join(dir, "store.db"));
try {
  const config = loadConfig({ ML_DB_PATH: join(dir, "store.db") });
  const base = { db: opened.db, config, log: silentLogger };
  const cached = createAuthContext({ ...base, stores: opened.stores }, { passwordHashing: TEST_HASHING });
  const uncached = createAuthContext(
    { ...base, stores: { ...opened.stores, credentialEpoch: new NoEpoch() } },
    { passwordHashing: TEST_HASHING },
  );
  const user = await insertUser(opened.db, { username: "bench", passwordHash: "x", role: "user" }, new Date());
  const { token } = await createApiToken(cached, user.id, "bench", 30);
  const unknown = newSecret(API_TOKEN_PREFIX);
  const refused = (ctx: typeof cached) => () => identifyApiToken(ctx, unknown, "127.0.0.1").catch(() => undefined);
  const variants: Record<string, () => Promise<unknown>> = {
    "cached (a client's repeated requests)": () => identifyApiToken(cached, token, "127.0.0.1"),
    "nothing cached (before; PostgreSQL)": () => identifyApiToken(uncached, token, "127.0.0.1"),
    "unknown token refused": refused(cached),
  };
  const means: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      for (let i = 0; i < 200; i++) await fn();
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) await fn();
      const us = ((performance.now() - t0) * 1000) / CALLS;
      means[name] = [...(means[name] ?? []), us];
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const before = median(means["nothing cached (before; PostgreSQL)"] as number[]);
  console.log(`token check, µs per call (median of ${ROUNDS} rounds of ${CALLS})`);
  console.table(
    Object.fromEntries(
      Object.entries(means).map(([name, xs]) => [
        name,
        { µs: median(xs).toFixed(2), "vs nothing cached": (median(xs) / before).toFixed(2) },
      ]),
    ),
  );
} finally {
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
}
