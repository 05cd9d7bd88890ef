/**
 * The OpenAPI 3.1 document of the running app, built from what the app itself holds: the
 * mounted routes and their access declarations (`routeTable`, src/http/middleware/route-access.ts),
 * the valibot schemas their `jsonBody`/`queryParams` validators check (src/http/validate.ts)
 * and what they answer (`responds`, src/http/route-doc.ts). A route added anywhere shows up
 * here without anyone editing a spec file; one without `responds` is listed with an untyped
 * JSON success body.
 */
import type { RouterRoute } from "hono/types";
import type * as v from "valibot";
import { LICENSE, VERSION } from "../version";
import { jsonSchemaOf, queryJsonSchemaOf } from "./json-schema";
import { type RouteRow, routeTable } from "./middleware/route-access";
import { type DeclaredError, isMediaBody, type JsonSchema, type RouteDoc, routeDocOf } from "./route-doc";
import { isUiPath } from "./ui/page";
import { type ValidatedSchema, validatedSchemaOf } from "./validate";

/** The JSON API's routes: the dashboard's pages, its assets and `/` (a redirect there) are HTML for people. */
export function apiRoutes(app: { routes: readonly RouterRoute[] }): RouteRow[] {
  return routeTable(app).filter((r) => !isUiPath(r.path) && r.path !== "/");
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  "x-access": RouteRow["access"];
  security: Record<string, string[]>[];
  parameters: {
    name: string;
    in: "path" | "query";
    required: boolean;
    schema: JsonSchema;
  }[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string; license: { name: string } };
  servers: { url: string; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, JsonSchema> };
}

/** Every way in that src/http/middleware/authenticate.ts accepts; /ws also takes `?token=` (documented on the route). */
const SECURITY_SCHEMES = {
  bearerAuth: { type: "http", scheme: "bearer", description: "session (mlsess_…) or API token (mls_…)" },
  adminToken: { type: "apiKey", in: "header", name: "X-Admin-Token", description: "ML_ADMIN_API_TOKEN" },
  cookieAuth: {
    type: "apiKey",
    in: "cookie",
    name: "mls_session",
    description: "browser session; CSRF token on writes",
  },
};
const SIGNED_IN: Record<string, string[]>[] = [{ bearerAuth: [] }, { adminToken: [] }, { cookieAuth: [] }];

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
    },
  },
};
const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** Hono's `/jobs/:id` is OpenAPI's `/jobs/{id}`; a `:name{regex}` keeps only the name. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");

function queryParameters(schema: ValidatedSchema["schema"]): OpenApiOperation["parameters"] {
  const json = queryJsonSchemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema: s,
  }));
}

const DERIVED_ERRORS: Record<DeclaredError, string> = {
  400: "the request is malformed",
  404: "no such resource",
  409: "conflicts with the current state",
  413: "the body is over the size limit",
  415: "the body's media type is not accepted",
  422: "the request failed validation",
  429: "too many attempts; retry after Retry-After seconds",
  503: "not ready (a model still training or unable to serve); retry after Retry-After seconds",
};

/** The untyped success answer of a route that declares none with `responds`. */
const UNDECLARED: OpenApiOperation["responses"][string] = {
  description: "success (shape not declared)",
  content: { "application/json": { schema: { type: "object" } } },
};

function successResponses(doc: RouteDoc | undefined, method: string): OpenApiOperation["responses"] {
  if (!doc) return { [method === "POST" ? "2XX" : "200"]: UNDECLARED };
  const out: OpenApiOperation["responses"] = {};
  for (const [status, body] of Object.entries(doc.responses)) {
    if (body === undefined) continue;
    if (body === null) {
      out[status] = { description: status === "101" ? "switching protocols" : "no body" };
      continue;
    }
    const content: Record<string, { schema: JsonSchema }> = {};
    for (const one of Array.isArray(body) ? body : [body]) {
      if (isMediaBody(one)) content[one.media] = { schema: one.schema ?? { type: "string" } };
      else content["application/json"] = { schema: jsonSchemaOf(one) };
    }
    const description =
      status === "202" ? "accepted: a job was queued" : Number(status) < 300 ? "success" : "not ready";
    out[status] = { description, content };
  }
  return out;
}

function requestBodyOf(
  validated: ValidatedSchema[],
  doc: RouteDoc | undefined,
): OpenApiOperation["requestBody"] | undefined {
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const { target, schema } of validated) {
    if (target === "json") content["application/json"] = { schema: jsonSchemaOf(schema) };
  }
  for (const [media, schema] of Object.entries(doc?.body ?? {})) {
    content[media] = { schema: "kind" in schema ? jsonSchemaOf(schema as v.GenericSchema) : (schema as JsonSchema) };
  }
  return Object.keys(content).length ? { required: true, content } : undefined;
}

function operation(row: RouteRow, validated: ValidatedSchema[], doc: RouteDoc | undefined): OpenApiOperation {
  const path = openApiPath(row.path);
  const parameters: OpenApiOperation["parameters"] = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => {
    const name = m[1] as string;
    const declared = doc?.params?.[name];
    return { name, in: "path", required: true, schema: declared ? jsonSchemaOf(declared) : { type: "string" } };
  });
  for (const { target, schema } of validated) {
    if (target === "query") parameters.push(...queryParameters(schema));
  }
  const requestBody = requestBodyOf(validated, doc);
  const isPublic = row.access === "public";
  const responses = successResponses(doc, row.method);
  const error = (status: number, description: string) => {
    responses[String(status)] ??= errorResponse(description);
  };
  if (requestBody || parameters.length) error(422, DERIVED_ERRORS[422]);
  if (requestBody) {
    if (requestBody.content["application/json"]) error(400, "the body is not valid JSON");
    error(413, DERIVED_ERRORS[413]);
    error(415, "the body was not sent as application/json");
  }
  if (!isPublic) {
    error(401, "no or invalid credentials");
    error(403, `needs the ${row.access} role`);
  }
  if (parameters.some((p) => p.in === "path")) error(404, DERIVED_ERRORS[404]);
  const declared = doc?.errors ?? [];
  const named: [string, string | undefined][] = Array.isArray(declared)
    ? declared.map((status) => [String(status), undefined])
    : Object.entries(declared);
  for (const [status, why] of named) {
    responses[status] = errorResponse(why ?? DERIVED_ERRORS[Number(status) as DeclaredError]);
  }
  return {
    operationId: `${row.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    summary: doc?.summary ?? `${row.method} ${path}`,
    tags: [path.split("/")[1] || "root"],
    "x-access": row.access,
    security: isPublic ? [] : SIGNED_IN,
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/**
 * The document for `app` as mounted now.
 *
 * @example
 * const spec = openApiDocument(createApp(deps));
 * spec.paths["/train"].post.requestBody // the JSON Schema of TrainBody
 */
export function openApiDocument(app: { routes: readonly RouterRoute[] }, serverUrl = "/"): OpenApiDocument {
  const validated = new Map<string, ValidatedSchema[]>();
  const docs = new Map<string, RouteDoc>();
  for (const r of app.routes) {
    const key = `${r.method} ${r.path}`;
    const doc = routeDocOf(r.handler);
    if (doc) docs.set(key, doc);
    const s = validatedSchemaOf(r.handler);
    if (s) validated.set(key, [...(validated.get(key) ?? []), s]);
  }
  const paths: OpenApiDocument["paths"] = {};
  for (const row of apiRoutes(app)) {
    const path = openApiPath(row.path);
    paths[path] ??= {};
    (paths[path] as Record<string, OpenApiOperation>)[row.method.toLowerCase()] = operation(
      row,
      validated.get(`${row.method} ${row.path}`) ?? [],
      docs.get(`${row.method} ${row.path}`),
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ML Service",
      version: VERSION,
      description:
        "Train, serve and monitor small neural networks on tabular data. x-access on each operation names the least role that may call it.",
      license: { name: LICENSE },
    },
    servers: [{ url: serverUrl, description: "this service" }],
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: { Error: ERROR_SCHEMA } },
  };
}
