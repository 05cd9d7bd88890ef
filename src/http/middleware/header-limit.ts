/**
 * Oversized request headers get a 431 with the usual JSON error body. Bun's own parser
 * answers 431 with an empty body and no hook for us, so the binary is built to let Bun accept
 * up to BUN_MAX_HEADER_BYTES (scripts/build.ts) and this middleware enforces the configured,
 * smaller limit. Headers beyond Bun's limit still get Bun's bare 431.
 *
 * @example app.use(headerLimit(16_384))
 */
import type { MiddlewareHandler } from "hono";
import { ServiceError } from "../../errors";
import type { AppEnv } from "../env";

/** What the parser itself accepts in the built binary and under `npm start` (--max-http-header-size). */
export const BUN_MAX_HEADER_BYTES = 65_536;

/**
 * Bytes of the header block as sent: `name: value\r\n` per field, plus the request line.
 * `pathLength`, where the caller already knows the path, spares parsing the URL.
 */
export function headerBytes(req: Request, pathLength = new URL(req.url).pathname.length): number {
  let n = req.method.length + pathLength + 12;
  req.headers.forEach((value, name) => {
    n += name.length + value.length + 4;
  });
  return n;
}

export function headerLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async function headerLimit(c, next) {
    const size = headerBytes(c.req.raw);
    if (size > maxBytes) {
      throw new ServiceError(
        431,
        "request_header_fields_too_large",
        `request headers are ${size} bytes, over the ${maxBytes}-byte limit; send fewer or smaller headers (cookies?)`,
        { limit_bytes: maxBytes },
      );
    }
    await next();
  };
}
