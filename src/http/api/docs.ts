/**
 * `GET /openapi.json` and `GET /docs` (also at `/redoc`, where seed 001 has it): the API described by the app itself (src/http/openapi.ts).
 * /docs is plain server-rendered HTML with no scripts and no external assets (its stylesheet is
 * static/docs.css, served like the dashboard's), so it works on an air-gapped box, with
 * JavaScript switched off and under the Content-Security-Policy. Both are public: the spec
 * holds no secrets.
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { RouterRoute } from "hono/types";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { isHttps } from "../middleware/request-info";
import { publicRoute } from "../middleware/route-access";
import { type OpenApiDocument, type OpenApiOperation, openApiDocument } from "../openapi";
import { responds } from "../route-doc";
import { assetUrls } from "../ui/assets";

function renderOperation(path: string, method: string, op: OpenApiOperation) {
  const m = method.toUpperCase();
  const bodies = Object.entries(op.requestBody?.content ?? {});
  return html`<details id="${op.operationId}">
    <summary><span class="m ${m}">${m}</span> ${path} <span class="role">${op["x-access"]}</span></summary>
    ${
      op.parameters.length
        ? html`<table>
            <tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>
            ${op.parameters.map(
              (p) =>
                html`<tr><td>${p.name}</td><td>${p.in}</td><td>${p.required ? "yes" : "no"}</td><td><code>${JSON.stringify(p.schema)}</code></td></tr>`,
            )}
          </table>`
        : ""
    }
    ${bodies.map(
      ([media, { schema }]) => html`<p>&nbsp;Request body (${media}):</p><pre>${JSON.stringify(schema, null, 2)}</pre>`,
    )}
    <p>&nbsp;Responses: ${Object.entries(op.responses)
      .map(([status, r]) => `${status} ${r.description}`)
      .join(" · ")}</p>
  </details>`;
}

function renderDocs(spec: OpenApiDocument) {
  const byTag = new Map<string, ReturnType<typeof renderOperation>[]>();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? "root";
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(path, method, op)]);
    }
  }
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${spec.info.title} ${spec.info.version} — HTTP API</title><link rel="stylesheet" href="${assetUrls.docs}"></head>
<body><h1>${spec.info.title} ${spec.info.version}</h1>
<p>${spec.info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${spec.openapi}).</p>
<p>Credentials: <code>Authorization: Bearer &lt;token&gt;</code>, <code>X-Admin-Token</code>, or the
<code>mls_session</code> cookie; <code>/ws</code> also takes <code>?token=</code>.</p>
${[...byTag.entries()].map(([tag, ops]) => html`<h2 id="tag-${tag}">/${tag}</h2>${ops}`)}
</body></html>`;
}

/** This service as the client reached it: scheme (X-Forwarded-Proto behind a trusted proxy) and Host. */
function serverUrl(c: Context, trustProxy: boolean): string {
  const host = new URL(c.req.url).host;
  if (!host || !/^[A-Za-z0-9.\-:[\]]{1,300}$/.test(host)) return "/";
  return `${isHttps(c, trustProxy) ? "https" : "http"}://${host}`;
}

/**
 * `app` is the whole mounted app, read at request time so every route is listed. `/redoc` is
 * where seed 001's clients look for the reference: the same page.
 */
export function docsRoutes(app: { routes: readonly RouterRoute[] }, options: { trustProxy: boolean }) {
  return new Hono<AppEnv>()
    .get("/openapi.json", publicRoute(), responds({ 200: v.looseObject({ openapi: v.string() }) }), (c) =>
      c.json(openApiDocument(app, serverUrl(c, options.trustProxy))),
    )
    .get("/docs", publicRoute(), responds({ 200: { media: "text/html" } }), (c) =>
      c.html(renderDocs(openApiDocument(app))),
    )
    .get("/redoc", publicRoute(), responds({ 200: { media: "text/html" } }), (c) =>
      c.html(renderDocs(openApiDocument(app))),
    );
}
