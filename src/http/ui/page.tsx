/** @jsxImportSource hono/jsx */
/**
 * What every page route shares: the chrome (who, theme, consent, open alerts), rendering a
 * page in the layout, 303 redirects, form parsing, service errors as field errors, and the
 * error handling of /ui paths (HTML, not the API's JSON): no identity → 303 to sign-in with
 * ?next=, wrong role → a 403 page, unknown page → a 404 page.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import * as v from "valibot";
import type { FormState } from "../../../views/components/form";
import { DOCTYPE, Layout } from "../../../views/layout";
import { StatusPage } from "../../../views/pages/status";
import type { Chrome, Consent, Theme } from "../../../views/types";
import { hasRole } from "../../auth/identity";
import { ServiceError } from "../../errors";
import type { AppDeps, AppEnv } from "../env";
import { fieldIssues } from "../errors";
import { assetUrls } from "./assets";
import { openAlertSummary } from "./monitoring";

/**
 * What a page factory takes: the part the page helpers use (`render`, `chrome`, the error
 * pages read the open alerts and log) plus the keys `K` its own handlers use.
 *
 * ```ts
 * export function jobPages(deps: UiDeps<"runtime">) { … }
 * ```
 */
export type UiDeps<K extends keyof AppDeps = never> = Pick<AppDeps, "db" | "log" | K>;
export type Ctx = Context<AppEnv>;

export const THEME_COOKIE = "mls_theme";
export const CONSENT_COOKIE = "mls_consent";

export function readConsent(c: Ctx): Consent | null {
  const raw = getCookie(c, CONSENT_COOKIE);
  if (!raw) return null;
  const parts = new Set(raw.split("."));
  return { analytics: parts.has("a"), preferences: parts.has("p") };
}

function readTheme(c: Ctx, consent: Consent | null): Theme {
  // a theme given for this one response (no consent to keep it) wins over the cookie
  const asked = c.req.query("theme");
  const kept = consent?.preferences ? getCookie(c, THEME_COOKIE) : undefined;
  const t = asked ?? kept;
  return t === "light" || t === "dark" ? t : "system";
}

/** Only paths inside the dashboard; anything else (another host, `//evil`) goes to the overview. */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/ui(\/|\?|$)/.test(next) && !/[\\\s]/.test(next) ? next : "/ui";
}

export async function chrome(c: Ctx, deps: UiDeps, notice: string | null = null): Promise<Chrome> {
  const identity = c.get("identity");
  const consent = readConsent(c);
  let alerts: Chrome["alerts"] = null;
  if (identity) {
    try {
      alerts = await openAlertSummary(deps.db);
    } catch (e) {
      // a monitoring schema other than the one mapped must not take every page down
      deps.log.warn("alert banner unavailable", { error: (e as Error).message });
    }
  }
  return {
    viewer: identity
      ? { username: identity.username, role: identity.role, isAdmin: hasRole(identity.role, "admin") }
      : null,
    csrf: identity?.csrfToken ?? null,
    theme: readTheme(c, consent),
    consent,
    alerts,
    path: c.req.path + (new URL(c.req.url).search || ""),
    notice,
  };
}

export interface RenderOptions {
  status?: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;
  refresh?: number;
  notice?: string | null;
}

export async function render(c: Ctx, deps: UiDeps, title: string, body: Child, o: RenderOptions = {}) {
  const ch = await chrome(c, deps, o.notice ?? null);
  const page = (
    <Layout title={title} chrome={ch} assets={assetUrls} refresh={o.refresh}>
      {body}
    </Layout>
  );
  c.header("cache-control", "no-store");
  return c.html(`${DOCTYPE}${await page.toString()}`, o.status ?? 200);
}

/** `?offset=` of a paged list: a whole number from 0 (anything else reads as 0). */
export const offsetOf = (raw: string | undefined) => Math.max(0, Math.min(1e9, Number.parseInt(raw ?? "0", 10) || 0));

/** POST → 303 → GET: the result page, reloadable without resubmitting. */
export function seeOther(c: Ctx, url: string) {
  return c.redirect(url, 303);
}

/** A urlencoded or multipart form as strings (files are left out). */
export async function formFields(c: Ctx): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(body)) if (typeof val === "string" && k !== "_csrf") out[k] = val;
  return out;
}

/**
 * A refusal as messages beside fields: valibot issues and 422 details with paths map onto
 * field names (`rename` maps API paths to form names); anything else is a form-level message.
 */
export function formError(e: unknown, values: Record<string, string>, rename: Record<string, string> = {}): FormState {
  const errors: Record<string, string> = {};
  let issues: { path: string; message: string }[] = [];
  if (e instanceof v.ValiError) issues = fieldIssues(e.issues);
  else if (e instanceof ServiceError) {
    const d = e.details as unknown;
    if (Array.isArray(d)) issues = d.filter((x) => x && typeof x.path === "string");
    else if (d && typeof d === "object" && "field" in d) issues = [{ path: String(d.field), message: e.message }];
    if (issues.length === 0) errors[""] = e.message;
  } else throw e;
  for (const i of issues) {
    const name = rename[i.path] ?? i.path.split(".")[0] ?? "";
    errors[name] ??= i.message;
  }
  return { values, errors };
}

export const statusOf = (e: unknown) => (e instanceof ServiceError && e.status < 500 ? e.status : 422) as 422;

const TITLES: Record<number, string> = {
  400: "Bad request",
  403: "Not allowed",
  404: "Page not found",
  409: "Conflict",
  413: "Too large",
  422: "Invalid input",
  429: "Too many attempts",
  500: "Something went wrong",
  503: "Not ready yet",
};

export function isUiPath(path: string): boolean {
  return path === "/ui" || path.startsWith("/ui/");
}

async function statusPage(c: Ctx, deps: UiDeps, status: number, message: string) {
  if (c.req.header("hx-request")) {
    // an htmx swap aimed at a fragment would otherwise leave a broken region: show the page's main instead
    c.header("HX-Retarget", "#main");
    c.header("HX-Reselect", "#main");
    c.header("HX-Reswap", "outerHTML");
  }
  const title = TITLES[status] ?? "Error";
  const body = <StatusPage status={status} title={title} message={message} signedIn={Boolean(c.get("identity"))} />;
  return render(c, deps, title, body, { status: status as RenderOptions["status"] });
}

export function uiNotFound(deps: UiDeps) {
  return (c: Ctx) => statusPage(c, deps, 404, `There is no page at ${c.req.path}.`);
}

/** The onError of /ui paths. */
export function uiError(deps: UiDeps) {
  return async (err: Error, c: Ctx) => {
    const status = err instanceof ServiceError ? err.status : 500;
    const reason = err instanceof ServiceError ? (err.details as { reason?: string } | null)?.reason : undefined;
    if (status === 401) {
      const back =
        c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : refererPath(c.req.header("referer"));
      const to = `/ui/login?next=${encodeURIComponent(safeNext(back))}`;
      if (c.req.header("hx-request")) {
        c.header("HX-Redirect", to);
        return c.body(null, 204);
      }
      return seeOther(c, to);
    }
    if (reason === "password_change_required") return seeOther(c, "/ui/profile?must_change=1");
    if (reason === "csrf_failed") {
      return statusPage(c, deps, 403, "This form has expired or came from elsewhere. Reload the page and try again.");
    }
    if (status >= 500) {
      deps.log.error("ui error", { request_id: c.get("requestId"), error: err.message });
      return statusPage(c, deps, 500, "The service failed to show this page; the log has the details.");
    }
    return statusPage(c, deps, status, err.message);
  };
}

function refererPath(referer: string | undefined): string {
  try {
    const u = new URL(referer ?? "");
    return u.pathname + u.search;
  } catch {
    return "/ui";
  }
}
