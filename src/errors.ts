/**
 * An error a client can act on, raised anywhere (registry, jobs, datasets) and sent by the one
 * error handler as `{"error": {"code", "message", "details"}}` with its HTTP status. Domain code
 * names the status it means; it does not import HTTP.
 */
export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "request_header_fields_too_large"
  | "rate_limited"
  | "not_ready"
  | "database_unavailable"
  | "timeout"
  | "internal";

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 413 | 415 | 422 | 429 | 431 | 500 | 503;

export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Client input as it may appear in a message: at most `max` characters, then an ellipsis, so a
 * 10 KB path segment is not echoed back whole (`notFound(\`model ${clip(key)}\`)`).
 */
export function clip(input: string, max = 64): string {
  return input.length <= max ? input : `${input.slice(0, max)}…`;
}

/** `what` is clipped as a whole too (200 characters), whatever client input it holds. */
export const notFound = (what: string) => new ServiceError(404, "not_found", `${clip(what, 200)} not found`);
export const conflict = (message: string, details: unknown = null) =>
  new ServiceError(409, "conflict", message, details);
export const invalid = (message: string, details: unknown = null) =>
  new ServiceError(422, "validation_failed", message, details);
