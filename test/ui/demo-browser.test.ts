/**
 * Demo mode in a real browser (chromium through playwright-core), with JavaScript on and off:
 * the demo models are there at start, drifted traffic from the model page's form, a drift check,
 * the drift alert on the alerts page, and the overview's "Reset the demo" form that clears it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import { demoDeps, startDemo } from "../../src/monitoring/demo/mode";
import { ADMIN, ADMIN_PASSWORD, startUi } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI)
  throw new Error(`${CHROMIUM} is missing; CI must install chromium for the browser tests`);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A service in demo mode with its demo models trained and fed, served on a free port. */
async function demoService() {
  const svc = await startUi({ ML_DEMO: "true", ML_AUTO_RETRAIN: "false" });
  await startDemo(demoDeps({ ...svc, now: () => new Date() }));
  const server = Bun.serve({ port: 0, fetch: svc.app.fetch, idleTimeout: 30 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  cleanups.push(async () => {
    await browser.close();
    server.stop(true);
    await svc.runtime.jobs.idle();
    await svc.close();
  });
  return { svc, browser, base: `http://127.0.0.1:${server.port}` };
}

async function seeText(locator: ReturnType<Page["locator"]>, text: string) {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

async function demoFlow(javaScriptEnabled: boolean) {
  const { browser, base } = await demoService();
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await page.goto(`${base}/ui/login?next=/ui`);
  await page.getByLabel("Username").fill(ADMIN);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/ui`);
  const demo = page.locator("section", { has: page.getByRole("heading", { name: "Demo" }) });
  for (const key of ["demo-iris", "demo-housing", "demo-tickets"]) await seeText(demo, key);

  await page.goto(`${base}/ui/models/demo-iris`);
  await page.getByText("Generate synthetic traffic").click();
  await page.getByLabel("Rows").fill("400");
  await page.getByLabel("Shift (training stds)").fill("4");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForURL(/done=generated/);

  await page.goto(`${base}/ui/drift?model=demo-iris`);
  await page.getByRole("button", { name: "Check drift of demo-iris now" }).click();
  await page.waitForURL(/verdict=drift/);
  await page.goto(`${base}/ui/alerts`);
  await seeText(page.locator("main"), "demo-iris");

  await page.goto(`${base}/ui`);
  await page.getByRole("button", { name: "Reset the demo" }).click();
  await page.waitForURL(/done=demo-reset/);
  await seeText(page.getByRole("status"), "The demo is being reset");
  await page.goto(`${base}/ui/alerts`);
  expect(await page.locator("main").textContent()).not.toContain("demo-iris");
  await context.close();
}

describe.skipIf(missing)("demo mode in chromium", () => {
  test("with JavaScript: demo models, drifted traffic, the drift alert, reset", () => demoFlow(true), 90_000);
  test("without JavaScript: the same flow through plain forms", () => demoFlow(false), 90_000);
});
