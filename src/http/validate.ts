/**
 * Route-level validation with valibot, read back with `c.req.valid("json")`. A failure
 * throws the ValiError, which the error handler turns into a 422 with field paths.
 *
 * Each validator remembers its schema, so /openapi.json documents exactly what the route
 * checks (src/http/openapi.ts reads it back with `validatedSchemaOf(handler)`).
 */
import { validator } from "hono/validator";
import * as v from "valibot";

export type ValidatedTarget = "json" | "query";

export interface ValidatedSchema {
  target: ValidatedTarget;
  schema: v.GenericSchema;
}

const SCHEMAS = new WeakMap<object, ValidatedSchema>();

export const jsonBody = <S extends v.GenericSchema>(schema: S) => {
  const handler = validator("json", (value): v.InferOutput<S> => v.parse(schema, value));
  SCHEMAS.set(handler, { target: "json", schema });
  return handler;
};

export const queryParams = <S extends v.GenericSchema>(schema: S) => {
  const handler = validator("query", (value): v.InferOutput<S> => v.parse(schema, value));
  SCHEMAS.set(handler, { target: "query", schema });
  return handler;
};

/** The schema a `jsonBody`/`queryParams` middleware validates with; undefined for any other handler. */
export function validatedSchemaOf(handler: unknown): ValidatedSchema | undefined {
  return typeof handler === "function" ? SCHEMAS.get(handler) : undefined;
}
