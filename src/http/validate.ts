/**
 * Route-level validation with valibot, read back with `c.req.valid("json")`. A failure
 * throws an InvalidInput naming where the bad value was (`body`, `query` or `path`), which
 * the error handler turns into a 422 whose message says `query.from: …`, not just `from`.
 *
 * Each validator remembers its schema, so /openapi.json documents exactly what the route
 * checks (src/http/openapi.ts reads it back with `validatedSchemaOf(handler)`).
 */
import type { Context, MiddlewareHandler } from "hono";
import * as v from "valibot";
import { ServiceError } from "../errors";
import { type InputLocation, InvalidInput } from "./errors";

export type ValidatedTarget = "json" | "query";

export interface ValidatedSchema {
  target: ValidatedTarget;
  schema: v.GenericSchema;
}

const SCHEMAS = new WeakMap<object, ValidatedSchema>();

/** `application/json`, or a `+json` type such as `application/merge-patch+json`. */
export const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Parses `value` with `schema`; on failure throws InvalidInput for `location`. */
export function parseInput<S extends v.GenericSchema>(location: InputLocation, schema: S, value: unknown) {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new InvalidInput(location, result.issues);
  return result.output as v.InferOutput<S>;
}

/** One path parameter, parsed with `schema`; an error names it as `path.<name>`. */
export function pathParam<S extends v.GenericSchema>(name: string, schema: S, raw: string | undefined) {
  return parseInput("path", v.object({ [name]: schema }), { [name]: raw })[name] as v.InferOutput<S>;
}

/**
 * The request body as JSON. A body sent as anything else is a 415 (a form post to a JSON
 * route is a client bug, not a validation error); one that does not parse is a 400. A
 * request with neither a Content-Type nor a body reads as `{}`: a POST whose fields are all
 * optional needs no body.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type");
  const media = type?.split(";")[0]?.trim() ?? "";
  if (!JSON_MEDIA_TYPE.test(media)) {
    if (!type && (await c.req.text()) === "") return {};
    const got = media ? `, not ${media.slice(0, 100)}` : "";
    throw new ServiceError(
      415,
      "unsupported_media_type",
      `send the body as JSON: Content-Type: application/json${got}`,
      {
        expected: "application/json",
      },
    );
  }
  return parseJsonBody(await c.req.text());
}

/** A JSON request body's text, parsed; a 400 naming the problem when it does not parse. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // Bun's parser names the problem but not where it is
    const why = e instanceof Error ? e.message.replace(/^JSON Parse error: /, "") : "";
    throw new ServiceError(400, "bad_request", `request body is not valid JSON${why ? `: ${why}` : ""}`);
  }
}

/**
 * The JSON body, checked with `schema`. `plain`, where given, is a hand-written reading of the hot
 * shape: it answers exactly what `schema` would return for a body it knows is valid (defaults
 * filled), or undefined. Such a body skips valibot (a single-row POST /predict spent more in
 * valibot than in its forward pass); anything else goes through `schema`, which gives the exact 422.
 * `other`, where given, names requests whose body the route reads itself (a data file sent to
 * POST /predict): they pass unread, with no validated `json`.
 */
export const jsonBody = <S extends v.GenericSchema>(
  schema: S,
  plain?: (value: unknown) => v.InferOutput<S> | undefined,
  other?: (c: Context) => boolean,
) => {
  const handler: MiddlewareHandler<
    // biome-ignore lint/suspicious/noExplicitAny: the same environment type Hono's own validator takes
    any,
    string,
    { in: { json: v.InferInput<S> }; out: { json: v.InferOutput<S> } }
  > = async function jsonBody(c, next) {
    if (other?.(c)) return next();
    const value = await readJson(c);
    c.req.addValidatedData("json", (plain?.(value) ?? parseInput("body", schema, value)) as object);
    await next();
  };
  SCHEMAS.set(handler, { target: "json", schema });
  return handler;
};

export const queryParams = <S extends v.GenericSchema>(schema: S) => {
  const handler: MiddlewareHandler<
    // biome-ignore lint/suspicious/noExplicitAny: as above
    any,
    string,
    { in: { query: v.InferInput<S> }; out: { query: v.InferOutput<S> } }
  > = async function queryParams(c, next) {
    const value = Object.fromEntries(
      Object.entries(c.req.queries()).map(([k, all]) => [k, all.length === 1 ? all[0] : all]),
    );
    c.req.addValidatedData("query", parseInput("query", schema, value) as object);
    await next();
  };
  SCHEMAS.set(handler, { target: "query", schema });
  return handler;
};

/** The schema a `jsonBody`/`queryParams` middleware validates with; undefined for any other handler. */
export function validatedSchemaOf(handler: unknown): ValidatedSchema | undefined {
  return typeof handler === "function" ? SCHEMAS.get(handler) : undefined;
}
