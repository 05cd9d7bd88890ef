/**
 * The identity cache (src/auth/identity-cache.ts) must never let a changed credential through:
 * each test first uses a credential (so its identity is cached), then changes it the way a user,
 * an admin or the operator's CLI would, and expects the very next request to see the change.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IdentityCache, MAX_IDENTITIES, MAX_IDENTITY_AGE_MS } from "../../src/auth/identity-cache";
import { API_TOKEN_PREFIX, newSecret, sha256Hex } from "../../src/auth/secrets";
import { run } from "../../src/cli/user";
import { FileEpoch, LocalEpoch, NoEpoch } from "../../src/db/credential-epoch";
import { startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";

const DAY_MS = 86_400_000;
let t = Date.parse("2026-03-01T12:00:00.000Z");
let svc: Awaited<ReturnType<typeof startService>>;

beforeAll(async () => {
  svc = await startService({}, undefined, () => new Date(t));
});
afterAll(() => svc.close());

async function newToken(send: Awaited<ReturnType<typeof signedInUser>>["send"], name: string, days = 30) {
  const made = await send("/auth/tokens", { method: "POST", json: { name, expires_in_days: days } });
  expect(made.status).toBe(201);
  const token = made.body.token as string;
  const id = made.body.id as number;
  return { id, token, send: jsonWith(token) };
}

function jsonWith(token: string) {
  return async (path: string, o: { method?: string; json?: unknown } = {}) => {
    const res = await svc.app.request(path, {
      method: o.method ?? (o.json === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(o.json === undefined ? {} : { body: JSON.stringify(o.json) }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { details?: unknown } } };
  };
}

describe("the identity cache never outlives a change", () => {
  test("a used API token is refused on the next request once its owner or an admin revokes it", async () => {
    const alice = await signedInUser(svc, "alice");
    for (const by of ["owner", "admin"] as const) {
      const tok = await newToken(alice.send, `by-${by}`);
      expect((await tok.send("/auth/profile")).status).toBe(200);
      expect((await tok.send("/auth/profile")).status).toBe(200);
      const revoke = by === "owner" ? alice.send : svc.request;
      expect((await revoke(`/auth/tokens/${tok.id}/revoke`, { method: "POST", json: {} })).status).toBe(200);
      const refused = await tok.send("/auth/profile");
      expect(refused.status).toBe(401);
      expect(refused.body.error?.details).toEqual({ reason: "revoked_token" });
    }
    const deleted = await newToken(alice.send, "deleted");
    expect((await deleted.send("/auth/profile")).status).toBe(200);
    expect((await alice.send(`/auth/tokens/${deleted.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await deleted.send("/auth/profile")).status).toBe(401);
  });

  test("a demoted admin cannot act as one on the next request; a rename shows; a deactivated user is refused", async () => {
    const bob = await signedInUser(svc, "bob", "admin");
    const me = (await bob.send("/auth/profile")).body.user;
    expect((await bob.send("/auth/users")).status).toBe(200);
    expect((await svc.request(`/auth/users/${me.id}`, { method: "PUT", json: { role: "user" } })).status).toBe(200);
    expect((await bob.send("/auth/users")).status).toBe(403);

    expect((await svc.request(`/auth/users/${me.id}`, { method: "PUT", json: { username: "robert" } })).status).toBe(
      200,
    );
    expect((await bob.send("/auth/profile")).body.user.username).toBe("robert");

    const tok = await newToken(bob.send, "bobs");
    expect((await tok.send("/auth/profile")).status).toBe(200);
    expect((await svc.request(`/auth/users/${me.id}`, { method: "PUT", json: { is_active: false } })).status).toBe(200);
    expect((await tok.send("/auth/profile")).status).toBe(401);
    expect((await bob.send("/auth/profile")).status).toBe(401);
  });

  test("signing out, or `mlservice user passwd` on the same database file, ends a used session at once", async () => {
    const carol = await signedInUser(svc, "carol");
    expect((await carol.send("/auth/profile")).status).toBe(200);
    expect((await carol.send("/auth/logout", { method: "POST", json: {} })).status).toBe(200);
    expect((await carol.send("/auth/profile")).status).toBe(401);

    const dana = await signedInUser(svc, "dana");
    expect((await dana.send("/auth/profile")).status).toBe(200);
    const out: string[] = [];
    const code = await run(["passwd", "dana", "--password-stdin"], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      write: (l) => out.push(l),
      isTTY: false,
      env: { ML_DB_PATH: svc.config.ML_DB_PATH, ML_DATABASE_URL: svc.config.ML_DATABASE_URL, ML_LOG_LEVEL: "error" },
      cwd: svc.dir,
      readStdin: async () => "Newer-pass-2026\n",
    });
    expect({ code, out }).toEqual({ code: 0, out: ["password of dana changed; its sessions were ended"] });
    expect((await dana.send("/auth/profile")).status).toBe(401);
  });

  test("a cached token still expires on time, and last_used_at is still written once a minute", async () => {
    const erin = await signedInUser(svc, "erin");
    const tok = await newToken(erin.send, "short", 1);
    const lastUsed = async () =>
      (await svc.db.selectFrom("api_tokens").select("last_used_at").where("id", "=", tok.id).executeTakeFirstOrThrow())
        .last_used_at;
    const start = t;
    expect((await tok.send("/auth/profile")).status).toBe(200);
    expect(await lastUsed()).toBe(new Date(start).toISOString());
    t = start + 30_000;
    expect((await tok.send("/auth/profile")).status).toBe(200);
    expect(await lastUsed()).toBe(new Date(start).toISOString());
    t = start + 61_000;
    expect((await tok.send("/auth/profile")).status).toBe(200);
    expect(await lastUsed()).toBe(new Date(start + 61_000).toISOString());
    t = start + DAY_MS;
    const expired = await tok.send("/auth/profile");
    expect(expired.status).toBe(401);
    expect(expired.body.error?.details).toEqual({ reason: "expired_token" });
    t = start;
  });

  test("an unknown token is not remembered: once its row exists (another process made it) it works", async () => {
    const frank = await signedInUser(svc, "frank");
    const { id } = (await frank.send("/auth/profile")).body.user;
    const token = newSecret(API_TOKEN_PREFIX);
    const use = jsonWith(token);
    expect((await use("/auth/profile")).status).toBe(401);
    await svc.db
      .insertInto("api_tokens")
      .values({
        user_id: id,
        name: "elsewhere",
        token_hash: sha256Hex(token),
        prefix: token.slice(0, 10),
        created_at: new Date(t).toISOString(),
        expires_at: new Date(t + DAY_MS).toISOString(),
      })
      .execute();
    expect((await use("/auth/profile")).status).toBe(200);
  });
});

describe("IdentityCache", () => {
  test("holds at most MAX_IDENTITIES entries and none older than MAX_IDENTITY_AGE_MS", () => {
    let now = 0;
    const cache = new IdentityCache(new LocalEpoch(), () => now);
    const epoch = cache.begin();
    for (let i = 0; i < MAX_IDENTITIES + 50; i++) cache.set("api_token", `h${i}`, { i }, epoch);
    expect(cache.size).toBeLessThanOrEqual(MAX_IDENTITIES);
    expect(cache.size).toBeGreaterThan(0);
    cache.set("api_token", "fresh", { i: -1 }, epoch);
    expect(cache.get("api_token", "fresh")).toEqual({ i: -1 });
    expect(cache.get("session", "fresh")).toBeUndefined();
    now = MAX_IDENTITY_AGE_MS;
    expect(cache.get("api_token", "fresh")).toBeUndefined();
  });

  test("a move of the epoch drops every entry, and a row read before the move is not kept", () => {
    const epoch = new LocalEpoch();
    const cache = new IdentityCache(epoch);
    const before = cache.begin();
    cache.set("session", "a", { a: 1 }, before);
    expect(cache.get("session", "a")).toEqual({ a: 1 });
    epoch.bump();
    cache.set("session", "b", { b: 1 }, before);
    cache.begin();
    expect(cache.get("session", "a")).toBeUndefined();
    expect(cache.get("session", "b")).toBeUndefined();
  });
});

test("without an epoch (PostgreSQL) nothing is kept: every check reads its rows", () => {
  const cache = new IdentityCache(new NoEpoch());
  cache.set("api_token", "a", { a: 1 }, cache.begin());
  expect(cache.get("api_token", "a")).toBeUndefined();
  expect(cache.size).toBe(0);
});

describe("FileEpoch", () => {
  test("every mapping of the file sees the others' moves; opening it again does not reset it", () => {
    const dir = mkdtempSync(join(tmpdir(), "mls-epoch-"));
    try {
      const path = join(dir, "store.db.epoch");
      const a = new FileEpoch(path);
      const b = new FileEpoch(path);
      const start = a.read();
      b.bump();
      expect(a.read()).not.toBe(start);
      a.bump();
      const seen = b.read();
      expect(new FileEpoch(path).read()).toBe(seen);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
