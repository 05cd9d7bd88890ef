/**
 * Request bodies refuse fields they do not know: a misplaced field (`hidden_layer_sizes` at the
 * top of POST /train) silently dropped trains a model the client did not ask for. The 422 names
 * the field and, where the schema knows one, the place it belongs ("" for the top level).
 */
import * as v from "valibot";

/**
 * The message of a strict object's issue: an unknown key says where it belongs (`homes` maps a
 * field name to the place that takes it) or that it is not a field here.
 *
 * @example v.strictObject({ a: v.string() }, unknownFieldMessage({ b: "options" }))
 */
export function unknownFieldMessage(homes: Record<string, string> = {}) {
  return (issue: v.StrictObjectIssue): string => {
    if (issue.expected !== "never") return `Invalid type: Expected ${issue.expected} but received ${issue.received}`;
    const key = String(issue.path?.at(-1)?.key ?? issue.received);
    const home = homes[key];
    if (home === undefined) return `unknown field ${key}`;
    return home === "" ? `${key} belongs at the top level of the body` : `${key} belongs under ${home}`;
  };
}

/**
 * An object schema for a JSON body that rejects unknown keys with `unknownFieldMessage`.
 *
 * @example const LoginBody = strictBody({ username: v.string(), password: v.string() });
 */
export function strictBody<const E extends v.ObjectEntries>(entries: E, homes: Record<string, string> = {}) {
  return v.strictObject(entries, unknownFieldMessage(homes));
}
