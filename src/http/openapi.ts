/**
 * The OpenAPI 3.1 document of the running app, built from what the app itself holds: the
 * mounted routes and their access declarations (`routeTable`, src/http/middleware/route-access.ts) and
 * the valibot schemas their `jsonBody`/`queryParams` validators check (src/http/validate.ts).
 * A route added anywhere shows up here without anyone editing a spec file.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type { RouterRoute } from "hono/types";
import { VERSION } from "../version";
import { type RouteRow, routeTable } from "./middleware/route-access";
import { isUiPath } from "./ui/page";
import { type ValidatedSchema, validatedSchemaOf } from "./validate";

type JsonSchema = Record<string, unknown>;

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
  requestBody?: { required: true; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
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

function jsonSchemaOf(schema: ValidatedSchema["schema"]): JsonSchema {
  // checks (v.check) and transforms have no JSON Schema form; the input shape is what clients send
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode: "input",
    errorMode: "ignore",
  }) as JsonSchema;
  return rest;
}

function queryParameters(schema: ValidatedSchema["schema"]): OpenApiOperation["parameters"] {
  const json = jsonSchemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema: s,
  }));
}

function operation(row: RouteRow, validated: ValidatedSchema[]): OpenApiOperation {
  const path = openApiPath(row.path);
  const parameters: OpenApiOperation["parameters"] = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1] as string,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  let requestBody: OpenApiOperation["requestBody"];
  for (const { target, schema } of validated) {
    if (target === "query") parameters.push(...queryParameters(schema));
    else requestBody = { required: true, content: { "application/json": { schema: jsonSchemaOf(schema) } } };
  }
  const isPublic = row.access === "public";
  const responses: OpenApiOperation["responses"] = {
    [row.method === "POST" ? "2XX" : "200"]: { description: "success" },
  };
  if (requestBody || parameters.length) responses["422"] = errorResponse("the request failed validation");
  if (requestBody) {
    responses["400"] = errorResponse("the body is not valid JSON");
    responses["415"] = errorResponse("the body was not sent as application/json");
  }
  if (!isPublic) {
    responses["401"] = errorResponse("no or invalid credentials");
    responses["403"] = errorResponse(`needs the ${row.access} role`);
  }
  if (parameters.some((p) => p.in === "path")) responses["404"] = errorResponse("no such resource");
  return {
    operationId: `${row.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    summary: `${row.method} ${path}`,
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
export function openApiDocument(app: { routes: readonly RouterRoute[] }): OpenApiDocument {
  const validated = new Map<string, ValidatedSchema[]>();
  for (const r of app.routes) {
    const s = validatedSchemaOf(r.handler);
    if (!s) continue;
    const key = `${r.method} ${r.path}`;
    validated.set(key, [...(validated.get(key) ?? []), s]);
  }
  const paths: OpenApiDocument["paths"] = {};
  for (const row of apiRoutes(app)) {
    const path = openApiPath(row.path);
    paths[path] ??= {};
    (paths[path] as Record<string, OpenApiOperation>)[row.method.toLowerCase()] = operation(
      row,
      validated.get(`${row.method} ${row.path}`) ?? [],
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ML Service",
      version: VERSION,
      description:
        "Train, serve and monitor small neural networks on tabular data. x-access on each operation names the least role that may call it.",
    },
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: { Error: ERROR_SCHEMA } },
  };
}
