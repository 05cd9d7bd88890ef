/**
 * What a route answers, declared beside it for /openapi.json (src/http/openapi.ts reads it back
 * with `routeDocOf(handler)`), the way `requireRole` declares who may call it and `jsonBody`
 * what it reads:
 *
 * ```ts
 * app.get("/models/:key", requireRole("user"), responds({ 200: ModelDetail }, { errors: [503] }), handler)
 * ```
 *
 * A success answer is a valibot schema of its JSON body, or `{ media: "text/csv" }`-style
 * content for non-JSON bodies (a list of both where the client picks the format). Error answers that follow from the route's other declarations
 * (401/403 from its role, 404 from a path parameter, 400/413/415/422 from a body or query
 * validator) are added by the generator; `errors` names the rest (409, 429, 503 …).
 * The middleware itself only calls `next()`.
 */
import type { MiddlewareHandler } from "hono";
import type * as v from "valibot";

export type JsonSchema = Record<string, unknown>;

/** A non-JSON success body: its media type and, where it has one, the JSON Schema of its text. */
export interface MediaBody {
  media: string;
  schema?: JsonSchema;
}

export type SuccessBody = v.GenericSchema | MediaBody;

/** Error statuses a route may declare beyond those derived from its other declarations. */
export type DeclaredError = 400 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

export interface RouteDocOptions {
  /** one line shown as the operation's summary */
  summary?: string;
  /** answers beyond the derived ones, each with why it happens */
  errors?: DeclaredError[] | Partial<Record<DeclaredError, string>>;
  /** path parameters that are not plain strings (`{ id: v.pipe(v.number(), v.integer()) }`) */
  params?: Record<string, v.GenericSchema>;
  /** a body the route reads itself (multipart, form, raw text), by media type */
  body?: Record<string, v.GenericSchema | JsonSchema>;
}

export interface RouteDoc extends RouteDocOptions {
  /** success answers by status (200, 201, 202 …); several bodies where `?format=` picks one; null: no body (101) */
  responses: Partial<Record<number, SuccessBody | SuccessBody[] | null>>;
}

const DOCS = new WeakMap<object, RouteDoc>();

/**
 * Declares what a route answers; put it after the access and validator middleware.
 *
 * @example
 * .post("/train", requireRole("user"), jsonBody(TrainBody), responds({ 202: TrainAccepted }), handler)
 */
export function responds(
  responses: RouteDoc["responses"],
  options: RouteDocOptions = {},
): MiddlewareHandler<
  // biome-ignore lint/suspicious/noExplicitAny: any environment, as jsonBody's
  any
> {
  const handler: MiddlewareHandler = function responds(_c, next) {
    return next();
  };
  DOCS.set(handler, { ...options, responses });
  return handler;
}

/** The declaration a `responds` middleware carries; undefined for any other handler. */
export function routeDocOf(handler: unknown): RouteDoc | undefined {
  return typeof handler === "function" ? DOCS.get(handler) : undefined;
}

export const isMediaBody = (body: SuccessBody): body is MediaBody => "media" in body && !("kind" in body);
