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
  | "internal";

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 431 | 500 | 503;

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

export const notFound = (what: string) => new ServiceError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details: unknown = null) =>
  new ServiceError(409, "conflict", message, details);
export const invalid = (message: string, details: unknown = null) =>
  new ServiceError(422, "validation_failed", message, details);
