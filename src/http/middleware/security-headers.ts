/**
 * Security headers on every response. The dashboard and /docs load only their own hashed
 * files from /ui/static (no inline script, style or event handler anywhere), so the policy
 * can forbid everything else; no page may be framed. HSTS is sent once the client reached us
 * over HTTPS (ML_USE_HTTPS, or X-Forwarded-Proto from a trusted proxy): browsers ignore it
 * over plain HTTP anyway.
 *
 * @example app.use(securityHeaders({ https: config.ML_USE_HTTPS, trustProxy: config.ML_TRUST_PROXY }))
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { isHttps } from "./request-info";

/** `connect-src 'self'` covers htmx requests, the /ui/live event stream and /ws. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A year, the usual minimum for HSTS preload lists. */
const HSTS = "max-age=31536000; includeSubDomains";

export interface SecurityHeadersOptions {
  /** the server itself speaks TLS */
  https: boolean;
  /** X-Forwarded-Proto from our proxy says whether the client used HTTPS */
  trustProxy: boolean;
}

export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler<AppEnv> {
  return async function securityHeaders(c, next) {
    await next();
    const h = c.res.headers;
    const keepPolicy = h.has("content-security-policy");
    for (const [name, value] of securityHeaderList(options.https || isHttps(c, options.trustProxy))) {
      // a handler's own stricter policy (e.g. a download's) is kept
      if (!(keepPolicy && name === "Content-Security-Policy")) h.set(name, value);
    }
  };
}

const PLAIN: readonly [string, string][] = [
  ["Content-Security-Policy", CONTENT_SECURITY_POLICY],
  ["X-Frame-Options", "DENY"],
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "same-origin"],
];
const OVER_HTTPS: readonly [string, string][] = [...PLAIN, ["Strict-Transport-Security", HSTS]];

/** Every security header of an answer, for the middleware and for answers built without Hono (src/http/fast-predict.ts). */
export function securityHeaderList(https: boolean): readonly [string, string][] {
  return https ? OVER_HTTPS : PLAIN;
}
