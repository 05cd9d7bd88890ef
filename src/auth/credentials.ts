/**
 * Sessions and API tokens: issuing them, and turning a presented secret back into an
 * Identity. Both store only the SHA-256 of the secret. A revoked or expired secret is
 * refused at once and the refusal is flagged as suspicious in the audit log: rows read are
 * kept (identity-cache.ts) only until the credentials epoch moves, which every revocation and
 * user change does in every process on the database, and expiry is checked on every use.
 */
import type { CompiledQuery, Kysely } from "kysely";
import { isPostgres } from "../db/dialect";
import type { DB, Role } from "../db/schema";
import { ServiceError } from "../errors";
import type { AuthContext } from "./context";
import type { Identity, Via } from "./identity";
import type { CredentialKind } from "./identity-cache";
import { API_TOKEN_PREFIX, looksLikeSecret, newSecret, SESSION_PREFIX, sameSecret, sha256Hex } from "./secrets";

const DAY_MS = 86_400_000;
/** last_used_* is written at most this often per credential: a read-heavy client must not turn every request into a write. */
const TOUCH_EVERY_MS = 60_000;

export class CredentialRejected extends ServiceError {
  constructor(
    message: string,
    readonly reason: "revoked_token" | "expired_token" | "invalid_admin_token" | "admin_token_account_gone" | null,
  ) {
    super(401, "unauthorized", message, reason ? { reason } : null, { "WWW-Authenticate": 'Bearer realm="mlservice"' });
  }
}

export interface IssuedSession {
  id: number;
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export async function createSession(
  ctx: AuthContext,
  userId: number,
  client: { ip: string; userAgent: string | null },
): Promise<IssuedSession> {
  const now = ctx.now();
  const token = newSecret(SESSION_PREFIX);
  const csrfToken = newSecret("");
  const expiresAt = new Date(now.getTime() + ctx.config.ML_SESSION_EXPIRY_DAYS * DAY_MS).toISOString();
  const { id } = await ctx.db
    .insertInto("sessions")
    .values({
      user_id: userId,
      token_hash: sha256Hex(token),
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 256) ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id, token, csrfToken, expiresAt };
}

export async function createApiToken(ctx: AuthContext, userId: number, name: string, days: number) {
  const now = ctx.now();
  const token = newSecret(API_TOKEN_PREFIX);
  const row = await ctx.db
    .insertInto("api_tokens")
    .values({
      user_id: userId,
      name,
      token_hash: sha256Hex(token),
      // enough to tell tokens apart in a list, far too little to guess the rest (≥ 250 bits remain)
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + days * DAY_MS).toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, token };
}

interface UserPart {
  user_id: number;
  username: string;
  role: Role;
  is_active: number;
  must_change_password: number;
  deleted_at: string | null;
}

function checkUsable(row: { revoked_at: string | null; expires_at: string } & UserPart, now: Date, what: string): void {
  if (row.revoked_at !== null) throw new CredentialRejected(`this ${what} was revoked`, "revoked_token");
  if (row.expires_at <= now.toISOString()) throw new CredentialRejected(`this ${what} has expired`, "expired_token");
  // the same words as a wrong token: a disabled account is not announced
  if (row.deleted_at !== null || row.is_active !== 1) throw new CredentialRejected(`invalid ${what}`, null);
}

const USER_COLUMNS = ["username", "role", "is_active", "must_change_password", "deleted_at"] as const;

function sessionQuery(db: Kysely<DB>, hash: string) {
  return db
    .selectFrom("sessions")
    .select(["id", "user_id", "csrf_token", "expires_at", "revoked_at", "last_used_at"])
    .where("token_hash", "=", hash);
}

function apiTokenQuery(db: Kysely<DB>, hash: string) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "user_id", "name", "expires_at", "revoked_at", "last_used_at", "last_used_ip"])
    .where("token_hash", "=", hash);
}

function sessionUserQuery(db: Kysely<DB>, hash: string) {
  return db
    .selectFrom("sessions as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .select(["c.id", "c.user_id", "c.csrf_token", "c.expires_at", "c.revoked_at", "c.last_used_at"])
    .select(USER_COLUMNS.map((k) => `u.${k}` as const))
    .where("c.token_hash", "=", hash);
}

function apiTokenUserQuery(db: Kysely<DB>, hash: string) {
  return db
    .selectFrom("api_tokens as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .select(["c.id", "c.user_id", "c.name", "c.expires_at", "c.revoked_at", "c.last_used_at", "c.last_used_ip"])
    .select(USER_COLUMNS.map((k) => `u.${k}` as const))
    .where("c.token_hash", "=", hash);
}

function userQuery(db: Kysely<DB>, id: number) {
  return db.selectFrom("users").select(USER_COLUMNS).where("id", "=", id);
}

/**
 * Every authenticated request runs two of the lookups above (credential by hash, then its user).
 * With prepared queries (db/stores.ts), the SQL Kysely built is kept and run as a cached prepared statement:
 * building the query cost more than running it. Two single-table lookups, not a join: in this
 * SQLite a two-table join costs ~15–30 µs, each lookup ~2 µs (measured with bun:sqlite here).
 */
const builtSql = new WeakMap<object, Map<string, string>>();
async function firstRow<P extends string | number, R>(
  ctx: AuthContext,
  param: P,
  build: (db: Kysely<DB>, param: P) => { compile(): CompiledQuery<R>; executeTakeFirst(): Promise<R | undefined> },
): Promise<R | undefined> {
  if (!ctx.queries) return build(ctx.db, param).executeTakeFirst();
  // the SQL text does not depend on the value, which is its one bound parameter
  // per database handle: SQLite and PostgreSQL compile the same query to different text
  let built = builtSql.get(ctx.queries);
  if (!built) {
    built = new Map();
    builtSql.set(ctx.queries, built);
  }
  let sql = built.get(build.name);
  if (sql === undefined) {
    sql = build(ctx.db, param).compile().sql;
    built.set(build.name, sql);
  }
  return ctx.queries.first<R>(sql, [param]);
}

/**
 * A credential by its hash with its user's columns, or undefined when either is gone: two
 * lookups on SQLite (cheaper there than a join, above), one joined query on PostgreSQL, where
 * each query is a round trip to the server (~0.3 ms on loopback).
 */
async function credential<T extends { user_id: number }>(
  ctx: AuthContext,
  hash: string,
  alone: (db: Kysely<DB>, hash: string) => { compile(): CompiledQuery<T>; executeTakeFirst(): Promise<T | undefined> },
  joined: (
    db: Kysely<DB>,
    hash: string,
  ) => { compile(): CompiledQuery<T & UserPart>; executeTakeFirst(): Promise<(T & UserPart) | undefined> },
) {
  if (isPostgres(ctx.db)) return firstRow(ctx, hash, joined);
  return withUser(ctx, await firstRow(ctx, hash, alone));
}

/**
 * `credential` through the identity cache: a hit costs a map lookup and one read of the epoch.
 * The epoch is read before the row, so a change committed after the read moves it past the
 * entry's. An unknown secret is not kept: its refusal costs one indexed lookup, each time.
 */
async function cachedCredential<T extends { user_id: number }>(
  ctx: AuthContext,
  kind: CredentialKind,
  hash: string,
  alone: Parameters<typeof credential<T>>[2],
  joined: Parameters<typeof credential<T>>[3],
): Promise<(T & UserPart) | undefined> {
  const cache = ctx.identities;
  const epoch = cache.begin();
  const hit = cache.get<T & UserPart>(kind, hash);
  if (hit) return hit;
  const row = await credential(ctx, hash, alone, joined);
  if (row) cache.set(kind, hash, row, epoch);
  return row;
}

/** A credential row joined with its user's columns, or undefined when either is gone. */
async function withUser<T extends { user_id: number }>(ctx: AuthContext, credential: T | undefined) {
  if (!credential) return undefined;
  const user = await firstRow(ctx, credential.user_id, userQuery);
  return user ? { ...credential, ...user } : undefined;
}

export async function identifySession(ctx: AuthContext, token: string, via: Via): Promise<Identity> {
  if (!looksLikeSecret(token, SESSION_PREFIX)) throw new CredentialRejected("invalid session token", null);
  const row = await cachedCredential(ctx, "session", sha256Hex(token), sessionQuery, sessionUserQuery);
  if (!row) throw new CredentialRejected("invalid session token", null);
  const now = ctx.now();
  checkUsable(row, now, "session");
  if (stale(row.last_used_at, now)) {
    const at = now.toISOString();
    await ctx.db.updateTable("sessions").set({ last_used_at: at }).where("id", "=", row.id).execute();
    // the cached row too: the next hit must not write again before TOUCH_EVERY_MS
    row.last_used_at = at;
  }
  return {
    userId: row.user_id,
    username: row.username,
    role: row.role,
    mustChangePassword: row.must_change_password === 1,
    via,
    sessionId: row.id,
    tokenId: null,
    tokenName: null,
    csrfToken: row.csrf_token,
  };
}

export async function identifyApiToken(ctx: AuthContext, token: string, ip: string): Promise<Identity> {
  if (!looksLikeSecret(token, API_TOKEN_PREFIX)) throw new CredentialRejected("invalid API token", null);
  const row = await cachedCredential(ctx, "api_token", sha256Hex(token), apiTokenQuery, apiTokenUserQuery);
  if (!row) throw new CredentialRejected("invalid API token", null);
  const now = ctx.now();
  checkUsable(row, now, "API token");
  if (row.last_used_ip !== ip || stale(row.last_used_at, now)) {
    const at = now.toISOString();
    await ctx.db
      .updateTable("api_tokens")
      .set({ last_used_at: at, last_used_ip: ip })
      .where("id", "=", row.id)
      .execute();
    // the cached row too: the next hit must not write again before TOUCH_EVERY_MS
    row.last_used_at = at;
    row.last_used_ip = ip;
  }
  return {
    userId: row.user_id,
    username: row.username,
    role: row.role,
    mustChangePassword: row.must_change_password === 1,
    via: "api_token",
    sessionId: null,
    tokenId: row.id,
    tokenName: row.name,
    csrfToken: null,
  };
}

/**
 * The user X-Admin-Token acts as: ML_ADMIN_USERNAME, and only while that account is an
 * active system_admin. Never another account: after a demotion, "the first system admin"
 * would be whoever happens to have the lowest id, and the token's actions would be
 * recorded under their name.
 */
export async function adminTokenUser(db: Kysely<DB>, username: string) {
  return db
    .selectFrom("users")
    .select(["id", "username"])
    .where("username", "=", username)
    .where("role", "=", "system_admin")
    .where("is_active", "=", 1)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

function stale(lastUsed: string | null, now: Date): boolean {
  return lastUsed === null || now.getTime() - Date.parse(lastUsed) >= TOUCH_EVERY_MS;
}

/** `X-Admin-Token` (or the /ws `?token=` holding it): compared in constant time; acts as ML_ADMIN_USERNAME. */
export async function identifyAdminToken(ctx: AuthContext, token: string): Promise<Identity> {
  const expected = ctx.config.ML_ADMIN_API_TOKEN;
  if (!expected || !sameSecret(token, expected))
    throw new CredentialRejected("invalid X-Admin-Token", "invalid_admin_token");
  const name = ctx.config.ML_ADMIN_USERNAME;
  const user = await adminTokenUser(ctx.db, name);
  if (!user) {
    throw new CredentialRejected(
      `X-Admin-Token acts as ML_ADMIN_USERNAME (${name}), which is not an active system_admin; ` +
        "point ML_ADMIN_USERNAME at one",
      "admin_token_account_gone",
    );
  }
  return {
    userId: user.id,
    username: user.username,
    role: "system_admin",
    mustChangePassword: false,
    via: "admin_token",
    sessionId: null,
    tokenId: null,
    tokenName: null,
    csrfToken: null,
  };
}
