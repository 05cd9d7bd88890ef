/**
 * `/auth/tokens`: named API tokens for scripts. The secret is in the creation response only;
 * the service keeps its SHA-256. Each user manages their own; a system_admin may also revoke
 * or delete anyone's, an admin those of plain users (incident response).
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { AuthContext } from "../../auth/context";
import {
  createNamedToken,
  deleteApiToken,
  listOwnTokens,
  revokeApiToken,
  shownToken,
  type TokenAction,
  TokenName,
} from "../../auth/tokens";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, pathParam, queryParams } from "../validate";
import { page, Timestamp } from "./shapes";

const intParam = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.toNumber(), v.integer(), v.minValue(min), v.maxValue(max)),
    String(fallback),
  );
const ListQuery = v.object({ limit: intParam(1, 1000, 100), offset: intParam(0, 1e9, 0) });
const ID = { params: { id: v.pipe(v.number(), v.integer(), v.minValue(1)) } };
const Token = v.object({
  id: v.number(),
  name: v.string(),
  prefix: v.string(),
  status: v.picklist(["active", "expired", "revoked"]),
  created_at: Timestamp,
  expires_at: v.nullable(Timestamp),
  last_used_at: v.nullable(Timestamp),
  last_used_ip: v.nullable(v.string()),
  revoked_at: v.nullable(Timestamp),
});
const NewToken = v.object({ ...Token.entries, token: v.string(), note: v.string() });
const TokenId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "a token id"), v.transform(Number));

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

  const action = (c: Context<AppEnv>): TokenAction => ({
    actor: signedIn(c),
    tokenId: pathParam("id", TokenId, c.req.param("id")),
    note: (n) => noteAudit(c, n),
  });

  return new Hono<AppEnv>()
    .post(
      "/auth/tokens",
      requireRole("user"),
      jsonBody(CreateTokenBody),
      responds({ 201: NewToken }, { errors: [409] }),
      async (c) => {
        const body = c.req.valid("json");
        const days = body.expires_in_days ?? ctx.config.ML_TOKEN_EXPIRY_DAYS;
        const { row, token } = await createNamedToken(ctx, {
          actor: signedIn(c),
          name: body.name,
          days,
          note: (n) => noteAudit(c, n),
        });
        return c.json(
          { ...shownToken(row, ctx.now()), token, note: "store this token now: it is not shown again" },
          201,
        );
      },
    )
    .get("/auth/tokens", requireRole("user"), queryParams(ListQuery), responds({ 200: page(Token) }), async (c) => {
      const q = c.req.valid("query");
      const page = await listOwnTokens(ctx.db, signedIn(c).userId, q);
      const now = ctx.now();
      return c.json({
        items: page.items.map((r) => shownToken(r, now)),
        total: page.total,
        limit: q.limit,
        offset: q.offset,
      });
    })
    .post("/auth/tokens/:id/revoke", requireRole("user"), responds({ 200: Token }, ID), async (c) => {
      const token = await revokeApiToken(ctx, action(c));
      return c.json(shownToken(token, ctx.now()));
    })
    .delete(
      "/auth/tokens/:id",
      requireRole("user"),
      responds({ 200: v.object({ deleted: v.literal(true), id: v.number() }) }, ID),
      async (c) => {
        const deleted = await deleteApiToken(ctx, action(c));
        return c.json({ deleted: true, id: deleted.id });
      },
    );
}
