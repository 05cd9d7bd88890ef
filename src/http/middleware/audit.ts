/**
 * The audit trail middleware: one event per API request, written after the response is
 * built, with who (identity), from where (IP, User-Agent), what (method, route, status,
 * duration) and a summary of input and output without secrets. Handlers refine the event
 * with `noteAudit(c, {type: "auth:login", subject, output})`; the rest is filled in here.
 * /health is not recorded: load balancers poll it every few seconds.
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import * as v from "valibot";
import { actorName } from "../../auth/identity";
import { ServiceError } from "../../errors";
import type { AuditNote } from "../../events/audit-note";
import type { EventLog } from "../../events/log";
import type { BurstDetector } from "../../events/suspicious";
import type { NewEvent } from "../../events/types";
import { PREDICTION_ROUTES } from "../../monitoring/alert-checks";
import type { AppEnv } from "../env";
import { fieldIssues } from "../errors";
import { clientIp } from "./request-info";

/** Adds to the event this request will write. */
export function noteAudit(c: Context<AppEnv>, note: AuditNote): void {
  c.set("audit", { ...c.get("audit"), ...note });
}

const UNRECORDED = new Set(["/health"]);
/** the dashboard's hashed assets and its long-lived event stream: page loads, not actions */
const UNRECORDED_PREFIX = /^\/ui\/(static\/|live$)/;

export interface AuditTrailOptions {
  events: EventLog;
  bursts: BurstDetector;
  now: () => Date;
  trustProxy: boolean;
}

export function auditTrail(opts: AuditTrailOptions): MiddlewareHandler<AppEnv> {
  return async function auditTrail(c, next) {
    const ip = clientIp(c, opts.trustProxy);
    c.set("clientIp", ip);
    if (UNRECORDED.has(c.req.path) || UNRECORDED_PREFIX.test(c.req.path) || c.req.method === "OPTIONS") return next();
    const start = performance.now();
    await next();
    const duration = Math.round((performance.now() - start) * 1000) / 1000;
    const note = c.get("audit") ?? {};
    const identity = note.actor ?? c.get("identity");
    await recordRequestEvent(
      opts,
      {
        type: note.type ?? "http:request",
        // a dashboard page is the GUI even before sign-in (a failed login form)
        source: identity?.via === "cookie" || /^\/ui(\/|$)/.test(c.req.path) ? "gui" : "api",
        actor: identity ? actorName(identity) : null,
        actor_user_id: identity?.userId ?? null,
        via: identity?.via ?? null,
        subject: note.subject ?? null,
        ip,
        user_agent: c.req.header("user-agent") ?? null,
        method: c.req.method,
        route: matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? null,
        path: c.req.path,
        status: c.res.status,
        duration_ms: duration,
        request_id: c.get("requestId") ?? null,
        input: note.input ?? (await inputSummary(c)),
        output: note.output ?? errorSummary(c.error),
      },
      note.suspicious,
    );
  };
}

/**
 * Writes one request's audit event: the middleware's, and the POST /predict fast path's
 * (src/http/fast-predict.ts). `suspicious` is the caller's reason, if it has one; else the burst
 * detector decides. Refusals and answered predictions are counted, not each written. `fields`
 * becomes the event: pass an object of your own.
 */
export async function recordRequestEvent(
  opts: Pick<AuditTrailOptions, "events" | "bursts" | "now">,
  fields: Omit<NewEvent, "suspicious" | "reason">,
  suspicious: string | null | undefined,
): Promise<void> {
  const reason = suspicious ?? opts.bursts.note(fields.ip ?? "unknown", opts.now().getTime());
  // the caller's object becomes the event (each builds a fresh one): no copy per request
  const event = fields as NewEvent;
  event.suspicious = reason != null;
  event.reason = reason ?? null;
  if (isRefusal(event)) await opts.events.recordRepeated(event);
  else if (isPrediction(event)) await opts.events.recordRepeated(event, predictedWith(event.input));
  else await opts.events.record(event);
}

/** An answered POST /predict: counted per caller and model (EventLog.recordRepeated), the rows are in the prediction log. */
function isPrediction(e: NewEvent): boolean {
  return e.status === 200 && e.method === "POST" && PREDICTION_ROUTES.includes(e.route ?? "");
}

function predictedWith(input: unknown): string {
  const i = (input ?? {}) as { model_key?: unknown; version?: unknown };
  return `${String(i.model_key)}@${String(i.version ?? "")}`;
}

/** Statuses of a request refused for what it sent (credentials, body, size), before any work was done. */
const REFUSED = new Set([400, 401, 413, 415, 422]);

/** Refused tokens, and API requests refused for their credentials or body: counted, not each written (EventLog.recordRefusal). */
function isRefusal(e: NewEvent): boolean {
  if (e.type === "auth:token_rejected") return true;
  return e.type === "http:request" && e.source === "api" && REFUSED.has(e.status ?? 0);
}

/** Query parameters and, when a handler parsed one, the JSON or form body (secrets are dropped later). */
async function inputSummary(c: Context<AppEnv>): Promise<unknown> {
  const query = c.req.query();
  const cache = c.req.bodyCache as { json?: Promise<unknown>; parsedBody?: Promise<unknown> };
  let body: unknown;
  try {
    body = await (cache.json ?? cache.parsedBody);
  } catch {
    body = undefined;
  }
  if (Object.keys(query).length === 0 && body === undefined) return null;
  return { ...(Object.keys(query).length ? { query } : {}), ...(body !== undefined ? { body } : {}) };
}

/** For a failed request, the error code and message; validation errors give field paths only (never values). */
export function errorSummary(err: unknown): unknown {
  if (!err) return null;
  if (err instanceof ServiceError) return { error: err.code, message: err.message };
  if (err instanceof v.ValiError)
    return { error: "validation_failed", fields: fieldIssues(err.issues).map((i) => i.path) };
  return { error: "error" };
}
