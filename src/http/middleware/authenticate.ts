/**
 * The one authentication middleware, run before every route. Three ways in, tried in this
 * order (the first one present decides; a bad one is not retried with the next):
 *
 * 1. `Authorization: Bearer mlsess_…` (session from POST /auth/login) or `Bearer mls_…` (API token);
 * 2. `X-Admin-Token` equal to ML_ADMIN_API_TOKEN: acts as the system admin (seed clients);
 * 3. the `mls_session` cookie (browser); unsafe methods then need the CSRF token, in an
 *    `X-CSRF-Token` header or a `_csrf` form field, equal to the session's (synchronizer
 *    token). Bearer and admin-token requests need none: a browser never adds them by itself.
 *
 * Then, from the route's declaration (src/http/middleware/route-access.ts): public routes let anonymous requests
 * (and requests with stale credentials) through; every other route, declared or not, needs an
 * identity. An account whose password must be changed reaches only routes declared
 * `beforePasswordChange`. Unknown paths are left to the 404 handler, for everyone.
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { matchedRoutes } from "hono/route";
import type { AuthContext } from "../../auth/context";
import { CredentialRejected, identifyAdminToken, identifyApiToken, identifySession } from "../../auth/credentials";
import type { Identity } from "../../auth/identity";
import { API_TOKEN_PREFIX, SESSION_PREFIX, sameSecret } from "../../auth/secrets";
import { ServiceError } from "../../errors";
import type { AppEnv } from "../env";
import { noteAudit } from "./audit";
import { declarationAmong } from "./route-access";

export const SESSION_COOKIE = "mls_session";
export const CSRF_COOKIE = "mls_csrf";
export const CSRF_HEADER = "x-csrf-token";
export const CSRF_FIELD = "_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const BEARER = /^Bearer +([A-Za-z0-9_-]{1,256})$/i;

export function authenticate(ctx: AuthContext): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const routes = matchedRoutes(c);
    if (!routes.some((r) => r.method !== "ALL")) return next();
    const declaration = declarationAmong(routes);
    const isPublic = declaration?.access === "public";

    let identity: Identity | null = null;
    try {
      identity = await identify(ctx, c);
    } catch (e) {
      if (!(e instanceof CredentialRejected)) throw e;
      noteAudit(c, { type: "auth:token_rejected", suspicious: e.reason });
      // a stale cookie must not lock anyone out of the login page
      if (!isPublic) throw e;
      noteAudit(c, { type: undefined, suspicious: null });
    }
    if (!identity) {
      if (!isPublic) throw new ServiceError(401, "unauthorized", "sign in first: send a Bearer token or X-Admin-Token");
      return next();
    }
    c.set("identity", identity);
    // the admin token is a machine credential of seed clients; the system admin's pending change does not bind it
    if (identity.mustChangePassword && identity.via !== "admin_token" && !declaration?.beforePasswordChange) {
      throw new ServiceError(403, "forbidden", "change your password first: PUT /auth/profile/password", {
        reason: "password_change_required",
      });
    }
    if (identity.via === "cookie" && !SAFE_METHODS.has(c.req.method)) await checkCsrf(c, identity);
    await next();
  };
}

async function identify(ctx: AuthContext, c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<Identity | null> {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) return identifyBearer(ctx, authorization, c.get("clientIp") ?? "unknown");
  const adminToken = c.req.header("x-admin-token");
  if (adminToken !== undefined) return identifyAdminToken(ctx, adminToken);
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) return identifySession(ctx, cookie, "cookie");
  return null;
}

/**
 * The identity an Authorization header names (the chain's and the POST /predict fast path's):
 * a 401 when it is not `Bearer <token>`, CredentialRejected for a token that is not valid.
 */
export function identifyBearer(ctx: AuthContext, authorization: string, ip: string): Promise<Identity> {
  const token = BEARER.exec(authorization.trim())?.[1];
  if (token === undefined) {
    throw new ServiceError(401, "unauthorized", "malformed Authorization header: expected 'Bearer <token>'", null, {
      "WWW-Authenticate": 'Bearer realm="mlservice"',
    });
  }
  if (token.startsWith(API_TOKEN_PREFIX)) return identifyApiToken(ctx, token, ip);
  if (token.startsWith(SESSION_PREFIX)) return identifySession(ctx, token, "session");
  throw new CredentialRejected("invalid token", null);
}

async function checkCsrf(c: Parameters<MiddlewareHandler<AppEnv>>[0], identity: Identity): Promise<void> {
  let sent = c.req.header(CSRF_HEADER);
  const type = c.req.header("content-type") ?? "";
  if (sent === undefined && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    // parseBody caches, so the handler can read the form again
    const field = (await c.req.parseBody())[CSRF_FIELD];
    if (typeof field === "string") sent = field;
  }
  if (!sent || !identity.csrfToken || !sameSecret(sent, identity.csrfToken)) {
    throw new ServiceError(
      403,
      "forbidden",
      `missing or wrong CSRF token: send the ${CSRF_HEADER} header or a _csrf field`,
      {
        reason: "csrf_failed",
      },
    );
  }
}
