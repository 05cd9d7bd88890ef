/**
 * `/auth/*` for one's own account: register, login, logout, user-info, profile, password,
 * username, delete. Each route declares who may call it (src/http/middleware/route-access.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { changeOwnPassword, changeOwnUsername, deleteOwnAccount, ownAccount } from "../../auth/accounts";
import type { AuthContext } from "../../auth/context";
import { registerUser } from "../../auth/register";
import { countLiveCredentials } from "../../auth/sessions";
import { Password, publicUser, Username } from "../../auth/users";
import type { AppEnv } from "../env";
import { actorOf } from "../middleware/actor";
import { noteAudit } from "../middleware/audit";
import { clearSessionCookies, signIn, signOut } from "../middleware/login-cookies";
import { publicRoute, requireRole, signedIn } from "../middleware/route-access";
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
      return c.json(await signIn(ctx, c, body));
    })
    .post("/auth/logout", requireRole("user", { beforePasswordChange: true }), async (c) => {
      return c.json({ logged_out: true, session_revoked: await signOut(ctx, c) });
    })
    .get("/auth/user-info", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = signedIn(c);
      const user = await ownAccount(ctx, identity.userId);
      return c.json({ ...publicUser(user), via: identity.via, token_name: identity.tokenName });
    })
    .get("/auth/profile", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const user = await ownAccount(ctx, signedIn(c).userId);
      const live = await countLiveCredentials(ctx.db, user.id, ctx.now());
      return c.json({ user: publicUser(user), active_sessions: live.sessions, active_api_tokens: live.apiTokens });
    })
    .put(
      "/auth/profile/password",
      requireRole("user", { beforePasswordChange: true }),
      jsonBody(PasswordBody),
      async (c) => {
        const body = c.req.valid("json");
        await changeOwnPassword(ctx, actorOf(c), {
          currentPassword: body.current_password,
          newPassword: body.new_password,
        });
        return c.json({ changed: true, other_sessions_revoked: true });
      },
    )
    .put("/auth/profile/username", requireRole("user"), jsonBody(UsernameBody), async (c) => {
      const body = c.req.valid("json");
      const user = await changeOwnUsername(ctx, actorOf(c), {
        currentPassword: body.current_password,
        newUsername: body.new_username,
      });
      return c.json({ user: publicUser(user) });
    })
    .delete("/auth/profile", requireRole("user"), jsonBody(DeleteBody), async (c) => {
      const body = c.req.valid("json");
      const deleted = await deleteOwnAccount(ctx, actorOf(c), { currentPassword: body.current_password });
      clearSessionCookies(c);
      return c.json({ deleted: true, id: deleted.id });
    });
}
