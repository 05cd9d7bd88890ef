/** @jsxImportSource hono/jsx */
/**
 * The page shell: head with hashed assets, skip link, navigation, alert banner, main, footer,
 * consent banner. Body is hx-boost'ed so links and forms swap in place when htmx runs; every
 * one of them is a plain link or form without it.
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { AlertBanner, ConsentBanner } from "./components/chrome";
import { Csrf } from "./components/form";
import type { Chrome } from "./types";

export interface Assets {
  css: string;
  js: string;
  htmx: string;
}

const NAV: { href: string; label: string; admin?: boolean }[] = [
  { href: "/ui", label: "Overview" },
  { href: "/ui/models", label: "Models" },
  { href: "/ui/train", label: "Train" },
  { href: "/ui/predict", label: "Predict" },
  { href: "/ui/predictions", label: "Prediction log" },
  { href: "/ui/jobs", label: "Jobs" },
  { href: "/ui/datasets", label: "Datasets" },
  { href: "/ui/drift", label: "Drift" },
  { href: "/ui/alerts", label: "Alerts" },
  { href: "/ui/metrics", label: "Metrics" },
  { href: "/ui/events", label: "Events", admin: true },
  { href: "/ui/users", label: "Users", admin: true },
  { href: "/ui/profile", label: "Profile" },
  { href: "/ui/about", label: "About" },
];

// 4xx answers carry re-rendered forms and error pages: htmx must swap them too. The
// Content-Security-Policy allows no inline style or eval: htmx must not inject its indicator
// <style> nor evaluate attribute code
const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: "204", swap: false },
    { code: "...", swap: true },
  ],
  scrollIntoViewOnBoost: false,
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
});

export function Layout(p: {
  title: string;
  chrome: Chrome;
  assets: Assets;
  /** seconds: reloads the page when JavaScript is off (live data without the event stream) */
  refresh?: number;
  children: Child;
}) {
  const { chrome } = p;
  const theme = chrome.theme;
  const here = chrome.path.split("?")[0] ?? "";
  // Overview is /ui itself; every other item also owns its sub-pages
  const current = NAV.find((n) => here === n.href || (n.href !== "/ui" && here.startsWith(`${n.href}/`)))?.href;
  return (
    <html lang="en" data-theme={theme}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · ML Service`}</title>
        <link rel="stylesheet" href={p.assets.css} />
        {/* no icon file: an empty data URL stops the browser asking for /favicon.ico */}
        <link rel="icon" href="data:," />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        {chrome.csrf ? <meta name="csrf-token" content={chrome.csrf} /> : null}
        {chrome.viewer ? <meta name="live" content="1" /> : null}
        {p.refresh ? (
          <noscript>
            <meta http-equiv="refresh" content={String(p.refresh)} />
          </noscript>
        ) : null}
        <script src={p.assets.htmx} defer />
        <script src={p.assets.js} defer />
      </head>
      <body hx-boost={chrome.viewer ? "true" : "false"}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <ConsentBanner chrome={chrome} />
        <header class="top">
          <a class="brand" href="/ui">
            ML Service
          </a>
          {chrome.viewer ? (
            <nav class="main" aria-label="Main">
              <ul>
                {NAV.filter((n) => !n.admin || chrome.viewer?.isAdmin).map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.href === current ? "page" : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          <div class="who">
            <form method="post" action="/ui/theme" class="row" hx-boost="false">
              <Csrf token={chrome.csrf} />
              <input type="hidden" name="next" value={chrome.path} />
              <label for="theme-pick" class="sr-only">
                Theme
              </label>
              <select id="theme-pick" name="theme">
                {(["system", "light", "dark"] as const).map((t) => (
                  <option value={t} selected={t === theme}>
                    {t === "system" ? "System theme" : t === "light" ? "Light theme" : "Dark theme"}
                  </option>
                ))}
              </select>
              <button type="submit" class="secondary">
                Apply
              </button>
            </form>
            {chrome.viewer ? (
              <form method="post" action="/ui/logout" hx-boost="false">
                <Csrf token={chrome.csrf} />
                <span>{chrome.viewer.username} </span>
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            ) : null}
          </div>
        </header>
        <AlertBanner chrome={chrome} />
        <main id="main" tabindex={-1} class="fade-in">
          {chrome.notice ? (
            <p class="notice" role="status">
              {chrome.notice}
            </p>
          ) : null}
          {p.children}
        </main>
        <footer>
          ML Service · <a href="/ui/about">About</a> · <a href="/docs">API docs</a> ·{" "}
          <a href="/ui/about#cookies">Cookie settings</a>
        </footer>
      </body>
    </html>
  );
}

export const DOCTYPE = raw("<!DOCTYPE html>");
