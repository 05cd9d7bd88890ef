/**
 * One JSON line per request on the service log: request id, method, path, status, duration.
 * Also gives every handler `c.get("log")` for messages tied to the request.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../log";
import type { AppEnv } from "../env";

export function accessLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const start = performance.now();
    c.set("log", log);
    await next();
    log.info("request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
    });
  };
}
