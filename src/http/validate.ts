/**
 * Route-level validation with valibot, read back with `c.req.valid("json")`. A failure
 * throws the ValiError, which the error handler turns into a 422 with field paths.
 */
import { validator } from "hono/validator";
import * as v from "valibot";

export const jsonBody = <S extends v.GenericSchema>(schema: S) =>
  validator("json", (value): v.InferOutput<S> => v.parse(schema, value));

export const queryParams = <S extends v.GenericSchema>(schema: S) =>
  validator("query", (value): v.InferOutput<S> => v.parse(schema, value));
