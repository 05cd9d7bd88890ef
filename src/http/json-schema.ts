/**
 * valibot → JSON Schema (draft 2020-12, as OpenAPI 3.1 takes it) for /openapi.json, with the
 * one thing the stock converter cannot know: a query value is text on the wire but a number to
 * the route. A pipe `string → … → toNumber() → integer() …` is documented as the number it
 * becomes (`{"type":"integer","minimum":1}`, default 100 not "100"), so generated clients
 * type `limit` as a number. Checks and transforms with no JSON Schema form are left out: the
 * input shape is what clients send.
 */
import { type ConversionConfig, toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import type { JsonSchema } from "./route-doc";

type Piped = v.GenericSchema & { pipe?: readonly { kind: string; type: string }[] };

/** The part of a `string → toNumber()` pipe after the conversion, as a number schema; else undefined. */
function numberOfText(schema: Piped): v.GenericSchema | undefined {
  const pipe = schema.pipe ?? [];
  if (pipe[0]?.type !== "string") return undefined;
  const at = pipe.findIndex((item) => item.type === "to_number");
  if (at < 0) return undefined;
  const after = pipe.slice(at + 1) as unknown as v.PipeItem<number, number, v.BaseIssue<unknown>>[];
  return v.pipe(v.number(), ...after);
}

const CONFIG: ConversionConfig = { target: "draft-2020-12", typeMode: "input", errorMode: "ignore" };

type Wrapped = v.GenericSchema & { wrapped?: v.GenericSchema; default?: unknown };

/** An entry of a query object, with a text→number pipe (bare or optional) replaced by its number form. */
function asNumber(entry: Wrapped): v.GenericSchema {
  if (entry.type === "optional" && entry.wrapped) {
    const inner = numberOfText(entry.wrapped as Piped);
    if (!inner) return entry;
    const fallback = typeof entry.default === "string" ? Number(entry.default) : undefined;
    return fallback === undefined ? v.optional(inner) : v.optional(inner, fallback);
  }
  return numberOfText(entry as Piped) ?? entry;
}

function convert(schema: v.GenericSchema): JsonSchema {
  const { $schema: _, ...rest } = toJsonSchema(schema, CONFIG) as JsonSchema;
  return rest;
}

/** The JSON Schema of what a client sends or receives for `schema`. */
export function jsonSchemaOf(schema: v.GenericSchema): JsonSchema {
  return convert(schema);
}

/** The JSON Schema of a query object, its text→number fields as the numbers they become. */
export function queryJsonSchemaOf(schema: v.GenericSchema): JsonSchema {
  const entries = (schema as { entries?: Record<string, Wrapped> }).entries;
  if (schema.type !== "object" || !entries) return convert(schema);
  return convert(v.object(Object.fromEntries(Object.entries(entries).map(([k, s]) => [k, asNumber(s)]))));
}
