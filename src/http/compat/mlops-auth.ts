/**
 * Seed 002's Auth API (`/api/auth/sign-up`, `sign-in`, `logout`, `me`) over the service's own
 * registration, login and sessions (cookie sessions, as the seed's client expects). Accounts here
 * have usernames, not emails: an email becomes the username `local_at_domain` (and reads back as
 * the email), so it must use only A-Z a-z 0-9 _ . - and fit 64 characters (else a 422 naming
 * `email`). `full_name` is not stored: sending one is a 422 naming it, and answers carry null.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { ownAccount } from "../../auth/accounts";
import type { AuthContext } from "../../auth/context";
import { registerUser } from "../../auth/register";
import { Password, Username } from "../../auth/users";
import { invalid } from "../../errors";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { signIn, signOut } from "../middleware/login-cookies";
import { publicRoute, requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody } from "../validate";

const AT = "_at_";

/** The username an email signs up as; null when it cannot be one. */
export function emailUsername(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at < 1 || at === email.length - 1) return null;
  const name = `${email.slice(0, at)}${AT}${email.slice(at + 1)}`.toLowerCase();
  return v.is(Username, name) ? name : null;
}

/** The email a username reads back as (null for accounts not made from an email). */
export function usernameEmail(username: string): string | null {
  const at = username.lastIndexOf(AT);
  return at > 0 ? `${username.slice(0, at)}@${username.slice(at + AT.length)}` : null;
}

const Email = v.pipe(v.string(), v.email("an email address"));
const SignUpBody = strictBody({
  email: Email,
  password: Password,
  full_name: v.optional(v.unknown()),
});
const SignInBody = v.object({ email: v.pipe(v.string(), v.minLength(1), v.maxLength(256)), password: Password });

const SeedUser = v.object({ id: v.string(), email: v.nullable(v.string()), full_name: v.null() });

const seedUser = (u: { id: number; username: string }) => ({
  id: String(u.id),
  email: usernameEmail(u.username),
  full_name: null,
});

export function mlopsAuthRoutes(ctx: AuthContext) {
  return new Hono<AppEnv>()
    .post(
      "/api/auth/sign-up",
      publicRoute(),
      jsonBody(SignUpBody),
      responds({ 201: v.object({ ...SeedUser.entries, created_at: v.string() }) }, { errors: [409, 429] }),
      async (c) => {
        const body = c.req.valid("json");
        if (body.full_name !== undefined)
          throw invalid("full_name: this service does not store names; sign up without it", [
            { path: "full_name", message: "not stored by this service" },
          ]);
        const username = emailUsername(body.email);
        if (!username)
          throw invalid("email: accounts are usernames here; the email must use only A-Z a-z 0-9 _ . - and be short", [
            { path: "email", message: "cannot be made a username (A-Z a-z 0-9 _ . -, at most 64 with @ as _at_)" },
          ]);
        const user = await registerUser(ctx, {
          username,
          password: body.password,
          ip: c.get("clientIp"),
          note: (n) => noteAudit(c, n),
        });
        return c.json({ ...seedUser(user), created_at: user.created_at }, 201);
      },
    )
    .post(
      "/api/auth/sign-in",
      publicRoute(),
      jsonBody(SignInBody),
      responds({ 200: SeedUser }, { errors: [429] }),
      async (c) => {
        const { email, password } = c.req.valid("json");
        const session = await signIn(ctx, c, { username: emailUsername(email) ?? email, password, cookie: true });
        return c.json(seedUser({ id: session.user.id, username: session.user.username }));
      },
    )
    .post(
      "/api/auth/logout",
      requireRole("user", { beforePasswordChange: true }),
      responds({ 200: v.object({ logged_out: v.literal(true) }) }),
      async (c) => {
        await signOut(ctx, c);
        return c.json({ logged_out: true as const });
      },
    )
    .get(
      "/api/auth/me",
      requireRole("user", { beforePasswordChange: true }),
      responds({ 200: v.object({ ...SeedUser.entries, username: v.string() }) }),
      async (c) => {
        const user = await ownAccount(ctx, signedIn(c).userId);
        return c.json({ ...seedUser(user), username: user.username });
      },
    );
}
