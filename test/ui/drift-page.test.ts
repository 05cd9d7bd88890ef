/**
 * The Drift page's "check drift now" forms without JavaScript (form POST → 303 → the check on
 * the page), the newest check's histograms and 30-day trend, and who may use the forms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { features, normalRows, sendTraffic, trainModel } from "../monitoring/helpers";
import { ADMIN, ADMIN_PASSWORD, Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
let maintainer: Browser;
let stranger: Browser;

beforeAll(async () => {
  svc = await startUi();
  await trainModel(svc, "watched", normalRows(500, 1));
  await svc.request("/models/watched/settings", { method: "PUT", json: { auto_retrain: false } });
  await sendTraffic(svc, "watched", features(normalRows(150, 2, 2)));
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
  const m = await svc.createUser("mira");
  expect((await svc.request("/models/watched/maintainers/mira", { method: "PUT" })).status).toBe(200);
  maintainer = new Browser(svc.app);
  await maintainer.signIn(m.username, m.password);
  const s = await svc.createUser("sven");
  stranger = new Browser(svc.app);
  await stranger.signIn(s.username, s.password);
}, 60_000);
afterAll(() => svc.close());

describe("the Drift page's check-now forms", () => {
  test("a maintainer checks a model with a plain form: 303, then the check and its histograms are on the page", async () => {
    const page = await maintainer.get("/ui/drift?model=watched");
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/ui/drift/check"');
    expect(mainText(page.text)).toContain("Check drift of watched now");
    expect(mainText(page.text)).not.toContain("Check every model now");

    const posted = await maintainer.post("/ui/drift/check", { model_key: "watched" });
    expect(posted.status).toBe(303);
    expect(posted.location).toStartWith("/ui/drift?model=watched&done=checked&verdict=drift");
    const after = await maintainer.get(posted.location as string);
    const text = mainText(after.text);
    expect(text).toContain("Drift checked for watched: drift");
    expect(text).toContain("Latest check: watched 1.0.0");
    expect(text).toContain("150 rows");
    expect((after.text.match(/<figure class="chart histogram"/g) ?? []).length).toBe(3);
    expect(after.text).toContain('class="sparkline"'); // the per-feature 30-day trend
    expect(text).toMatch(/mean \+\d\.\d\dσ/); // x0 moved by about 2σ
    expect((await svc.request("/drift/checks?model_key=watched")).body.total).toBe(1);
    // the page's download link works with the browser's session
    const link = /href="(\/drift\/checks\/\d+\?format=html)"/.exec(after.text)?.[1] as string;
    const file = await maintainer.get(link);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toContain("attachment");
  }, 30_000);

  test("someone who may not change the model sees no form, and a forged post is refused", async () => {
    const page = await stranger.get("/ui/drift?model=watched");
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('action="/ui/drift/check"');
    const forged = await stranger.post("/ui/drift/check", { model_key: "watched" });
    expect(forged.status).toBe(403);
    expect((await stranger.post("/ui/drift/check", {})).status).toBe(403); // every model: admins only
    expect((await svc.request("/drift/checks?model_key=watched")).body.total).toBe(1);
  });

  test("an admin checks every model: a queued job, named on the page", async () => {
    const page = await admin.get("/ui/drift");
    expect(mainText(page.text)).toContain("Check every model now");
    const posted = await admin.post("/ui/drift/check", {});
    expect(posted.status).toBe(303);
    expect(posted.location).toStartWith("/ui/drift?done=queued&job=");
    const job = decodeURIComponent((posted.location as string).split("job=")[1] as string);
    expect((await svc.waitJob(job)).status).toBe("completed");
    expect(mainText((await admin.get(posted.location as string)).text)).toContain(`queued (job ${job})`);
    expect((await svc.request("/drift/checks?model_key=watched")).body.total).toBe(2);
  }, 30_000);

  test("a post without the CSRF token is refused", async () => {
    expect((await maintainer.post("/ui/drift/check", { model_key: "watched" }, { csrf: false })).status).toBe(403);
  });
});
