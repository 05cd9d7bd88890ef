/** @jsxImportSource hono/jsx */
/** Pieces of every page: alert banner, consent banner, pager, progress meter, status badge. */
import type { AlertItem, Chrome } from "../types";
import { Csrf } from "./form";

export function AlertBanner({ chrome }: { chrome: Chrome }) {
  const a = chrome.alerts;
  if (!chrome.viewer || !a || a.open === 0) return null;
  const latest = a.latest as AlertItem | null;
  return (
    <section class="banner alert" aria-label="Open alerts" id="alert-banner">
      <strong>
        {a.open} open alert{a.open === 1 ? "" : "s"}
      </strong>
      {latest ? (
        <span>
          {latest.model_key ? `${latest.model_key}: ` : ""}
          {latest.message}
        </span>
      ) : null}
      <a href="/ui/alerts">Review alerts</a>
      {latest ? (
        <form method="post" action={`/ui/alerts/${latest.id}/dismiss`} class="inline">
          <Csrf token={chrome.csrf} />
          <input type="hidden" name="next" value={chrome.path} />
          <button type="submit" class="secondary">
            Dismiss
          </button>
        </form>
      ) : null}
    </section>
  );
}

/** Explicit opt-in per category; nothing beyond the essential cookies is set before an answer. */
export function ConsentForm({ chrome, heading }: { chrome: Chrome; heading: "banner" | "page" }) {
  const c = chrome.consent;
  return (
    <form method="post" action="/ui/consent" hx-boost="false">
      <Csrf token={chrome.csrf} />
      <input type="hidden" name="next" value={chrome.path} />
      <fieldset>
        <legend class={heading === "banner" ? "sr-only" : undefined}>Cookie categories</legend>
        <label>
          <input type="checkbox" checked disabled /> Essential (sign-in, form protection, this choice)
        </label>
        <label>
          <input type="checkbox" name="analytics" value="1" checked={c?.analytics} /> Analytics
        </label>
        <label>
          <input type="checkbox" name="preferences" value="1" checked={c?.preferences} /> Preferences (theme)
        </label>
      </fieldset>
      <p class="row">
        <button type="submit" name="choice" value="save">
          Save choices
        </button>
        <button type="submit" name="choice" value="all" class="secondary">
          Accept all
        </button>
        <button type="submit" name="choice" value="none" class="secondary">
          Essential only
        </button>
      </p>
    </form>
  );
}

export function ConsentBanner({ chrome }: { chrome: Chrome }) {
  if (chrome.consent) return null;
  return (
    <section class="banner consent" aria-labelledby="consent-h">
      <div>
        <h2 id="consent-h">Cookies</h2>
        <p>
          We use essential cookies to keep you signed in. Others only if you allow them; analytics is not collected
          today.
        </p>
        <ConsentForm chrome={chrome} heading="banner" />
      </div>
    </section>
  );
}

/** Offset paging: links keep the other query parameters. */
export function Pager(p: {
  base: string;
  query?: Record<string, string | undefined>;
  offset: number;
  limit: number;
  total: number;
}) {
  const link = (offset: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(p.query ?? {})) if (v) q.set(k, v);
    q.set("offset", String(offset));
    return `${p.base}?${q}`;
  };
  const last = Math.min(p.total, p.offset + p.limit);
  return (
    <nav class="pager" aria-label="Pages">
      <span>
        {p.total === 0 ? 0 : p.offset + 1}–{last} of {p.total}
      </span>
      {p.offset > 0 ? <a href={link(Math.max(0, p.offset - p.limit))}>Previous page</a> : null}
      {last < p.total ? <a href={link(p.offset + p.limit)}>Next page</a> : null}
    </nav>
  );
}

/**
 * A progress bar that is a real progressbar to assistive technology. The fill is an SVG rect
 * sized by its width attribute: a style attribute would need 'unsafe-inline' in the CSP.
 */
export function Meter({ value, label }: { value: number; label: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <span class="meter" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <svg viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" focusable="false">
        <rect width={pct} height="1" />
      </svg>
    </span>
  );
}

const GOOD = new Set(["ready", "completed", "active", "ok", "no_drift", "delivered"]);
const BAD = new Set(["failed", "cancelled", "revoked", "expired", "drift", "critical", "deleted"]);

export function Status({ value }: { value: string }) {
  const tone = GOOD.has(value) ? "ok" : BAD.has(value) ? "bad" : "warn";
  return <span class={`badge ${tone}`}>{value.replaceAll("_", " ")}</span>;
}

/** ISO time shown short, full value in the datetime attribute. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  return <time datetime={iso}>{iso.replace("T", " ").slice(0, 19)}</time>;
}
