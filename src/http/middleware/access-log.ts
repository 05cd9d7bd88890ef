/**
 * One JSON line per request on the service log: request id, method, path, status, duration,
 * client IP (X-Forwarded-For only with ML_TRUST_PROXY, src/http/middleware/request-info.ts),
 * user agent, bytes in and out, the user and the W3C trace id. Also gives every handler
 * `c.get("log")` for messages tied to the request and `c.get("traceId")` for the jobs it starts.
 *
 * Cheap on purpose (it wraps every /predict): no body is read. Bytes in are the declared
 * Content-Length (null for a chunked upload); bytes out are counted where the answer is built
 * from a string or buffer (`c.json`, `c.body`, `c.text`), else its Content-Length, else null.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../../log";
import { newTraceId, parseTraceparent } from "../../trace";
import type { AppEnv } from "../env";
import { clientIp } from "./request-info";

export interface AccessLogOptions {
  trustProxy: boolean;
}

function sizeOf(data: unknown): number | null {
  if (typeof data === "string") return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  if (data === null || data === undefined) return 0;
  return null;
}

type Send = (data: unknown, arg?: unknown, headers?: Record<string, string>) => Response;

/** Makes `c.json`/`c.body`/`c.text` note the size of what they answer with. */
function countBytesOut(c: Context<AppEnv>, note: (bytes: number | null) => void): void {
  const body = c.body as unknown as Send;
  const send: Send = (data, arg, headers) => {
    note(sizeOf(data));
    return body(data, arg, headers);
  };
  // as Hono's own: JSON.stringify, then its Content-Type unless the caller gave one
  const json: Send = (object, arg, headers) =>
    send(JSON.stringify(object), arg, { "Content-Type": "application/json", ...headers });
  const text: Send = (data, arg, headers) =>
    send(data, arg, { "Content-Type": "text/plain; charset=UTF-8", ...headers });
  c.body = send as unknown as typeof c.body;
  c.json = json as unknown as typeof c.json;
  c.text = text as unknown as typeof c.text;
}

function declaredLength(value: string | null | undefined): number | null {
  if (!value || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

export function accessLog(log: Logger, options: AccessLogOptions): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const start = performance.now();
    const traceId = parseTraceparent(c.req.header("traceparent"))?.traceId ?? newTraceId();
    let bytesOut: number | null = null;
    c.set("log", log);
    c.set("traceId", traceId);
    countBytesOut(c, (n) => {
      bytesOut = n;
    });
    await next();
    logAccess(log, {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      started: start,
      client_ip: c.get("clientIp") ?? clientIp(c, options.trustProxy),
      user_agent: c.req.header("user-agent"),
      bytes_in: c.req.header("content-length"),
      bytes_out: declaredLength(c.res.headers.get("content-length")) ?? bytesOut,
      user_id: c.get("identity")?.userId ?? null,
      trace_id: traceId,
    });
  };
}

export interface AccessFields {
  request_id: string;
  method: string;
  path: string;
  status: number;
  /** performance.now() when the request came in */
  started: number;
  client_ip: string;
  user_agent: string | null | undefined;
  /** the request's Content-Length header */
  bytes_in: string | null | undefined;
  bytes_out: number | null;
  user_id: number | null;
  trace_id: string;
}

/** The access line of one request: the middleware's, and the POST /predict fast path's (src/http/fast-predict.ts). */
export function logAccess(log: Logger, f: AccessFields): void {
  log.info("request", {
    request_id: f.request_id,
    method: f.method,
    path: f.path,
    status: f.status,
    duration_ms: Math.round((performance.now() - f.started) * 100) / 100,
    client_ip: f.client_ip,
    user_agent: f.user_agent?.slice(0, 256) ?? null,
    bytes_in: declaredLength(f.bytes_in),
    bytes_out: f.bytes_out,
    user_id: f.user_id,
    trace_id: f.trace_id,
  });
}
