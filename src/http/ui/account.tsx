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
import { changeOwnPassword, changeOwnUsername, ownAccount } from "../../auth/accounts";
import { registerUser } from "../../auth/register";
import {
  createNamedToken,
  deleteApiToken,
  listOwnTokens,
  revokeApiToken,
  TokenName,
  tokenStatus,
} from "../../auth/tokens";
import { Username } from "../../auth/users";
import { ServiceError } from "../../errors";
import type { AuditNote } from "../../events/audit-note";
import type { AppEnv } from "../env";
import { actorOf } from "../middleware/actor";
import { noteAudit } from "../middleware/audit";
import { signIn, signOut } from "../middleware/login-cookies";
import { checkLoginCsrf, issueLoginCsrf } from "../middleware/login-csrf";
import { isHttps } from "../middleware/request-info";
import { publicRoute, requireRole, signedIn } from "../middleware/route-access";
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

export function accountRoutes(deps: UiDeps<"auth" | "config">) {
  const ctx = deps.auth;
  const trustProxy = deps.config.ML_TRUST_PROXY;
  const cookieOpts = (c: Ctx) => ({
    path: "/",
    sameSite: "Lax" as const,
    secure: isHttps(c, trustProxy),
    maxAge: YEAR_S,
  });

  // pre-session forms carry a login CSRF token (src/http/middleware/login-csrf.ts)
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
    const user = await ownAccount(ctx, identity.userId);
    const now = ctx.now();
    const { items } = await listOwnTokens(ctx.db, user.id);
    const tokens = items.map((t) => ({ ...t, status: tokenStatus(t, now) }));
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
          // login() refuses a form without its pre-session token (src/http/middleware/login-csrf.ts)
          await signIn(ctx, c, { username: f.username ?? "", password: f.password ?? "", cookie: true });
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
      await signOut(ctx, c);
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
      const f = await formFields(c);
      try {
        await changeOwnPassword(ctx, actorOf(c), {
          currentPassword: f.current_password ?? "",
          newPassword: f.new_password ?? "",
        });
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
        const name = v.parse(v.object({ new_username: Username }), values).new_username;
        await changeOwnUsername(ctx, actorOf(c), { currentPassword: f.current_password ?? "", newUsername: name });
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
        const { row, token } = await createNamedToken(ctx, {
          actor: signedIn(c),
          name: body.name,
          days: body.expires_in_days,
          note: (n) => noteAudit(c, n),
        });
        // the secret is in this response only; a redirect would have to store it somewhere
        return profile(c, {}, { name: row.name, secret: token }, 201);
      } catch (e) {
        return profile(c, { token: formError(e, values) }, null, statusOf(e));
      }
    })
    .post("/ui/profile/tokens/:id/:action{revoke|delete}", requireRole("user"), async (c) => {
      const id = Number(c.req.param("id"));
      const action = {
        actor: signedIn(c),
        tokenId: Number.isSafeInteger(id) ? id : -1,
        note: (n: AuditNote) => noteAudit(c, n),
      };
      if (c.req.param("action") === "delete") await deleteApiToken(ctx, action);
      else await revokeApiToken(ctx, action);
      return seeOther(c, "/ui/profile#tokens");
    });
}
