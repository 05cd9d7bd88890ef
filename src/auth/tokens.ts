/**
 * Named API tokens once issued (credentials.ts issues and checks them): listing one's own,
 * and revoking or deleting a token its owner, or an admin who manages the owner, may touch.
 * The API and the profile page call the same operations.
 */
import type { Kysely, Selectable } from "kysely";
import * as v from "valibot";
import type { ApiTokensTable, DB } from "../db/schema";
import { notFound } from "../errors";
import type { AuditNote } from "../events/audit-note";
import type { AuthContext } from "./context";
import { createApiToken } from "./credentials";
import type { Identity } from "./identity";
import { assertCanManage, findUserById } from "./users";

export type ApiTokenRow = Selectable<ApiTokensTable>;

/** A token's name as its owner gives it (API and profile form alike). */
export const TokenName = v.pipe(
  v.string("a string"),
  v.trim(),
  v.minLength(1, "1 to 64 characters"),
  v.maxLength(64, "1 to 64 characters"),
  v.regex(/^[\p{L}\p{N} _.:@-]+$/u, "letters, digits, spaces and _ . : @ -"),
);
export type TokenStatus = "active" | "expired" | "revoked";

export function tokenStatus(t: ApiTokenRow, now: Date): TokenStatus {
  return t.revoked_at ? "revoked" : t.expires_at <= now.toISOString() ? "expired" : "active";
}

/** What the API shows of a token; never its hash. */
export function shownToken(t: ApiTokenRow, now: Date) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    status: tokenStatus(t, now),
    created_at: t.created_at,
    expires_at: t.expires_at,
    last_used_at: t.last_used_at,
    last_used_ip: t.last_used_ip,
    revoked_at: t.revoked_at,
  };
}

/** The user's tokens not deleted, newest first; `page` limits them (the API pages, the profile shows all). */
export async function listOwnTokens(
  db: Kysely<DB>,
  userId: number,
  page?: { limit: number; offset: number },
): Promise<{ items: ApiTokenRow[]; total: number }> {
  const mine = db.selectFrom("api_tokens").where("user_id", "=", userId).where("deleted_at", "is", null);
  const { total } = await mine.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  let rows = mine.selectAll().orderBy("id", "desc");
  if (page) rows = rows.limit(page.limit).offset(page.offset);
  return { items: await rows.execute(), total: Number(total) };
}

/** The token if `actor` owns it or manages its owner; 404 otherwise (no hint it exists). */
export async function manageableToken(db: Kysely<DB>, actor: Identity, tokenId: number): Promise<ApiTokenRow> {
  const token = await db
    .selectFrom("api_tokens")
    .selectAll()
    .where("id", "=", tokenId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (!token) throw notFound("API token");
  if (token.user_id !== actor.userId) {
    const owner = await findUserById(db, token.user_id);
    try {
      assertCanManage(actor, owner ?? { role: "system_admin" });
    } catch {
      throw notFound("API token");
    }
  }
  return token;
}

export interface TokenAction {
  actor: Identity;
  tokenId: number;
  note: (note: AuditNote) => void;
}

/** Revokes the token (kept revoked if it already was); returns it as now stored. */
export async function revokeApiToken(ctx: AuthContext, a: TokenAction): Promise<ApiTokenRow> {
  const token = await manageableToken(ctx.db, a.actor, a.tokenId);
  const at = token.revoked_at ?? ctx.now().toISOString();
  await ctx.db.updateTable("api_tokens").set({ revoked_at: at }).where("id", "=", token.id).execute();
  ctx.identities.changed();
  a.note({ type: "auth:token_revoked", output: { token_id: token.id, name: token.name } });
  return { ...token, revoked_at: at };
}

/**
 * Deletes the token from every list; the row stays, revoked, so a later use of the secret
 * is still recognised (and flagged) as revoked.
 */
export async function deleteApiToken(ctx: AuthContext, a: TokenAction): Promise<{ id: number }> {
  const token = await manageableToken(ctx.db, a.actor, a.tokenId);
  const at = ctx.now().toISOString();
  await ctx.db
    .updateTable("api_tokens")
    .set({ revoked_at: token.revoked_at ?? at, deleted_at: at })
    .where("id", "=", token.id)
    .execute();
  ctx.identities.changed();
  a.note({ type: "auth:token_deleted", output: { token_id: token.id, name: token.name } });
  return { id: token.id };
}

/** Issues a token for the actor; the secret is in the answer only. */
export async function createNamedToken(
  ctx: AuthContext,
  a: { actor: Identity; name: string; days: number; note: (note: AuditNote) => void },
): Promise<{ row: ApiTokenRow; token: string }> {
  const issued = await createApiToken(ctx, a.actor.userId, a.name, a.days);
  const { row } = issued;
  a.note({ type: "auth:token_created", output: { token_id: row.id, name: row.name, expires_at: row.expires_at } });
  return issued;
}
