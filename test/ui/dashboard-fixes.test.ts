/**
 * Dashboard defects seen in screenshots, checked on the served HTML (test/ui/browser.test.ts
 * measures the layout in chromium): a trailing slash reaches the page, the model page offers a
 * retrain, the confusion matrix is shaded by share, and the chart's screen-reader table is
 * inside a box that hides it (a table ignores `height`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { shadeOf } from "../../views/pages/models";
import { csvRows } from "../ml-service/helpers";
import { ADMIN, ADMIN_PASSWORD, Browser, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
beforeAll(async () => {
  svc = await startUi();
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
  const t = await svc.request("/train", {
    json: { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") },
  });
  await svc.waitJob(t.body.job_id, 60_000);
});
afterAll(() => svc.close());

describe("dashboard fixes", () => {
  test("a trailing slash moves to the page without it", async () => {
    for (const [from, to] of [
      ["/ui/", "/ui"],
      ["/ui/models/", "/ui/models"],
      ["/ui/models/iris/", "/ui/models/iris"],
    ]) {
      const res = await admin.get(from as string);
      expect([from, res.status, new URL(res.location ?? "", "http://x").pathname]).toEqual([from, 301, to]);
    }
  });

  test("the model page has a retrain action that queues a retrain job", async () => {
    const page = await admin.get("/ui/models/iris");
    expect(page.text).toContain('action="/ui/models/iris/retrain"');
    const res = await admin.post("/ui/models/iris/retrain");
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/ui\/jobs\/job_/);
    const job = (await svc.request(`/jobs/${res.location?.split("/").at(-1)}`)).body;
    expect(job.type).toBe("retrain");
    await svc.runtime.jobs.idle();
  });

  test("confusion matrix cells are shaded by their share of the true class", async () => {
    expect([0, 1, 9].map((n) => shadeOf(n, [0, 1, 9]))).toEqual(["cm-0", "cm-1", "cm-5"]);
    expect(shadeOf(0, [0, 0])).toBe("cm-0");
    const page = await admin.get("/ui/models/iris");
    expect(page.text).toMatch(/<td class="num cm-5">\d+<\/td>/);
  });

  test("the chart's screen-reader table sits in a box that hides it", async () => {
    const page = await admin.get("/ui/models/iris");
    expect(page.text).toMatch(/<div class="sr-only"><table><caption>/);
    expect(page.text).not.toContain('<table class="sr-only">');
  });

  test("the model page's form feeds drifted synthetic traffic (plain form post, no script)", async () => {
    const page = await admin.get("/ui/models/iris");
    expect(page.text).toContain('action="/ui/models/iris/generate"');
    const res = await admin.post("/ui/models/iris/generate", { rows: "600", shift: "3", labels: "on" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/ui/models/iris?done=generated&rows=600");
    const notice = await admin.get(res.location as string);
    expect(notice.text).toContain("Synthetic traffic fed in: 600 rows.");
    const check = await svc.request("/drift/check", { json: { model_key: "iris" } });
    expect(check.body.drifted).toBe(true);
    const bad = await admin.post("/ui/models/iris/generate", { rows: "many" });
    expect(bad.status).toBe(422);
  });
});
