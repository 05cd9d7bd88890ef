/** @jsxImportSource hono/jsx */
/**
 * Pages for one's own account and the visitor's choices: sign-in, registration, sign-out,
 * theme, cookie consent, profile (password, username, API tokens). The rules are the API's
 * (src/auth/*); these routes only turn forms into calls and refusals into field errors.
 */
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import * as v from "valibot";
import { emptyForm, type FormState } from "../../../views/components/form";
import { LoginPage, ProfilePage, RegisterPage } from "../../../views/pages/account";
import { createApiToken } from "../../auth/credentials";
import { login } from "../../auth/login";
import { checkLoginCsrf, issueLoginCsrf } from "../../auth/login-csrf";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../auth/middleware";
import { assertPasswordRules, hashPassword, verifyPassword } from "../../auth/passwords";
import { confirmCurrentPassword } from "../../auth/reauth";
import { registerUser } from "../../auth/register";
import { publicRoute, requireRole, signedIn } from "../../auth/routes-policy";
import { findLiveUser, findUserById, revokeCredentials, Username, type UserRow } from "../../auth/users";
import { ServiceError } from "../../errors";
import { type AuditNote, noteAudit } from "../../events/audit";
import { isHttps } from "../../events/request-info";
import type { AppEnv } from "../env";
import {
  CONSENT_COOKIE,
  type Ctx,
  formError,
  formFields,
  readConsent,
  render,
  safeNext,
  seeOther,
  statusOf,
  THEME_COOKIE,
  type UiDeps,
} from "./page";

const YEAR_S = 365 * 86_400;
const TokenName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "1 to 64 characters"),
  v.maxLength(64, "1 to 64 characters"),
  v.regex(/^[\p{L}\p{N} _.:@-]+$/u, "letters, digits, spaces and _ . : @ -"),
);

export function accountRoutes(deps: UiDeps) {
  const ctx = deps.auth;
  const trustProxy = deps.config.ML_TRUST_PROXY;
  const cookieOpts = (c: Ctx) => ({
    path: "/",
    sameSite: "Lax" as const,
    secure: isHttps(c, trustProxy),
    maxAge: YEAR_S,
  });

  // pre-session forms carry a login CSRF token (src/auth/login-csrf.ts)
  const loginPage = (c: Ctx, form: FormState, next: string) => (
    <LoginPage
      form={form}
      next={next}
      registration={deps.config.ML_ALLOW_REGISTRATION}
      csrf={issueLoginCsrf(c, trustProxy)}
    />
  );
  const registerPage = (c: Ctx, form: FormState) =>
    deps.config.ML_ALLOW_REGISTRATION ? (
      <RegisterPage form={form} open csrf={issueLoginCsrf(c, trustProxy)} />
    ) : (
      <RegisterPage form={form} open={false} csrf={null} />
    );

  const me = async (id: number) => {
    const user = await findUserById(ctx.db, id);
    if (!user || user.deleted_at) throw new ServiceError(401, "unauthorized", "this account no longer exists");
    return user;
  };

  const reauthenticate = (c: Ctx, user: UserRow, password: string) =>
    confirmCurrentPassword(ctx, { user, password, ip: c.get("clientIp"), note: (n) => noteAudit(c, n) });
  /** a throttled form is answered with a page, not the error handler: pass its Retry-After on */
  const retryAfter = (c: Ctx, e: unknown) => {
    if (e instanceof ServiceError && e.headers["Retry-After"]) c.header("Retry-After", e.headers["Retry-After"]);
  };

  const profile = async (
    c: Ctx,
    forms: { password?: FormState; username?: FormState; token?: FormState } = {},
    created: { name: string; secret: string } | null = null,
    status: 200 | 201 | 422 | 409 | 403 = 200,
  ) => {
    const identity = signedIn(c);
    const user = await me(identity.userId);
    const now = ctx.now().toISOString();
    const rows = await ctx.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("user_id", "=", user.id)
      .where("deleted_at", "is", null)
      .orderBy("id", "desc")
      .execute();
    const tokens = rows.map((t) => ({
      ...t,
      status: t.revoked_at ? "revoked" : t.expires_at <= now ? "expired" : "active",
    }));
    const body = (
      <ProfilePage
        csrf={identity.csrfToken}
        user={user}
        mustChange={user.must_change_password === 1}
        password={forms.password ?? emptyForm()}
        username={forms.username ?? emptyForm()}
        token={forms.token ?? emptyForm()}
        tokens={tokens}
        created={created}
        maxDays={deps.config.ML_TOKEN_EXPIRY_DAYS}
      />
    );
    const notice =
      c.req.query("done") === "password"
        ? "Password changed."
        : c.req.query("done") === "username"
          ? "Username changed."
          : null;
    return render(c, deps, "Profile", body, { status, notice });
  };

  return new Hono<AppEnv>()
    .get("/ui/login", publicRoute(), (c) => {
      const next = safeNext(c.req.query("next"));
      if (c.get("identity")) return seeOther(c, next);
      const notice = c.req.query("registered") ? "Account created; sign in." : null;
      return render(c, deps, "Sign in", loginPage(c, emptyForm(), next), { notice });
    })
    .post("/ui/login", publicRoute(), async (c) => {
      const f = await formFields(c);
      const next = safeNext(f.next);
      const values = { username: f.username ?? "" };
      const errors: Record<string, string> = {};
      if (!f.username) errors.username = "Enter your username";
      if (!f.password) errors.password = "Enter your password";
      let form: FormState = { values, errors };
      if (Object.keys(errors).length === 0) {
        try {
          // login() refuses a form without its pre-session token (src/auth/login-csrf.ts)
          await login(ctx, c, { username: f.username ?? "", password: f.password ?? "", cookie: true });
          return seeOther(c, next);
        } catch (e) {
          form = formError(e, values);
          return render(c, deps, "Sign in", loginPage(c, form, next), { status: statusOf(e) });
        }
      }
      return render(c, deps, "Sign in", loginPage(c, form, next), { status: 422 });
    })
    .get("/ui/register", publicRoute(), (c) => render(c, deps, "Register", registerPage(c, emptyForm())))
    .post("/ui/register", publicRoute(), async (c) => {
      if (!deps.config.ML_ALLOW_REGISTRATION)
        return render(c, deps, "Register", <RegisterPage form={emptyForm()} open={false} csrf={null} />, {
          status: 403,
        });
      await checkLoginCsrf(c, trustProxy);
      const f = await formFields(c);
      const values = { username: f.username ?? "" };
      try {
        const username = v.parse(v.object({ username: Username }), values).username;
        const note = (n: AuditNote) => noteAudit(c, n);
        await registerUser(ctx, { username, password: f.password ?? "", ip: c.get("clientIp"), note });
        return seeOther(c, "/ui/login?registered=1");
      } catch (e) {
        retryAfter(c, e);
        return render(c, deps, "Register", registerPage(c, formError(e, values)), { status: statusOf(e) });
      }
    })
    .post("/ui/logout", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = signedIn(c);
      if (identity.sessionId != null) {
        await ctx.db
          .updateTable("sessions")
          .set({ revoked_at: ctx.now().toISOString() })
          .where("id", "=", identity.sessionId)
          .execute();
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      deleteCookie(c, CSRF_COOKIE, { path: "/" });
      noteAudit(c, { type: "auth:logout" });
      return seeOther(c, "/ui/login");
    })
    .post("/ui/theme", publicRoute(), async (c) => {
      const f = await formFields(c);
      const theme = f.theme === "light" || f.theme === "dark" ? f.theme : "system";
      const next = safeNext(f.next);
      if (readConsent(c)?.preferences) {
        setCookie(c, THEME_COOKIE, theme, cookieOpts(c));
        return seeOther(c, next);
      }
      // no consent to remember it: this one page shows the theme, nothing is stored
      const url = new URL(next, "http://x");
      url.searchParams.set("theme", theme);
      return seeOther(c, url.pathname + url.search);
    })
    .post("/ui/consent", publicRoute(), async (c) => {
      const f = await formFields(c);
      const all = f.choice === "all";
      const none = f.choice === "none";
      const parts = ["e"];
      if (all || (!none && f.analytics)) parts.push("a");
      if (all || (!none && f.preferences)) parts.push("p");
      // the answer itself is essential: without it the banner would ask on every page
      setCookie(c, CONSENT_COOKIE, parts.join("."), cookieOpts(c));
      if (!parts.includes("p")) deleteCookie(c, THEME_COOKIE, { path: "/" });
      return seeOther(c, safeNext(f.next));
    })
    .get("/ui/profile", requireRole("user", { beforePasswordChange: true }), (c) => profile(c))
    .post("/ui/profile/password", requireRole("user", { beforePasswordChange: true }), async (c) => {
      const identity = signedIn(c);
      const f = await formFields(c);
      try {
        const user = await me(identity.userId);
        await reauthenticate(c, user, f.current_password ?? "");
        assertPasswordRules(f.new_password ?? "", user.username, "new_password");
        if (await verifyPassword(f.new_password ?? "", user.password_hash)) {
          throw new ServiceError(422, "validation_failed", "same", [
            { path: "new_password", message: "Same as the current password" },
          ]);
        }
        const hash = await hashPassword(f.new_password ?? "", ctx.hashing);
        await ctx.db
          .updateTable("users")
          .set({ password_hash: hash, must_change_password: 0, updated_at: ctx.now().toISOString() })
          .where("id", "=", user.id)
          .execute();
        await revokeCredentials(ctx.db, user.id, ctx.now(), { keepSessionId: identity.sessionId });
        noteAudit(c, { type: "auth:password_changed", subject: user.username });
        return seeOther(c, "/ui/profile?done=password");
      } catch (e) {
        retryAfter(c, e);
        return profile(c, { password: formError(e, {}) }, null, statusOf(e));
      }
    })
    .post("/ui/profile/username", requireRole("user"), async (c) => {
      const f = await formFields(c);
      const values = { new_username: f.new_username ?? "" };
      try {
        const user = await me(signedIn(c).userId);
        const name = v.parse(v.object({ new_username: Username }), values).new_username;
        await reauthenticate(c, user, f.current_password ?? "");
        const taken = await findLiveUser(ctx.db, name);
        if (taken && taken.id !== user.id)
          throw new ServiceError(409, "conflict", `the username ${name} is taken`, { field: "new_username" });
        await ctx.db
          .updateTable("users")
          .set({ username: name, updated_at: ctx.now().toISOString() })
          .where("id", "=", user.id)
          .execute();
        noteAudit(c, { type: "auth:username_changed", subject: user.username, output: { new_username: name } });
        return seeOther(c, "/ui/profile?done=username");
      } catch (e) {
        retryAfter(c, e);
        return profile(c, { username: formError(e, values) }, null, statusOf(e));
      }
    })
    .post("/ui/profile/tokens", requireRole("user"), async (c) => {
      const f = await formFields(c);
      const values = { name: f.name ?? "", expires_in_days: f.expires_in_days ?? "" };
      const max = deps.config.ML_TOKEN_EXPIRY_DAYS;
      try {
        const body = v.parse(
          v.object({
            name: TokenName,
            expires_in_days: v.pipe(
              v.string(),
              v.regex(/^\d+$/, `a whole number from 1 to ${max}`),
              v.transform(Number),
              v.minValue(1, `at least 1`),
              v.maxValue(max, `at most ${max}`),
            ),
          }),
          values,
        );
        const { row, token } = await createApiToken(ctx, signedIn(c).userId, body.name, body.expires_in_days);
        noteAudit(c, {
          type: "auth:token_created",
          output: { token_id: row.id, name: row.name, expires_at: row.expires_at },
        });
        // the secret is in this response only; a redirect would have to store it somewhere
        return profile(c, {}, { name: row.name, secret: token }, 201);
      } catch (e) {
        return profile(c, { token: formError(e, values) }, null, statusOf(e));
      }
    })
    .post("/ui/profile/tokens/:id/:action{revoke|delete}", requireRole("user"), async (c) => {
      const identity = signedIn(c);
      const id = Number(c.req.param("id"));
      const token = await ctx.db
        .selectFrom("api_tokens")
        .selectAll()
        .where("id", "=", Number.isSafeInteger(id) ? id : -1)
        .where("user_id", "=", identity.userId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (!token) throw new ServiceError(404, "not_found", "no such API token of yours");
      const at = ctx.now().toISOString();
      const deleting = c.req.param("action") === "delete";
      await ctx.db
        .updateTable("api_tokens")
        .set(deleting ? { revoked_at: token.revoked_at ?? at, deleted_at: at } : { revoked_at: token.revoked_at ?? at })
        .where("id", "=", token.id)
        .execute();
      noteAudit(c, {
        type: deleting ? "auth:token_deleted" : "auth:token_revoked",
        output: { token_id: token.id, name: token.name },
      });
      return seeOther(c, "/ui/profile#tokens");
    });
}
