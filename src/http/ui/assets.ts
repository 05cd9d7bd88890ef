/**
 * The dashboard's static files, embedded in the binary (text imports) and served under
 * content-hashed names (`/ui/static/app.3f2a9c1b.css`) with a year-long immutable cache: a new
 * build changes the name, so browsers never keep a stale file. Gzip copies are made once at start.
 */
import { Hono } from "hono";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import css from "../../../static/app.css" with { type: "text" };
import script from "../../../static/app.js" with { type: "text" };
import docsCss from "../../../static/docs.css" with { type: "text" };
import type { AppEnv } from "../env";
import { publicRoute } from "../middleware/route-access";

interface Asset {
  path: string;
  type: string;
  body: Uint8Array;
  gzip: Uint8Array;
}

const PREFIX = "/ui/static/";

function asset(name: string, ext: string, text: string, type: string): Asset {
  const body = new TextEncoder().encode(text);
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 10);
  return { path: `${PREFIX}${name}.${hash}.${ext}`, type, body, gzip: Bun.gzipSync(body, { level: 9 }) };
}

const ASSETS = {
  css: asset("app", "css", css, "text/css; charset=utf-8"),
  js: asset("app", "js", script, "text/javascript; charset=utf-8"),
  htmx: asset("htmx", "js", htmx, "text/javascript; charset=utf-8"),
};
// the API reference's own stylesheet: /docs has no inline style either (Content-Security-Policy)
const DOCS = asset("docs", "css", docsCss, "text/css; charset=utf-8");
const BY_PATH = new Map([...Object.values(ASSETS), DOCS].map((a) => [a.path, a]));

/** Hashed URLs for the layout and /docs. */
export const assetUrls = { css: ASSETS.css.path, js: ASSETS.js.path, htmx: ASSETS.htmx.path, docs: DOCS.path };

/** Bytes a page loads, raw and gzipped (bench, tests). */
export function assetSizes() {
  return Object.values(ASSETS).map((a) => ({ path: a.path, bytes: a.body.length, gzip: a.gzip.length }));
}

export function assetRoutes() {
  return new Hono<AppEnv>().get(`${PREFIX}:file`, publicRoute(), (c) => {
    const a = BY_PATH.get(c.req.path);
    if (!a) return c.text("not found", 404);
    const headers: Record<string, string> = {
      "content-type": a.type,
      "cache-control": "public, max-age=31536000, immutable",
      vary: "accept-encoding",
    };
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      return c.body(a.gzip.slice().buffer, 200, { ...headers, "content-encoding": "gzip" });
    }
    return c.body(a.body.slice().buffer, 200, headers);
  });
}
