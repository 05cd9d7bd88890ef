import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assetSizes } from "../../src/http/ui/assets";
import { readRecords } from "../csv-records";
import { DATA } from "../ml-service/helpers";
import { ADMIN, ADMIN_PASSWORD, Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
let user: Browser;

const USER_PAGES = [
  "/ui",
  "/ui/models",
  "/ui/train",
  "/ui/predict",
  "/ui/predictions",
  "/ui/jobs",
  "/ui/datasets",
  "/ui/drift",
  "/ui/alerts",
  "/ui/metrics",
  "/ui/profile",
  "/ui/about",
];
const ADMIN_PAGES = ["/ui/events", "/ui/users"];

beforeAll(async () => {
  svc = await startUi();
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
  const u = await svc.createUser("alice");
  user = new Browser(svc.app);
  await user.signIn(u.username, u.password);
});
afterAll(() => svc.close());

/** A signed-out browser that has opened `path` (a sign-in form hands out its pre-session token). */
async function visitor(path: string) {
  const b = new Browser(svc.app);
  await b.get(path);
  return b;
}

describe("pages and roles", () => {
  test("every page renders for a user, admin pages for an admin", async () => {
    for (const path of USER_PAGES) {
      const res = await user.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.text).toStartWith("<!DOCTYPE html>");
      expect(res.headers.get("content-type")).toContain("text/html");
    }
    for (const path of [...USER_PAGES, ...ADMIN_PAGES]) expect((await admin.get(path)).status).toBe(200);
  });

  test("signed out, a page redirects to sign-in and back; / leads to /ui", async () => {
    const anon = new Browser(svc.app);
    for (const path of [...USER_PAGES, ...ADMIN_PAGES, "/ui/jobs?status=running"]) {
      const res = await anon.get(path);
      expect(res.status).toBe(303);
      expect(res.location).toBe(`/ui/login?next=${encodeURIComponent(path)}`);
    }
    expect((await anon.get("/")).location).toBe("/ui");
    const login = await anon.get("/ui/login?next=%2Fui%2Fjobs");
    expect(login.text).toContain('name="next" value="/ui/jobs"');
    const back = await anon.post("/ui/login", { username: ADMIN, password: ADMIN_PASSWORD, next: "/ui/jobs" });
    expect(back.location).toBe("/ui/jobs");
    // a next that leaves the dashboard is ignored
    const other = await visitor("/ui/login");
    expect(
      (await other.post("/ui/login", { username: ADMIN, password: ADMIN_PASSWORD, next: "//evil.example/" })).location,
    ).toBe("/ui");
  });

  test("htmx requests without a session get HX-Redirect to sign-in", async () => {
    const res = await new Browser(svc.app).get("/ui/jobs", { "hx-request": "true" });
    expect(res.headers.get("hx-redirect")).toBe("/ui/login?next=%2Fui%2Fjobs");
  });

  test("a user sees HTML 403 pages on admin pages; unknown pages are HTML 404", async () => {
    for (const path of ADMIN_PAGES) {
      const res = await user.get(path);
      expect(res.status).toBe(403);
      expect(mainText(res.text)).toContain("Not allowed");
      expect(res.headers.get("content-type")).toContain("text/html");
    }
    const missing = await user.get("/ui/no-such-page");
    expect(missing.status).toBe(404);
    expect(mainText(missing.text)).toContain("Page not found");
    expect((await user.get("/ui/models/nope")).status).toBe(404);
  });

  test("an expired or revoked session sends the next page to sign-in with ?next=", async () => {
    const b = new Browser(svc.app);
    await b.signIn(ADMIN, ADMIN_PASSWORD);
    await svc.db.updateTable("sessions").set({ revoked_at: new Date().toISOString() }).execute();
    // written past the service's own operations: tell the identity cache as they do
    svc.stores.credentialEpoch.bump();
    const res = await b.get("/ui/models?offset=0");
    expect(res.status).toBe(303);
    expect(res.location).toBe("/ui/login?next=%2Fui%2Fmodels%3Foffset%3D0");
    await admin.signIn(ADMIN, ADMIN_PASSWORD);
    await user.signIn("alice", "alice-Pass-1234");
  });

  test("a form without the CSRF token gets a 403 page, not JSON", async () => {
    const res = await user.post("/ui/profile/tokens", { name: "x" }, { csrf: false });
    expect(res.status).toBe(403);
    expect(mainText(res.text)).toContain("form has expired");
  });

  test("page requests are audited as gui", async () => {
    await user.get("/ui/models");
    const ev = await svc.db
      .selectFrom("events")
      .selectAll()
      .where("path", "=", "/ui/models")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(ev.source).toBe("gui");
    const failed = await (await visitor("/ui/login")).post("/ui/login", { username: "x", password: "bad" });
    expect(failed.status).toBe(401);
    const ev2 = await svc.db
      .selectFrom("events")
      .selectAll()
      .where("path", "=", "/ui/login")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(ev2.source).toBe("gui");
  });
});

describe("forms without JavaScript", () => {
  test("a failed sign-in re-renders with the username kept and the error shown", async () => {
    const res = await (await visitor("/ui/login")).post("/ui/login", {
      username: "alice",
      password: "wrong-password!",
    });
    expect(res.status).toBe(401);
    expect(res.text).toContain('value="alice"');
    expect(mainText(res.text)).toContain("invalid username or password");
    const empty = await (await visitor("/ui/login")).post("/ui/login", { username: "alice", password: "" });
    expect(empty.status).toBe(422);
    expect(empty.text).toMatch(/id="f-password-err"[^>]*>Enter your password/);
  });

  test("registration errors sit beside their fields; success leads to sign-in", async () => {
    const b = await visitor("/ui/register");
    const bad = await b.post("/ui/register", { username: "x!", password: "short" });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('value="x!"');
    expect(bad.text).toMatch(/id="f-username" [^>]*aria-invalid="true"/);
    const weak = await b.post("/ui/register", { username: "bob", password: "short" });
    expect(weak.text).toMatch(/id="f-password-err"[^>]*>password/);
    const ok = await b.post("/ui/register", { username: "bob", password: "Quiet-river-2025" });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe("/ui/login?registered=1");
  });

  test("upload, train, watch, predict one row and many, export, roll back", async () => {
    const csv = readFileSync(join(DATA, "iris_train.csv"), "utf8");
    const up = await user.post("/ui/datasets", {
      next: "train",
      file: new File([csv], "iris.csv", { type: "text/csv" }),
    });
    expect(up.status).toBe(303);
    const trainUrl = up.location as string;
    expect(trainUrl).toMatch(/^\/ui\/train\?dataset=ds_/);
    const page = await user.get(trainUrl);
    expect(page.text).toContain('name="target_field"');
    const datasetId = trainUrl.split("=")[1] as string;
    const fields = {
      dataset_id: datasetId,
      model_key: "iris",
      target_field: "species",
      f_0: "sepal_length",
      f_1: "sepal_width",
      f_2: "petal_length",
      f_3: "petal_width",
      task_type: "auto",
      activation: "relu",
      learning_rate_init: "0.01",
      alpha: "0.0001",
      validation_split: "0.2",
    };

    const bad = await user.post("/ui/train", { ...fields, max_iter: "-3" });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('value="iris"');
    expect(bad.text).toMatch(/id="f-max_iter-err"/);

    for (const max of ["30", "20"]) {
      const ok = await user.post("/ui/train", { ...fields, max_iter: max });
      expect(ok.status).toBe(303);
      expect(ok.location).toMatch(/^\/ui\/jobs\/job_/);
      expect((await user.get(ok.location as string)).status).toBe(200);
      await svc.runtime.jobs.idle();
    }
    const model = await user.get("/ui/models/iris");
    expect(model.status).toBe(200);
    expect(mainText(model.text)).toContain("Confusion matrix");
    expect(model.text).toContain("<svg");
    expect(model.text).toContain("Roll back to 1.0.0");

    const one = await user.post("/ui/predict", {
      model: "iris",
      mode: "one",
      x_0: "5.1",
      x_1: "3.5",
      x_2: "1.4",
      x_3: "0.2",
    });
    expect(one.status).toBe(303);
    const results = await user.get(one.location as string);
    expect(mainText(results.text)).toContain("setosa");
    expect(results.text).toContain("P(setosa)");
    const exportCsv = await user.get(`${one.location}/export/csv`);
    expect(exportCsv.text.split("\n")[0]).toContain("score_setosa");
    const exportJson = await user.get(`${one.location}/export/json`);
    expect(JSON.parse(exportJson.text)[0].prediction).toBe("setosa");

    const wrong = await user.post("/ui/predict", {
      model: "iris",
      mode: "one",
      x_0: "abc",
      x_1: "3.5",
      x_2: "1.4",
      x_3: "0.2",
    });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('value="abc"');
    expect(wrong.text).toMatch(/id="f-x_0-err"[^>]*>expected a finite number/);

    const many = await user.post("/ui/predict", {
      model: "iris",
      mode: "many",
      rows_json: "",
      csv: new File([csv], "rows.csv"),
    });
    expect(many.status).toBe(303);
    expect(mainText((await user.get(many.location as string)).text)).toContain("120 predictions");

    // batch scoring of the uploaded dataset, as a job, from the same form
    const scored = await user.post("/ui/predict", {
      model: "iris",
      mode: "many",
      rows_json: "",
      dataset_id: datasetId,
    });
    expect(scored.status).toBe(303);
    await svc.runtime.jobs.idle();
    expect(mainText((await user.get(scored.location as string)).text)).toContain("120 predictions");
    const scoredCsv = await user.get(`${scored.location}/export/csv`);
    expect(scoredCsv.text.trim().split("\n")).toHaveLength(121);
    const scoredNdjson = await user.get(`${scored.location}/export/ndjson`);
    const lines = scoredNdjson.text.trim().split("\n");
    expect(lines).toHaveLength(120);
    const [header, ...csvLines] = readRecords(scoredCsv.text).map((r) => r.fields);
    const at = (header as string[]).indexOf("prediction");
    expect(lines.map((l) => JSON.parse(l).prediction)).toEqual(csvLines.map((r) => r[at]));
    const unknown = await user.post("/ui/predict", {
      model: "iris",
      mode: "many",
      rows_json: "",
      dataset_id: "ds_nope",
    });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toMatch(/id="f-dataset_id-err"/);

    const confirm = await user.get("/ui/models/iris/rollback/1.0.0");
    expect(mainText(confirm.text)).toContain("Roll back iris?");
    const rolled = await user.post("/ui/models/iris/rollback/1.0.0");
    expect(rolled.location).toBe("/ui/models/iris?done=rolled_back");
    const m = await svc.db.selectFrom("models").select("active_version").executeTakeFirstOrThrow();
    expect(m.active_version).toBe("1.0.0");
    const recorded = await svc.db.selectFrom("rollbacks").selectAll().executeTakeFirstOrThrow();
    expect(recorded).toMatchObject({ model_key: "iris", from_version: "1.1.0", to_version: "1.0.0", by: "alice" });
  }, 60_000);

  test("API tokens: created and shown once, revoked, deleted", async () => {
    const bad = await user.post("/ui/profile/tokens", { name: "", expires_in_days: "7" });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="f-name-err"/);
    const made = await user.post("/ui/profile/tokens", { name: "ci", expires_in_days: "7" });
    expect(made.status).toBe(201);
    const secret = /id="new-token"[^>]*>([^<]+)</.exec(made.text)?.[1];
    expect(secret).toStartWith("mls_");
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect((await user.get("/ui/profile")).text).not.toContain(secret as string);
    const row = await svc.db.selectFrom("api_tokens").select("id").where("name", "=", "ci").executeTakeFirstOrThrow();
    expect((await user.post(`/ui/profile/tokens/${row.id}/revoke`)).status).toBe(303);
    expect(mainText((await user.get("/ui/profile")).text)).toContain("revoked");
    expect((await user.post(`/ui/profile/tokens/${row.id}/delete`)).status).toBe(303);
    expect(mainText((await user.get("/ui/profile")).text)).not.toContain("ci mls_");
  });

  test("jobs can be cancelled from the page", async () => {
    const alice = await svc.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "alice")
      .executeTakeFirstOrThrow();
    const job = await svc.db
      .insertInto("jobs")
      .values({
        id: "job_ui_cancel",
        type: "train",
        status: "queued",
        params: "{}",
        created_by: alice.id,
        created_at: "2000-01-01T00:00:00Z",
      })
      .execute();
    void job;
    const res = await user.post("/ui/jobs/job_ui_cancel/cancel");
    expect(res.status).toBe(303);
    const row = await svc.db
      .selectFrom("jobs")
      .select("status")
      .where("id", "=", "job_ui_cancel")
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("cancelled");
  });

  test("admins create users; errors keep the input", async () => {
    const bad = await admin.post("/ui/users", { username: "carol", password: "short", role: "user" });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('value="carol"');
    const ok = await admin.post("/ui/users", { username: "carol", password: "Quiet-river-2025", role: "user" });
    expect(ok.status).toBe(303);
    expect(mainText((await admin.get("/ui/users")).text)).toContain("carol");
  });
});

describe("preferences and assets", () => {
  test("the theme is kept in a cookie only after consent to preference cookies", async () => {
    const b = new Browser(svc.app);
    await b.signIn("alice", "alice-Pass-1234");
    const before = await b.post("/ui/theme", { theme: "dark", next: "/ui/about" });
    expect(before.location).toBe("/ui/about?theme=dark");
    expect(b.cookies.has("mls_theme")).toBe(false);
    expect((await b.get("/ui/about?theme=dark")).text).toContain('data-theme="dark"');
    await b.post("/ui/consent", { choice: "save", preferences: "1", next: "/ui/about" });
    expect(b.cookies.get("mls_consent")).toBe("e.p");
    await b.post("/ui/theme", { theme: "dark", next: "/ui/about" });
    expect(b.cookies.get("mls_theme")).toBe("dark");
    const page = await b.get("/ui/about");
    expect(page.text).toContain('data-theme="dark"');
    expect(page.text).not.toContain('id="consent-h"');
    await b.post("/ui/consent", { choice: "none", next: "/ui/about" });
    expect(b.cookies.has("mls_theme")).toBe(false);
  });

  test("assets are hashed, cached for a year, gzipped, and under 30 KB gzip together", async () => {
    const page = await user.get("/ui");
    const urls = [...page.text.matchAll(/(?:href|src)="(\/ui\/static\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(urls.length).toBe(3);
    for (const url of urls) {
      const res = await svc.app.request(url, { headers: { "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-encoding")).toBe("gzip");
    }
    const total = assetSizes().reduce((s, a) => s + a.gzip, 0);
    expect(total).toBeLessThan(30 * 1024);
  });
});
