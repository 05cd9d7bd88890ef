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
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, parseInput, readJson } from "../validate";
import { PublicUser, Timestamp } from "./shapes";

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

const UserAnswer = v.object({ user: PublicUser });
const SignedInAnswer = v.object({
  access_token: v.string(),
  token_type: v.literal("bearer"),
  expires_at: Timestamp,
  csrf_token: v.string(),
  user: PublicUser,
});

export function authRoutes(ctx: AuthContext) {
  return new Hono<AppEnv>()
    .post(
      "/auth/register",
      publicRoute(),
      jsonBody(RegisterBody),
      responds(
        { 201: UserAnswer },
        { errors: { 409: "the username is taken", 429: "too many sign-ups from this IP" } },
      ),
      async (c) => {
        const body = c.req.valid("json");
        const user = await registerUser(ctx, { ...body, ip: c.get("clientIp"), note: (n) => noteAudit(c, n) });
        return c.json({ user: publicUser(user) }, 201);
      },
    )
    .post(
      "/auth/login",
      publicRoute(),
      responds(
        { 200: SignedInAnswer },
        {
          body: { "application/json": LoginBody, "application/x-www-form-urlencoded": LoginBody },
          errors: {
            400: "the body is not valid JSON",
            422: "the body failed validation",
            429: "too many failed attempts; retry after Retry-After seconds",
          },
        },
      ),
      async (c) => {
        const isForm = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(
          c.req.header("content-type") ?? "",
        );
        const raw = isForm ? { ...(await c.req.parseBody()), cookie: true } : await readJson(c);
        const body = parseInput("body", LoginBody, raw);
        return c.json(await signIn(ctx, c, body));
      },
    )
    .post(
      "/auth/logout",
      requireRole("user", { beforePasswordChange: true }),
      responds({ 200: v.object({ logged_out: v.literal(true), session_revoked: v.boolean() }) }),
      async (c) => {
        return c.json({ logged_out: true, session_revoked: await signOut(ctx, c) });
      },
    )
    .get(
      "/auth/user-info",
      requireRole("user", { beforePasswordChange: true }),
      responds({ 200: v.object({ ...PublicUser.entries, via: v.string(), token_name: v.nullable(v.string()) }) }),
      async (c) => {
        const identity = signedIn(c);
        const user = await ownAccount(ctx, identity.userId);
        return c.json({ ...publicUser(user), via: identity.via, token_name: identity.tokenName });
      },
    )
    .get(
      "/auth/profile",
      requireRole("user", { beforePasswordChange: true }),
      responds({ 200: v.object({ user: PublicUser, active_sessions: v.number(), active_api_tokens: v.number() }) }),
      async (c) => {
        const user = await ownAccount(ctx, signedIn(c).userId);
        const live = await countLiveCredentials(ctx.db, user.id, ctx.now());
        return c.json({ user: publicUser(user), active_sessions: live.sessions, active_api_tokens: live.apiTokens });
      },
    )
    .put(
      "/auth/profile/password",
      requireRole("user", { beforePasswordChange: true }),
      jsonBody(PasswordBody),
      responds(
        { 200: v.object({ changed: v.literal(true), other_sessions_revoked: v.literal(true) }) },
        { errors: [429] },
      ),
      async (c) => {
        const body = c.req.valid("json");
        await changeOwnPassword(ctx, actorOf(c), {
          currentPassword: body.current_password,
          newPassword: body.new_password,
        });
        return c.json({ changed: true, other_sessions_revoked: true });
      },
    )
    .put(
      "/auth/profile/username",
      requireRole("user"),
      jsonBody(UsernameBody),
      responds({ 200: UserAnswer }, { errors: [409, 429] }),
      async (c) => {
        const body = c.req.valid("json");
        const user = await changeOwnUsername(ctx, actorOf(c), {
          currentPassword: body.current_password,
          newUsername: body.new_username,
        });
        return c.json({ user: publicUser(user) });
      },
    )
    .delete(
      "/auth/profile",
      requireRole("user"),
      jsonBody(DeleteBody),
      responds({ 200: v.object({ deleted: v.literal(true), id: v.number() }) }, { errors: [409, 429] }),
      async (c) => {
        const body = c.req.valid("json");
        const deleted = await deleteOwnAccount(ctx, actorOf(c), { currentPassword: body.current_password });
        clearSessionCookies(c);
        return c.json({ deleted: true, id: deleted.id });
      },
    );
}
