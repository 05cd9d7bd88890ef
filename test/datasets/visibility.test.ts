import { describe, expect, test } from "bun:test";
import { datasetForUser } from "../../src/datasets/store";
import type { VersionStatus } from "../../src/db/tables/models";
import { addSession, addUser, datasetsApp, numericCsv } from "./helpers";

type T = Awaited<ReturnType<typeof datasetsApp>>;

/** A page or form post as a signed-in browser: the session cookie and, for posts, its CSRF token. */
async function browser(t: T, userId: number) {
  const { cookie, csrf } = await addSession(t.deps, userId);
  return {
    get: (path: string) => t.app.request(path, { headers: { cookie } }),
    post: (path: string) =>
      t.app.request(path, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf }),
      }),
  };
}

async function versionOn(t: T, datasetId: string, key: string, version: string, status: VersionStatus, active = false) {
  const at = new Date().toISOString();
  await t.deps.db
    .insertInto("models")
    .values({ model_key: key, task_type: "classification", target_field: "c", created_at: at, updated_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await t.deps.db
    .insertInto("model_versions")
    .values({
      model_key: key,
      version,
      status,
      dataset_id: datasetId,
      feature_fields: "[]",
      hyperparameters: "{}",
      created_at: at,
    })
    .execute();
  if (active)
    await t.deps.db.updateTable("models").set({ active_version: version }).where("model_key", "=", key).execute();
}

describe("datasets are their uploader's and the admins'", () => {
  test("another user gets 404 for the dataset, its preview, its versions and its deletion, and no list entry", async () => {
    const t = await datasetsApp();
    const bob = await addUser(t.deps, "bob");
    const admin = await addUser(t.deps, "root", "admin");
    const id = (await t.upload(numericCsv(3), { name: "alice_private" })).body.id as string;
    await t.upload(numericCsv(2), { name: "bobs", headers: bob.headers });

    const asBob = (path: string, init: RequestInit = {}) => t.send(path, { ...init, headers: bob.headers });
    for (const path of [`/datasets/${id}`, `/datasets/${id}/preview`, "/datasets/by-name/alice_private/versions"]) {
      const res = await asBob(path);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("0,1,2");
    }
    expect((await asBob(`/datasets/${id}`, { method: "DELETE" })).status).toBe(404);
    const list = await asBob("/datasets");
    expect(list.body.total).toBe(1);
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(["bobs"]);

    // the uploader and admins see it
    expect((await t.send(`/datasets/${id}/preview`)).body.rows).toHaveLength(3);
    const all = await t.send("/datasets", { headers: admin.headers });
    expect(all.body.total).toBe(2);
    expect((await t.send(`/datasets/${id}`, { headers: admin.headers })).status).toBe(200);

    // the domain function POST /train and the dashboard resolve a dataset id with
    const bobActor = { userId: bob.id, role: "user" as const };
    await expect(datasetForUser(t.deps, bobActor, id)).rejects.toMatchObject({ status: 404 });
    expect((await datasetForUser(t.deps, { userId: t.alice.id, role: "user" }, id)).id).toBe(id);
    expect(await t.rowCount()).toBe(2);
  });

  test("the dashboard: list, page and delete answer another user as if it did not exist", async () => {
    const t = await datasetsApp();
    const bob = await addUser(t.deps, "bob");
    const id = (await t.upload(numericCsv(3), { name: "alice_private" })).body.id as string;
    const b = await browser(t, bob.id);
    const list = await b.get("/ui/datasets");
    expect(list.status).toBe(200);
    expect(await list.text()).not.toContain("alice_private");
    expect((await b.get(`/ui/datasets/${id}`)).status).toBe(404);
    expect((await b.post(`/ui/datasets/${id}/delete`)).status).toBe(404);
    expect(t.files()).toEqual([`${id}.csv`]);
    const train = await b.get("/ui/train");
    expect(await train.text()).not.toContain("alice_private");
    expect((await b.get(`/ui/train?dataset=${id}`)).status).toBe(404);
  });
});

describe("a dataset that a serving or retrainable version needs cannot be deleted", () => {
  test("409 naming the active and ready versions, via the API and the dashboard; failed and archived do not hold it", async () => {
    const t = await datasetsApp();
    const id = (await t.upload(numericCsv(3))).body.id as string;
    await versionOn(t, id, "churn", "1.0.0", "ready", true);
    await versionOn(t, id, "churn", "1.1.0", "ready");
    await versionOn(t, id, "fraud", "2.0.0", "failed");
    await versionOn(t, id, "fraud", "1.0.0", "archived");

    const res = await t.send(`/datasets/${id}`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(res.body.error.details.versions).toEqual([
      { model_key: "churn", version: "1.0.0", status: "ready", active: true },
      { model_key: "churn", version: "1.1.0", status: "ready", active: false },
    ]);
    expect(res.body.error.message).toContain("churn 1.0.0 (active)");
    const page = await (await browser(t, t.alice.id)).post(`/ui/datasets/${id}/delete`);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("churn 1.0.0");
    expect(t.files()).toEqual([`${id}.csv`]);
    expect(await t.rowCount()).toBe(1);

    await t.deps.db
      .updateTable("model_versions")
      .set({ status: "archived" })
      .where("model_key", "=", "churn")
      .execute();
    await t.deps.db.updateTable("models").set({ active_version: null }).execute();
    expect((await t.send(`/datasets/${id}`, { method: "DELETE" })).status).toBe(200);
    expect(t.files()).toEqual([]);
  });
});

describe("lists stay small whatever the width of a dataset", () => {
  test("GET /datasets gives column_count and the first 50 names; GET /datasets/{id} all of them", async () => {
    const t = await datasetsApp();
    const names = Array.from({ length: 300 }, (_, j) => `feature_${j}`);
    const id = (await t.upload(numericCsv(2, names))).body.id as string;
    const list = await t.send("/datasets");
    const item = list.body.items[0];
    expect(item.column_count).toBe(300);
    expect(item.columns).toEqual(names.slice(0, 50));
    const one = await t.send(`/datasets/${id}`);
    expect(one.body.columns).toEqual(names);
    expect(one.body.column_count).toBe(300);
    const page = await (await browser(t, t.alice.id)).get("/ui/datasets");
    const html = await page.text();
    expect(html).toContain("(300 columns)");
    expect(html).not.toContain("feature_299");
  });
});
