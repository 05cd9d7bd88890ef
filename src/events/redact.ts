/**
 * Summaries of request input and output for the audit log, with secrets removed. A field
 * whose name looks like a credential is dropped whatever its value, so a new endpoint
 * cannot leak a password by forgetting to redact it; long strings and arrays are cut so
 * that one event stays small (a training request with 100k rows is summarised as a count).
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|csrf|api[_-]?key|credential/i;
/** Token-shaped strings are dropped even under an innocent key. */
const SECRET_VALUE = /^(mls_|mlsess_)[A-Za-z0-9_-]{20,}$|^\$argon2/;

const MAX_STRING = 200;
const MAX_ITEMS = 5;
const MAX_KEYS = 30;
const MAX_DEPTH = 4;

export const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A JSON-safe, bounded copy of `value` with secret fields replaced by "[redacted]". */
export function summarize(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    if (SECRET_VALUE.test(value)) return REDACTED;
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length} chars)` : value;
  }
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? `[${value.length} items]` : "{…}";
  if (Array.isArray(value)) {
    const head = value.slice(0, MAX_ITEMS).map((v) => summarize(v, depth + 1));
    return value.length > MAX_ITEMS ? { items: head, total: value.length } : head;
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    // an absent field (undefined) is not mentioned: a redacted "password" must mean one was sent
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    for (const [k, v] of entries.slice(0, MAX_KEYS)) {
      out[k] = isSecretKey(k) ? REDACTED : summarize(v, depth + 1);
    }
    if (entries.length > MAX_KEYS) out["…"] = `${entries.length - MAX_KEYS} more keys`;
    return out;
  }
  return String(value);
}
