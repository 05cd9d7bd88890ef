/**
 * `/auth/tokens`: named API tokens for scripts. The secret is in the creation response only;
 * the service keeps its SHA-256. Each user manages their own; a system_admin may also revoke
 * or delete anyone's, an admin those of plain users (incident response).
 */
import { Hono } from "hono";
import type { Selectable } from "kysely";
import * as v from "valibot";
import type { AuthContext } from "../../auth/context";
import { createApiToken } from "../../auth/credentials";
import type { Identity } from "../../auth/identity";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { assertCanManage, findUserById } from "../../auth/users";
import type { ApiTokensTable } from "../../db/schema";
import { noteAudit } from "../../events/audit";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { strictBody } from "../strict-body";
import { jsonBody, pathParam, queryParams } from "../validate";

const TokenName = v.pipe(
  v.string("a string"),
  v.trim(),
  v.minLength(1, "1 to 64 characters"),
  v.maxLength(64, "1 to 64 characters"),
  v.regex(/^[\p{L}\p{N} _.:@-]+$/u, "letters, digits, spaces and _ . : @ -"),
);
const intParam = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.transform(Number), v.minValue(min), v.maxValue(max)),
    String(fallback),
  );
const ListQuery = v.object({ limit: intParam(1, 1000, 100), offset: intParam(0, 1e9, 0) });
const TokenId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "a token id"), v.transform(Number));

function shown(t: Selectable<ApiTokensTable>, now: string) {
  const status = t.revoked_at ? "revoked" : t.expires_at <= now ? "expired" : "active";
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    status,
    created_at: t.created_at,
    expires_at: t.expires_at,
    last_used_at: t.last_used_at,
    last_used_ip: t.last_used_ip,
    revoked_at: t.revoked_at,
  };
}

export function tokensRoutes(ctx: AuthContext) {
  const CreateTokenBody = strictBody({
    name: TokenName,
    expires_in_days: v.optional(
      v.pipe(
        v.number("a number of days"),
        v.integer("a whole number of days"),
        v.minValue(1, "at least 1"),
        v.maxValue(
          ctx.config.ML_TOKEN_EXPIRY_DAYS,
          `at most ML_TOKEN_EXPIRY_DAYS (${ctx.config.ML_TOKEN_EXPIRY_DAYS})`,
        ),
      ),
    ),
  });

  /** The token if the caller owns it or manages its owner; 404 otherwise (no hint it exists). */
  const manageable = async (identity: Identity, raw: string) => {
    const token = await ctx.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("id", "=", pathParam("id", TokenId, raw))
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!token) throw notFound("API token");
    if (token.user_id !== identity.userId) {
      const owner = await findUserById(ctx.db, token.user_id);
      try {
        assertCanManage(identity, owner ?? { role: "system_admin" });
      } catch {
        throw notFound("API token");
      }
    }
    return token;
  };

  return new Hono<AppEnv>()
    .post("/auth/tokens", requireRole("user"), jsonBody(CreateTokenBody), async (c) => {
      const identity = signedIn(c);
      const body = c.req.valid("json");
      const days = body.expires_in_days ?? ctx.config.ML_TOKEN_EXPIRY_DAYS;
      const { row, token } = await createApiToken(ctx, identity.userId, body.name, days);
      noteAudit(c, {
        type: "auth:token_created",
        output: { token_id: row.id, name: row.name, expires_at: row.expires_at },
      });
      return c.json(
        { ...shown(row, ctx.now().toISOString()), token, note: "store this token now: it is not shown again" },
        201,
      );
    })
    .get("/auth/tokens", requireRole("user"), queryParams(ListQuery), async (c) => {
      const q = c.req.valid("query");
      const mine = ctx.db
        .selectFrom("api_tokens")
        .where("user_id", "=", signedIn(c).userId)
        .where("deleted_at", "is", null);
      const { total } = await mine.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
      const rows = await mine.selectAll().orderBy("id", "desc").limit(q.limit).offset(q.offset).execute();
      const now = ctx.now().toISOString();
      return c.json({ items: rows.map((r) => shown(r, now)), total: Number(total), limit: q.limit, offset: q.offset });
    })
    .post("/auth/tokens/:id/revoke", requireRole("user"), async (c) => {
      const token = await manageable(signedIn(c), c.req.param("id"));
      const at = token.revoked_at ?? ctx.now().toISOString();
      await ctx.db.updateTable("api_tokens").set({ revoked_at: at }).where("id", "=", token.id).execute();
      noteAudit(c, { type: "auth:token_revoked", output: { token_id: token.id, name: token.name } });
      return c.json(shown({ ...token, revoked_at: at }, ctx.now().toISOString()));
    })
    .delete("/auth/tokens/:id", requireRole("user"), async (c) => {
      const token = await manageable(signedIn(c), c.req.param("id"));
      const at = ctx.now().toISOString();
      // kept as a revoked row: a later use of the secret is still recognised (and flagged) as revoked
      await ctx.db
        .updateTable("api_tokens")
        .set({ revoked_at: token.revoked_at ?? at, deleted_at: at })
        .where("id", "=", token.id)
        .execute();
      noteAudit(c, { type: "auth:token_deleted", output: { token_id: token.id, name: token.name } });
      return c.json({ deleted: true, id: token.id });
    });
}
