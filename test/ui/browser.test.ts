/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): the main flows
 * with JavaScript on, sign-in and predict with it off, axe-core on every page in both themes,
 * and a screenshot of each page per theme in test-output/screens/ (look at them).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser as Chromium, chromium, type Page } from "playwright-core";
import { csvRows, DATA } from "../ml-service/helpers";
import { ADMIN, ADMIN_PASSWORD, startUi } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const OUT = join(import.meta.dir, "..", "..", "test-output", "screens");
const AXE = join(import.meta.dir, "..", "..", "node_modules", "axe-core", "axe.min.js");
const IRIS = join(DATA, "iris_train.csv");

const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI)
  throw new Error(`${CHROMIUM} is missing; CI must install chromium for the browser tests`);
if (missing) console.warn(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

let svc: Awaited<ReturnType<typeof startUi>>;
let server: ReturnType<typeof Bun.serve>;
let browser: Chromium;
let base = "";

beforeAll(async () => {
  if (missing) return;
  mkdirSync(OUT, { recursive: true });
  svc = await startUi({ ML_MAX_ITER: "30" });

  svc.sqlite.run(
    "INSERT INTO alerts (model_key, type, severity, message, created_at) VALUES ('iris', 'drift_detected', 'warning', 'petal_length drifted (PSI 0.31)', ?)",
    [new Date().toISOString()],
  );
  server = Bun.serve({ port: 0, fetch: svc.app.fetch, idleTimeout: 30 });
  base = `http://127.0.0.1:${server.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  if (missing) return;
  await browser?.close();
  server?.stop(true);
  await svc?.close();
});

async function signIn(page: Page, next = "/ui") {
  await page.goto(`${base}/ui/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username").fill(ADMIN);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}${next}`);
}

async function train(page: Page, maxIter: string) {
  await page.goto(`${base}/ui/train`);
  await page.getByLabel("Data file").setInputFiles(IRIS);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByLabel("Model key").fill("iris");
  await page.getByLabel("Max epochs").fill(maxIter);
  await page.getByRole("button", { name: "Start training" }).click();
  await page.waitForURL(/\/ui\/jobs\/job_/);
  // the job page updates itself over /ui/live; no reload here
  await page.getByRole("link", { name: "See model iris" }).waitFor({ timeout: 30_000 });
}

describe.skipIf(missing)("dashboard in chromium", () => {
  test("with JavaScript: sign in, train, watch, predict, export, dismiss, roll back, tokens", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // the Content-Security-Policy allows no inline script or style: nothing of ours may trip it
    const refused: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    await signIn(page);
    await page.getByRole("button", { name: "Accept all" }).click();
    await page.locator("#consent-h").waitFor({ state: "detached" });

    await train(page, "30");
    const progress = page.getByRole("progressbar", { name: "Progress" });
    expect(await progress.getAttribute("aria-valuenow")).toBe("100");
    await train(page, "20");

    await page.goto(`${base}/ui/predict?model=iris`);
    await page.getByLabel("sepal_length").fill("5.1");
    await page.getByLabel("sepal_width").fill("3.5");
    await page.getByLabel("petal_length").fill("1.4");
    await page.getByLabel("petal_width").fill("0.2");
    await page.getByRole("button", { name: "Predict", exact: true }).click();
    await page.waitForURL(/\/ui\/predict\/results\//);
    await seeText(page.locator("table"), "setosa");
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "CSV" }).click();
    expect((await download).suggestedFilename()).toMatch(/^predictions-job_.*\.csv$/);

    await seeText(page.locator("#alert-banner"), "petal_length drifted");
    await page.locator("#alert-banner").getByRole("button", { name: "Dismiss" }).click();
    await page.locator("#alert-banner").waitFor({ state: "detached" });

    await page.goto(`${base}/ui/models/iris`);
    await page.getByRole("link", { name: "Roll back to 1.0.0" }).click();
    await page.getByRole("button", { name: "Roll back to 1.0.0" }).click();
    await seeText(page.locator("main"), "Version 1.0.0 now serves.");

    await page.goto(`${base}/ui/profile`);
    await page.getByLabel("Token name").fill("ci");
    await page.getByRole("button", { name: "Create token" }).click();
    await seeText(page.locator("#new-token"), "mls_");
    await page.getByRole("button", { name: "Revoke ci" }).click();
    await seeText(page.locator("#tokens"), "revoked");
    expect(refused).toEqual([]);
    await context.close();
  }, 60_000);

  test("without JavaScript: sign in and predict", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, "/ui/predict?model=iris");
    await page.getByLabel("sepal_length").fill("6.7");
    await page.getByLabel("sepal_width").fill("3.0");
    await page.getByLabel("petal_length").fill("5.2");
    await page.getByLabel("petal_width").fill("2.3");
    await page.getByRole("button", { name: "Predict", exact: true }).click();
    await page.waitForURL(/\/ui\/predict\/results\//);
    await seeText(page.locator("table"), "virginica");
    // a bad value comes back beside its field, the input kept
    await page.goto(`${base}/ui/predict?model=iris`);
    await page.getByLabel("sepal_length").fill("abc");
    await page.getByRole("button", { name: "Predict", exact: true }).click();
    await seeText(page.locator("#f-x_0-err"), "expected a finite number");
    expect(await page.getByLabel("sepal_length").inputValue()).toBe("abc");
    await context.close();
  }, 30_000);

  test("axe finds no violations on any page in either theme; screenshots", async () => {
    const pages: [string, string][] = [
      ["overview", "/ui"],
      ["models", "/ui/models"],
      ["model", "/ui/models/iris"],
      ["rollback", "/ui/models/iris/rollback/1.0.1"],
      ["train", "/ui/train"],
      ["predict", "/ui/predict?model=iris"],
      ["jobs", "/ui/jobs"],
      ["datasets", "/ui/datasets"],
      ["drift", "/ui/drift"],
      ["alerts", "/ui/alerts?show=all"],
      ["metrics", "/ui/metrics?model=iris"],
      ["events", "/ui/events"],
      ["users", "/ui/users"],
      ["profile", "/ui/profile"],
      ["about", "/ui/about"],
      ["missing", "/ui/nope"],
    ];
    const found: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        colorScheme: scheme,
        reducedMotion: "reduce",
        viewport: { width: 1100, height: 800 },
        // axe is injected by the test as an inline script, which the pages' CSP rightly refuses
        bypassCSP: true,
      });
      const page = await context.newPage();
      await page.goto(`${base}/ui/login`);
      await page.addScriptTag({ path: AXE });
      found.push(...(await axeRun(page, `login/${scheme}`)));
      await page.screenshot({ path: join(OUT, `login-${scheme}.png`), fullPage: true });
      await signIn(page);
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}`);
        await page.addScriptTag({ path: AXE });
        found.push(...(await axeRun(page, `${name}/${scheme}`)));
        await page.screenshot({ path: join(OUT, `${name}-${scheme}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto(`${base}/ui/models/iris`);
      await page.screenshot({ path: join(OUT, `phone-model-${scheme}.png`), fullPage: true });
      await context.close();
    }
    expect(found).toEqual([]);
  }, 60_000);

  test("layout: no page taller than its content, the cookie banner over the bottom edge, a trailing slash served", async () => {
    // 200 epochs: the loss chart's screen-reader table has 200 rows (it once made the page 8,789 px tall)
    const t = await svc.request("/train", {
      json: {
        model_key: "tall",
        target_field: "species",
        items: csvRows("iris_train.csv"),
        early_stopping: false,
        hyperparameters: { max_iter: 200, random_state: 1 },
      },
    });
    await svc.waitJob(t.body.job_id, 60_000);
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    // a visitor who has not chosen yet sees the banner: over the page, at the bottom of the viewport
    await page.goto(`${base}/ui/login`);
    const banner = await page.locator(".banner.consent").boundingBox();
    expect(banner).not.toBeNull();
    expect(Math.round((banner?.y ?? 0) + (banner?.height ?? 0))).toBe(800);
    expect(await page.locator("header.top").evaluate((h) => h.getBoundingClientRect().top)).toBe(0);
    await signIn(page);
    await page.goto(`${base}/ui/models/tall`);
    const { scroll, content } = await page.evaluate(() => {
      const inFlow = Array.from(document.body.children).filter((e) => getComputedStyle(e).position !== "fixed");
      const bottom = Math.max(...inFlow.map((e) => e.getBoundingClientRect().bottom + window.scrollY));
      return { scroll: document.documentElement.scrollHeight, content: bottom };
    });
    expect(scroll - content).toBeLessThan(40);
    await page.goto(`${base}/ui/models/`);
    expect(new URL(page.url()).pathname).toBe("/ui/models");
    await context.close();
  }, 60_000);
});

/** Waits until the element shows the text (after a redirect, an htmx swap or a live update). */
async function seeText(locator: ReturnType<Page["locator"]>, text: string) {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

async function axeRun(page: Page, where: string): Promise<string[]> {
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page
    const axe = (window as any).axe;
    const r = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    // biome-ignore lint/suspicious/noExplicitAny: axe result objects
    return r.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
  return violations.map((v: string) => `${where} ${v}`);
}
