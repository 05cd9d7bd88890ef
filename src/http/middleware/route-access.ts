/**
 * Route-level access declarations. Every route states who may call it, beside its path:
 *
 * ```ts
 * app.get("/events", requireRole("admin"), handler)
 * app.post("/auth/login", publicRoute(), handler)
 * app.put("/auth/profile/password", requireRole("user", { beforePasswordChange: true }), handler)
 * ```
 *
 * The declaration is both the check (a middleware) and the documentation: `routeTable(app)`
 * reads the declarations back from the mounted app, scripts/routes-table.ts writes them to
 * docs/auth.md, and a test fails when a route has none. A route without a declaration is
 * still not open: the authenticate middleware treats it as requiring a signed-in user.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RouterRoute } from "hono/types";
import { hasRole, type Identity, type Role } from "../../auth/identity";
import { ServiceError } from "../../errors";

export type Access = "public" | Role;

export interface AccessOptions {
  /** reachable while the user still has to replace an initial password (profile, logout) */
  beforePasswordChange?: boolean;
}

export interface Declaration extends AccessOptions {
  access: Access;
}

const DECLARED = new WeakMap<object, Declaration>();

/** The middleware that enforces `access`; the identity itself was resolved by `authenticate`. */
export function access(level: Access, options: AccessOptions = {}): MiddlewareHandler {
  const declaration: Declaration = { access: level, ...options };
  const handler: MiddlewareHandler = async function requireAccess(c, next) {
    if (level !== "public") {
      const identity = c.get("identity") as Identity | undefined;
      if (!identity) throw new ServiceError(401, "unauthorized", "sign in first: send a Bearer token or X-Admin-Token");
      if (!hasRole(identity.role, level)) {
        throw new ServiceError(403, "forbidden", `this needs the ${level} role; you have ${identity.role}`, {
          reason: "insufficient_role",
          required: level,
        });
      }
    }
    await next();
  };
  DECLARED.set(handler, declaration);
  return handler;
}

/** `requireRole("admin")`: admins and system admins; `requireRole("user")`: anyone signed in. */
export const requireRole = (role: Role, options?: AccessOptions) => access(role, options);
export const publicRoute = () => access("public", { beforePasswordChange: true });

/** The identity of a request on a route behind `requireRole` (which guarantees one). */
export function signedIn(c: Context): Identity {
  const identity = c.get("identity") as Identity | undefined;
  if (!identity) throw new ServiceError(401, "unauthorized", "sign in first");
  return identity;
}

export function declarationOf(handler: unknown): Declaration | undefined {
  return typeof handler === "function" ? DECLARED.get(handler) : undefined;
}

/** The declaration among the handlers a request matched (the route's own middleware, or an app.use on its path). */
export function declarationAmong(routes: readonly RouterRoute[]): Declaration | undefined {
  for (const r of routes) {
    const d = declarationOf(r.handler);
    if (d) return d;
  }
  return undefined;
}

export interface RouteRow {
  method: string;
  path: string;
  access: Access | "undeclared";
  beforePasswordChange: boolean;
}

/**
 * Every route of the app with its declared access, sorted by path then method. A declaration
 * on `app.use(path, …)` (method ALL) counts for every method of that exact path.
 */
export function routeTable(app: { routes: readonly RouterRoute[] }): RouteRow[] {
  const rows = new Map<string, RouteRow>();
  const byPath = new Map<string, Declaration>();
  for (const r of app.routes) {
    const d = declarationOf(r.handler);
    if (r.method === "ALL") {
      if (d) byPath.set(r.path, d);
      continue;
    }
    const key = `${r.method} ${r.path}`;
    const row = rows.get(key) ?? { method: r.method, path: r.path, access: "undeclared", beforePasswordChange: false };
    if (d) {
      row.access = d.access;
      row.beforePasswordChange = Boolean(d.beforePasswordChange);
    }
    rows.set(key, row);
  }
  for (const row of rows.values()) {
    const d = byPath.get(row.path);
    if (row.access === "undeclared" && d) {
      row.access = d.access;
      row.beforePasswordChange = Boolean(d.beforePasswordChange);
    }
  }
  return [...rows.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
