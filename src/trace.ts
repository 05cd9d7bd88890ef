/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace id a request carries in
 * `traceparent`, so the service's log lines for it, and for the jobs it starts, can be found
 * beside the caller's own. A request without a valid header starts a new trace, as the
 * recommendation says a receiver does.
 */

/** `version-traceid-parentid-flags`: 2, 32, 16 and 2 lowercase hex digits. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_PARENT = "0".repeat(16);
/** a trace id as stored and logged */
export const TRACE_ID = /^[0-9a-f]{32}$/;

export interface TraceParent {
  traceId: string;
  parentId: string;
  sampled: boolean;
}

/**
 * The parts of a `traceparent` header; null when it is absent or invalid (version ff, all-zero
 * ids, wrong lengths or case, or a version-00 header with extra fields).
 */
export function parseTraceparent(header: string | undefined | null): TraceParent | null {
  if (!header || header.length > 512) return null;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === "ff" || (version === "00" && rest)) return null;
  if (traceId === ZERO_TRACE || parentId === ZERO_PARENT) return null;
  return { traceId, parentId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** A fresh trace id (16 random bytes as hex), for a request that carried none. */
export function newTraceId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
