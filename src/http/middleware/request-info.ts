/**
 * Who is on the other end of a request: client IP and User-Agent. X-Forwarded-For is
 * honoured only with ML_TRUST_PROXY, and then its last entry is taken: that is the one our
 * own proxy appended; entries to its left are whatever the client chose to send.
 * (One proxy hop is assumed; behind a chain, the first proxy must overwrite the header.)
 */
import type { Context } from "hono";

const IP_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;

interface BunServerLike {
  requestIP?: (req: Request) => { address: string } | null;
}

export function clientIp(c: Context, trustProxy: boolean): string {
  return requestClientIp(c.req.raw, c.env, trustProxy);
}

/** clientIp for a bare request and the server Bun handed with it (`env`). */
export function requestClientIp(req: Request, env: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for");
    const last = forwarded?.split(",").at(-1)?.trim();
    if (last && IP_CHARS.test(last)) return last;
  }
  const server = env as BunServerLike | undefined;
  try {
    const address = server?.requestIP?.(req)?.address;
    if (address) return address;
  } catch {
    // requestIP throws for a request Bun did not receive itself (app.request in tests)
  }
  return "unknown";
}

/** HTTPS as the client sees it: the URL, or X-Forwarded-Proto from a trusted proxy. */
export function isHttps(c: Context, trustProxy: boolean): boolean {
  return requestIsHttps(c.req.raw, trustProxy);
}

/** isHttps for a bare request. */
export function requestIsHttps(req: Request, trustProxy: boolean): boolean {
  if (req.url.startsWith("https:")) return true;
  return trustProxy && req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}
