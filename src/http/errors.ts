/**
 * The one error path. Every error leaves as `{"error": {"code", "message", "details"}}`:
 * a ServiceError (src/errors.ts) carries its own status; valibot failures become 422 with field paths; anything
 * else is a 500 whose message is logged with the request id but not sent.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";
import { type ErrorCode, notFound, ServiceError } from "../errors";
import type { Logger } from "../log";
import type { AppEnv } from "./env";

export type { ErrorCode } from "../errors";

export { notFound };

export interface FieldIssue {
  path: string;
  message: string;
  /** where the value was, when the validator knew it */
  in?: InputLocation;
}

/** The part of a request a value came from. */
export type InputLocation = "body" | "query" | "path";

/** A valibot failure that knows which part of the request it is about. */
export class InvalidInput extends v.ValiError<v.GenericSchema> {
  constructor(
    readonly location: InputLocation,
    issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
  ) {
    super(issues);
  }
}

/** valibot issues as `{path: "items.3.age", message}`; an issue at the root has path "". */
export function fieldIssues(issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(p.key)).join("."),
    message: issue.message,
  }));
}

export function errorBody(code: ErrorCode, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_failed",
  429: "rate_limited",
  503: "not_ready",
};

/** What an expected error answers: status, body and extra headers; undefined for an unexpected one (a 500). */
export function errorAnswer(
  err: Error,
): { status: ContentfulStatusCode; body: ReturnType<typeof errorBody>; headers: Record<string, string> } | undefined {
  if (err instanceof ServiceError) {
    const body = errorBody(err.code, err.message, err.details);
    return { status: err.status as ContentfulStatusCode, body, headers: err.headers };
  }
  if (err instanceof v.ValiError) {
    const location = err instanceof InvalidInput ? err.location : undefined;
    const details = fieldIssues(err.issues).map((d) => (location ? { ...d, in: location } : d));
    const first = details[0];
    const where = location ? [location, first?.path].filter(Boolean).join(".") : first?.path || "input";
    const message = first ? `${where}: ${first.message}` : "invalid input";
    return { status: 422, body: errorBody("validation_failed", message, details), headers: {} };
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const body = errorBody(CODE_BY_STATUS[status] ?? "bad_request", err.message || "request failed");
    return { status, body, headers: {} };
  }
  return undefined;
}

export function handleError(err: Error, c: Context<AppEnv>): Response {
  const answer = errorAnswer(err);
  if (answer) {
    for (const [k, val] of Object.entries(answer.headers)) c.header(k, val);
    return c.json(answer.body, answer.status);
  }
  return c.json(internalError(err, c.get("requestId"), c.get("log")), 500);
}

/** An unexpected error: logged with the request id, answered without its message. */
export function internalError(err: Error, requestId: string | undefined, log: Logger | undefined) {
  log?.error("unhandled error", {
    request_id: requestId,
    error: err.message,
    stack: err.stack?.split("\n").slice(0, 6).join(" | "),
  });
  return errorBody("internal", "internal error; see the service log", { request_id: requestId });
}
