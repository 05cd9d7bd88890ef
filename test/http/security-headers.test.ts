/**
 * Security headers on every dashboard page, /docs and the API; and pages a strict
 * Content-Security-Policy can run: no inline script, style or event handler anywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LineChart } from "../../views/components/chart";
import { Meter } from "../../views/components/chrome";
import { csvRows } from "../ml-service/helpers";
import { ADMIN, ADMIN_PASSWORD, Browser, startUi } from "../ui/helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
let jobId = "";

beforeAll(async () => {
  svc = await startUi({ ML_MAX_ITER: "10" });
  const train = await svc.request("/train", {
    json: { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") },
  });
  jobId = train.body.job_id;
  await svc.waitJob(jobId);
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
});
afterAll(() => svc.close());

const SIGNED_IN_PAGES = [
  "/ui",
  "/ui/models",
  "/ui/models/iris",
  "/ui/train",
  "/ui/predict",
  "/ui/jobs",
  "/ui/datasets",
  "/ui/drift",
  "/ui/alerts",
  "/ui/metrics",
  "/ui/events",
  "/ui/users",
  "/ui/profile",
  "/ui/about",
  "/ui/no-such-page",
];
const PUBLIC_PAGES = ["/ui/login", "/ui/register", "/docs"];

function expectPageHeaders(path: string, headers: Headers) {
  const csp = headers.get("content-security-policy") ?? "";
  expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("script-src 'self'") });
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("same-origin");
}

/** What the policy would block: inline scripts, <style> elements, style attributes, on* handlers. */
function inlineCode(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc=/.test(m[1] ?? "") || (m[2] ?? "").trim()) found.push(m[0].slice(0, 80));
  }
  for (const m of html.matchAll(/<style\b[^>]*>/gi)) found.push(m[0]);
  for (const m of html.matchAll(/<[^>]*\s(style|on[a-z]+)\s*=[^>]*>/gi)) found.push(m[0].slice(0, 80));
  for (const m of html.matchAll(/(href|src|action)="\s*javascript:[^"]*"/gi)) found.push(m[0]);
  return found;
}

describe("security headers", () => {
  test("every dashboard page and /docs carries CSP, frame-ancestors, X-Frame-Options, nosniff, Referrer-Policy", async () => {
    for (const path of SIGNED_IN_PAGES) {
      const res = await admin.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: path === "/ui/no-such-page" ? 404 : 200 });
      expectPageHeaders(path, res.headers);
    }
    const anon = new Browser(svc.app);
    for (const path of PUBLIC_PAGES) {
      const res = await anon.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expectPageHeaders(path, res.headers);
    }
    expect((await admin.get(`/ui/jobs/${jobId}`)).status).toBe(200);
    expectPageHeaders("job page", (await admin.get(`/ui/jobs/${jobId}`)).headers);
    // a redirect to sign-in is framed no more than a page
    expectPageHeaders("redirect", (await anon.get("/ui/models")).headers);
  });

  test("every API answer and static file is nosniff, errors included", async () => {
    for (const path of ["/health", "/openapi.json", "/models", "/no-such-route", "/jobs/nope"]) {
      const res = await svc.request(path);
      expect({ path, nosniff: res.headers.get("x-content-type-options") }).toEqual({ path, nosniff: "nosniff" });
    }
    const page = await admin.get("/ui");
    for (const [, src] of page.text.matchAll(/(?:src|href)="(\/ui\/static\/[^"]+)"/g)) {
      const res = await admin.get(src as string);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  test("no page holds inline script, inline style or an on* handler, so the policy blocks nothing of ours", async () => {
    const pages: [string, string][] = [];
    for (const path of [...SIGNED_IN_PAGES, `/ui/jobs/${jobId}`]) pages.push([path, (await admin.get(path)).text]);
    const anon = new Browser(svc.app);
    for (const path of PUBLIC_PAGES) pages.push([path, (await anon.get(path)).text]);
    for (const [path, html] of pages) expect({ path, inline: inlineCode(html) }).toEqual({ path, inline: [] });
    // the components that used style attributes: a progress bar and a legend of two series
    const meter = await Meter({ value: 0.4, label: "Progress" }).toString();
    const series = [
      { name: "a", values: [1, 2] },
      { name: "b", values: [2, 1] },
    ];
    const legend = { id: "c", title: "t", description: "d", labels: ["1", "2"], xName: "x", series };
    const chart = await LineChart(legend).toString();
    expect(inlineCode(meter + chart)).toEqual([]);
    expect(meter).toContain('aria-valuenow="40"');
  });

  test("/docs takes its stylesheet from /ui/static; htmx is told not to inject styles or eval", async () => {
    const docs = await new Browser(svc.app).get("/docs");
    const css = /<link rel="stylesheet" href="(\/ui\/static\/docs\.[0-9a-f]+\.css)">/.exec(docs.text)?.[1];
    expect(css).toBeDefined();
    const res = await new Browser(svc.app).get(css as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/css");
    const login = await new Browser(svc.app).get("/ui/login");
    const config = /<meta name="htmx-config" content="([^"]+)"/.exec(login.text)?.[1]?.replaceAll("&quot;", '"');
    expect(JSON.parse(config ?? "{}")).toMatchObject({ includeIndicatorStyles: false, allowEval: false });
  });

  test("HSTS only once the client came over HTTPS", async () => {
    expect((await svc.request("/health")).headers.get("strict-transport-security")).toBeNull();
    const proxied = await startUi({ ML_TRUST_PROXY: "true" });
    try {
      const res = await proxied.app.request("/health", { headers: { "x-forwarded-proto": "https" } });
      expect(res.headers.get("strict-transport-security")).toStartWith("max-age=31536000");
    } finally {
      await proxied.close();
    }
    const https = await startUi({ ML_USE_HTTPS: "true" });
    try {
      const res = await https.app.request("https://localhost/ui/login");
      expect(res.headers.get("strict-transport-security")).toStartWith("max-age=31536000");
    } finally {
      await https.close();
    }
  });
});
