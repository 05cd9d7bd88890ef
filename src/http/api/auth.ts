/**
 * `/auth/*` for one's own account: register, login, logout, user-info, profile, password,
 * username, delete. Each route declares who may call it (routes-policy.ts).
 */
import { type Context, Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import * as v from "valibot";
import type { AuthContext } from "../../auth/context";
import { login } from "../../auth/login";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../auth/middleware";
import { assertPasswordRules, hashPassword, verifyPassword } from "../../auth/passwords";
import { confirmCurrentPassword } from "../../auth/reauth";
import { registerUser } from "../../auth/register";
import { publicRoute, requireRole, signedIn } from "../../auth/routes-policy";
import {
  assertNotLastSystemAdmin,
  findLiveUser,
  findUserById,
  Password,
  publicUser,
  revokeCredentials,
  Username,
  type UserRow,
} from "../../auth/users";
import { noteAudit } from "../../events/audit";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { strictBody } from "../strict-body";
import { jsonBody, parseInput, readJson } from "../validate";

const RegisterBody = strictBody({ username: Username, password: Password });
/** Login takes any string up to the limit: a username that could never exist is just a failed login. */
const LoginBody = v.object({
  username: v.pipe(v.string("a string"), v.minLength(1, "required"), v.maxLength(256, "at most 256 characters")),
  password: Password,
  cookie: v.optional(v.boolean("true or false"), false),
});
const PasswordBody = strictBody({ current_password: Password, new_password: Password });
const UsernameBody = strictBody({ new_username: Username, current_password: Password });
const DeleteBody = strictBody({ current_password: Password });

export function authRoutes(ctx: AuthContext) {
  const me = async (id: number) => {
    const user = await findUserById(ctx.db, id);
    if (!user || user.deleted_at) throw new ApiError(401, "unauthorized", "this account no longer exists");
    return user;
  };
  const checkCurrent = (c: Context<AppEnv>, user: UserRow, password: string) =>
    confirmCurrentPassword(ctx, { user, password, ip: c.get("clientIp"), note: (n) => noteAudit(c, n) });

  return new Hono<AppEnv>()
    .post("/auth/register", publicRoute(), jsonBody(RegisterBody), async (c) => {
      const body = c.req.valid("json");
      const user = await registerUser(ctx, { ...body, ip: c.get("clientIp"), note: (n) => noteAudit(c, n) });
      return c.json({ user: publicUser(user) }, 201);
    })
    .post("/auth/login", publicRoute(), async (c) => {
      const isForm = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(
        c.req.header("content-type") ?? "",
      );
      const raw = isForm ? { ...(await c.req.parseBody()), cookie: true } : await readJson(c);
      const body = parseInput("body", LoginBody, raw);
      return c.json(await login(ctx, c, body));
    })
    .post("/auth/logout", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = c.get("identity");
      let revoked = false;
      if (identity?.sessionId != null) {
        const r = await ctx.db
          .updateTable("sessions")
          .set({ revoked_at: ctx.now().toISOString() })
          .where("id", "=", identity.sessionId)
          .where("revoked_at", "is", null)
          .executeTakeFirst();
        revoked = Number(r.numUpdatedRows) > 0;
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      deleteCookie(c, CSRF_COOKIE, { path: "/" });
      noteAudit(c, { type: "auth:logout" });
      return c.json({ logged_out: true, session_revoked: revoked });
    })
    .get("/auth/user-info", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = signedIn(c);
      const user = await me(identity.userId);
      return c.json({ ...publicUser(user), via: identity.via, token_name: identity.tokenName });
    })
    .get("/auth/profile", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = signedIn(c);
      const user = await me(identity.userId);
      const now = ctx.now().toISOString();
      const count = (table: "sessions" | "api_tokens") =>
        ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("user_id", "=", user.id)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", now)
          .executeTakeFirstOrThrow();
      const [sessions, tokens] = await Promise.all([count("sessions"), count("api_tokens")]);
      return c.json({
        user: publicUser(user),
        active_sessions: Number(sessions.n),
        active_api_tokens: Number(tokens.n),
      });
    })
    .put(
      "/auth/profile/password",
      requireRole("user", { beforePasswordChange: true }),
      jsonBody(PasswordBody),
      async (c) => {
        const identity = signedIn(c);
        const body = c.req.valid("json");
        const user = await me(identity.userId);
        await checkCurrent(c, user, body.current_password);
        assertPasswordRules(body.new_password, user.username, "new_password");
        if (await verifyPassword(body.new_password, user.password_hash)) {
          throw new ApiError(422, "validation_failed", "new_password must differ from the current one", [
            { path: "new_password", message: "same as the current password" },
          ]);
        }
        const hash = await hashPassword(body.new_password, ctx.hashing);
        await ctx.db
          .updateTable("users")
          .set({ password_hash: hash, must_change_password: 0, updated_at: ctx.now().toISOString() })
          .where("id", "=", user.id)
          .execute();
        // other sign-ins may be the reason for the change; this one stays, API tokens stay (revoke them apart)
        await revokeCredentials(ctx.db, user.id, ctx.now(), { keepSessionId: identity.sessionId });
        noteAudit(c, { type: "auth:password_changed", subject: user.username });
        return c.json({ changed: true, other_sessions_revoked: true });
      },
    )
    .put("/auth/profile/username", requireRole("user"), jsonBody(UsernameBody), async (c) => {
      const body = c.req.valid("json");
      const user = await me(signedIn(c).userId);
      await checkCurrent(c, user, body.current_password);
      const taken = await findLiveUser(ctx.db, body.new_username);
      if (taken && taken.id !== user.id) {
        throw new ApiError(409, "conflict", `the username ${body.new_username} is taken`, { field: "new_username" });
      }
      const updated = await ctx.db
        .updateTable("users")
        .set({ username: body.new_username, updated_at: ctx.now().toISOString() })
        .where("id", "=", user.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      noteAudit(c, {
        type: "auth:username_changed",
        subject: user.username,
        output: { new_username: updated.username },
      });
      return c.json({ user: publicUser(updated) });
    })
    .delete("/auth/profile", requireRole("user"), jsonBody(DeleteBody), async (c) => {
      const body = c.req.valid("json");
      const user = await me(signedIn(c).userId);
      await checkCurrent(c, user, body.current_password);
      await assertNotLastSystemAdmin(ctx.db, user, { deleting: true });
      const at = ctx.now().toISOString();
      await ctx.db
        .updateTable("users")
        .set({ deleted_at: at, is_active: 0, updated_at: at })
        .where("id", "=", user.id)
        .execute();
      await revokeCredentials(ctx.db, user.id, ctx.now(), { tokens: true });
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      deleteCookie(c, CSRF_COOKIE, { path: "/" });
      noteAudit(c, { type: "auth:account_deleted", subject: user.username });
      return c.json({ deleted: true, id: user.id });
    });
}
