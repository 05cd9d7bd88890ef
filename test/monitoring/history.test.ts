/**
 * Every drift check kept (GET /drift/checks, /drift/checks/{id}), the daily summary that never
 * loses a decided drift, the self-contained HTML export, and who may check drift now.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

let svc: Service;
beforeAll(async () => {
  svc = await startService();
  await trainModel(svc, "season", normalRows(600, 1));
  expect((await svc.request("/models/season/settings", { method: "PUT", json: { auto_retrain: false } })).status).toBe(
    200,
  );
}, 60_000);
afterAll(() => svc.close());

/** Elements and attributes of an HTML document, read by Bun's HTMLRewriter (lol-html). */
async function parseHtml(html: string) {
  const tags: string[] = [];
  const attributes: string[] = [];
  const histograms: { ref: number; cur: number }[] = [];
  await new HTMLRewriter()
    .on("*", {
      element(e) {
        tags.push(e.tagName);
        for (const [name, value] of e.attributes) attributes.push(`${name}=${value}`);
        if (e.tagName === "figure" && (e.getAttribute("class") ?? "").includes("histogram"))
          histograms.push({ ref: 0, cur: 0 });
        const last = histograms[histograms.length - 1];
        if (e.tagName === "rect" && last) {
          if (e.getAttribute("class") === "ref") last.ref++;
          if (e.getAttribute("class") === "cur") last.cur++;
        }
      },
    })
    .transform(new Response(html))
    .text();
  return { tags, attributes, histograms };
}

describe("drift check history", () => {
  let drifted: { check_id: number; version: string };

  test("two checks on one day are both kept; the day's summary keeps the decided drift", async () => {
    await sendTraffic(svc, "season", features(normalRows(184, 2, 2)));
    const first = (await svc.request("/drift/check", { json: { model_key: "season" } })).body;
    expect(first).toMatchObject({ status: "decided", drifted: true, version: "1.0.0", rows: 184 });
    drifted = first;
    // a new version takes over and has no traffic yet: the next check cannot decide
    await trainModel(svc, "season", normalRows(600, 3));
    const second = (await svc.request("/drift/check", { json: { model_key: "season" } })).body;
    expect(second).toMatchObject({ status: "undecided", drifted: null, version: "1.1.0", rows: 0 });

    const kept = (await svc.request("/drift/checks?model_key=season")).body;
    expect(kept.total).toBe(2);
    expect(kept.items.map((c: { check_id: number }) => c.check_id)).toEqual([second.check_id, first.check_id]);
    expect(kept.items.map((c: { version: string }) => c.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(kept.items[1]).toMatchObject({ drifted: true, alert_id: first.alert_id });

    const daily = (await svc.request("/drift/daily-reports/season")).body;
    expect(daily.total).toBe(1);
    expect(daily.items[0]).toMatchObject({
      status: "decided",
      drifted: true,
      version: "1.0.0",
      rows: 184,
      run_id: first.check_id,
      checks: 2,
    });
    expect(daily.items[0].features.length).toBe(3);
  }, 60_000);

  test("filters by day and drift, pages, and answers 404 / 422 for bad requests", async () => {
    const day = drifted ? (await svc.request(`/drift/checks/${drifted.check_id}`)).body.check_date : "";
    expect((await svc.request(`/drift/checks?from=${day}&to=${day}`)).body.total).toBe(2);
    expect((await svc.request("/drift/checks?from=2000-01-01&to=2000-01-02")).body.total).toBe(0);
    expect((await svc.request("/drift/checks?drifted=true")).body.items).toHaveLength(1);
    const page = (await svc.request("/drift/checks?limit=1&offset=1")).body;
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.items[0].check_id).toBe(drifted.check_id);
    const missing = await svc.request("/drift/checks/999999");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    expect((await svc.request("/drift/checks?from=yesterday")).status).toBe(422);
    expect((await svc.request(`/drift/checks/${drifted.check_id}?format=pdf`)).status).toBe(422);
  });

  test("a check reads back with per-feature statistics; format=json downloads the same", async () => {
    const one = await svc.request(`/drift/checks/${drifted.check_id}`);
    expect(one.status).toBe(200);
    expect(one.headers.get("content-disposition")).toBeNull();
    const x0 = one.body.features.find((f: { feature: string }) => f.feature === "x0");
    expect(x0).toMatchObject({ drifted: true, test: "ks", n_current: 184 });
    expect(x0.mean_shift_sd).toBeGreaterThan(1.5);
    expect(x0.histogram.reference).toHaveLength(x0.histogram.edges.length + 1);
    const file = await svc.request(`/drift/checks/${drifted.check_id}?format=json`);
    expect(file.headers.get("content-disposition")).toContain(`drift-check-${drifted.check_id}-season.json`);
    expect(file.body).toEqual(one.body);
  });

  test("format=html is one self-contained file: verdict, sizes, a histogram per feature, no external URL", async () => {
    const res = await svc.request(`/drift/checks/${drifted.check_id}?format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-disposition")).toContain(".html");
    expect(res.text.startsWith("<!doctype html>")).toBe(true);
    const doc = await parseHtml(res.text);
    expect(doc.histograms).toHaveLength(3);
    for (const h of doc.histograms) {
      expect(h.ref).toBeGreaterThanOrEqual(2);
      expect(h.cur).toBe(h.ref);
    }
    expect(doc.tags).not.toContain("script");
    expect(doc.tags).not.toContain("link");
    expect(doc.tags).not.toContain("img");
    expect(doc.attributes.filter((a) => /https?:|\/\//i.test(a))).toEqual([]);
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).toContain("184"); // the sample size
    expect(res.text).toContain("season 1.0.0");
  });
});

describe("who may check drift now", () => {
  test("a model's owner and admins may; another user gets 403; all models at once is for admins", async () => {
    const owner = await signedInUser(svc, "olga");
    const other = await signedInUser(svc, "pavel");
    const res = await owner.send("/train", {
      json: {
        model_key: "olgas",
        target_field: "label",
        items: normalRows(300, 7),
        hyperparameters: { hidden_layer_sizes: [8], max_iter: 20, random_state: 1 },
      },
    });
    expect(res.status).toBe(202);
    expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");

    const refused = await other.send("/drift/check", { json: { model_key: "olgas" } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details.reason).toBe("not_model_maintainer");
    expect((await owner.send("/drift/check", { json: { model_key: "olgas" } })).status).toBe(200);
    expect((await svc.request("/drift/check", { json: { model_key: "olgas" } })).status).toBe(200);
    expect((await other.send("/drift/check", { json: { model_key: "nope" } })).status).toBe(404);
    expect((await owner.send("/drift/check", { json: {} })).status).toBe(403);
    expect((await svc.request("/drift/check", { json: {} })).status).toBe(202);
    expect((await svc.request("/drift/checks?model_key=olgas")).body.total).toBe(2);
  }, 60_000);
});
