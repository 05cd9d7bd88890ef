import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { enqueueRetrain } from "../../src/jobs/retrain";
import { SYSTEM } from "../../src/registry/ownership";
import { csvRows, startService } from "./helpers";
import { type Client, signedInUser } from "./people";

let svc: Awaited<ReturnType<typeof startService>>;
let owner: Client;
let other: Client;
let maintainer: Client;
let admin: Client;
beforeAll(async () => {
  svc = await startService({ ML_MODEL_RETENTION: "50" });
  owner = await signedInUser(svc, "olivia");
  other = await signedInUser(svc, "oscar");
  maintainer = await signedInUser(svc, "mia");
  admin = await signedInUser(svc, "ada", "admin");
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv")
  .slice(0, 2)
  .map(({ species: _, ...f }) => f);
/** iris with the target swapped: predict petal_width from the rest (a regression) */
const widths = iris.map(({ species: _, ...r }) => r);
const fit = { hyperparameters: { max_iter: 30 } };

async function trained(who: Client, body: Record<string, unknown>) {
  const res = await who.send("/train", { json: { items: iris, target_field: "species", ...fit, ...body } });
  expect(res.status).toBe(202);
  const job = await svc.waitJob(res.body.job_id);
  expect(job.status).toBe("completed");
  return res.body.version as string;
}

const counts = async (key: string) => ({
  versions: (await svc.db.selectFrom("model_versions").select("id").where("model_key", "=", key).execute()).length,
  jobs: (await svc.db.selectFrom("jobs").select("id").where("model_key", "=", key).execute()).length,
});

describe("model ownership", () => {
  test("another user cannot train a new version with another target: 403, nothing stored, clients keep working", async () => {
    await trained(owner, { model_key: "flowers" });
    const before = await counts("flowers");
    const res = await other.send("/train", {
      json: { model_key: "flowers", items: widths, target_field: "petal_width", allow_schema_change: true, ...fit },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
    expect(await counts("flowers")).toEqual(before);
    const model = (await other.send("/models/flowers")).body;
    expect(model).toMatchObject({ target_field: "species", task_type: "classification", owner: "olivia" });
    expect((await other.send("/predict", { json: { model_key: "flowers", data: probe } })).status).toBe(200);
  });

  test("another user cannot roll back, retrain or change settings of a model: 403, the active version stays", async () => {
    const v2 = await trained(owner, { model_key: "flowers" });
    expect((await other.send("/models/flowers/rollback/1.0.0", { method: "POST" })).status).toBe(403);
    expect((await other.send("/models/flowers/retrain", { method: "POST" })).status).toBe(403);
    const settings = await other.send("/models/flowers/settings", { method: "PUT", json: { auto_retrain: false } });
    expect(settings.status).toBe(403);
    expect((await other.send("/models/flowers")).body.active_version).toBe(v2);
    expect((await other.send("/models/flowers/settings")).body.settings).toEqual({});
    expect((await other.send("/models/flowers/rollbacks")).body.items).toEqual([]);
  });

  test("a new target or feature set is a 409 naming what differs, until the owner allows it", async () => {
    const before = await counts("flowers");
    const target = await owner.send("/train", {
      json: { model_key: "flowers", items: widths, target_field: "petal_width", ...fit },
    });
    expect(target.status).toBe(409);
    expect(target.body.error.details).toMatchObject({
      reason: "schema_change",
      changes: {
        target_field: { old: "species", new: "petal_width" },
        task_type: { old: "classification", new: "regression" },
      },
    });
    const features = await owner.send("/train", {
      json: { model_key: "flowers", items: iris, target_field: "species", feature_fields: ["sepal_length"], ...fit },
    });
    expect(features.status).toBe(409);
    expect(features.body.error.details.changes.feature_fields.removed).toEqual(
      expect.arrayContaining(["sepal_width", "petal_length", "petal_width"]),
    );
    expect(await counts("flowers")).toEqual(before);
  });

  test("a maintainer may train and roll back but not change the schema", async () => {
    const put = await owner.send("/models/flowers/maintainers/mia", { method: "PUT" });
    expect(put.status).toBe(200);
    const active = (await maintainer.send("/models/flowers")).body.active_version;
    const schema = await maintainer.send("/train", {
      json: { model_key: "flowers", items: widths, target_field: "petal_width", allow_schema_change: true, ...fit },
    });
    expect(schema.status).toBe(403);
    expect(schema.body.error.details.reason).toBe("schema_change_not_allowed");
    const v = await trained(maintainer, { model_key: "flowers" });
    expect((await maintainer.send("/models/flowers")).body.active_version).toBe(v);
    const back = await maintainer.send(`/models/flowers/rollback/${active}`, { method: "POST" });
    expect(back.status).toBe(200);
    expect(back.body.active_version).toBe(active);
  });

  test("with allow_schema_change the owner replaces the schema, and the metadata follows the active version", async () => {
    const old = (await owner.send("/models/flowers")).body.active_version;
    const v = await trained(owner, {
      model_key: "flowers",
      items: widths,
      target_field: "petal_width",
      allow_schema_change: true,
    });
    let model = (await other.send("/models/flowers")).body;
    expect(model).toMatchObject({ active_version: v, target_field: "petal_width", task_type: "regression" });
    const features = (await other.send("/models/flowers/features")).body;
    expect(features.target.field).toBe("petal_width");
    expect((await owner.send(`/models/flowers/rollback/${old}`, { method: "POST" })).status).toBe(200);
    model = (await other.send("/models/flowers")).body;
    expect(model).toMatchObject({ active_version: old, target_field: "species", task_type: "classification" });
  });

  test("admins may change any model; the owner names and removes maintainers, a maintainer cannot", async () => {
    expect(
      (await admin.send("/models/flowers/settings", { method: "PUT", json: { auto_retrain: false } })).status,
    ).toBe(200);
    expect((await maintainer.send("/models/flowers/maintainers/oscar", { method: "PUT" })).status).toBe(403);
    expect((await owner.send("/models/flowers/maintainers/nobody", { method: "PUT" })).status).toBe(404);
    expect((await owner.send("/models/flowers/maintainers/olivia", { method: "PUT" })).status).toBe(409);
    const listed = (await other.send("/models/flowers/maintainers")).body;
    expect(listed).toMatchObject({ owner: "olivia", maintainers: [{ username: "mia", added_by: "olivia" }] });
    expect((await other.send("/models/flowers")).body.maintainers.map((m: { username: string }) => m.username)).toEqual(
      ["mia"],
    );
    expect((await owner.send("/models/flowers/maintainers/mia", { method: "DELETE" })).status).toBe(200);
    expect((await owner.send("/models/flowers/maintainers/mia", { method: "DELETE" })).status).toBe(404);
    expect((await maintainer.send("/models/flowers/rollback/1.0.0", { method: "POST" })).status).toBe(403);
  });

  test("a drift-triggered retrain acts as the system, whoever owns the model", async () => {
    const now = new Date();
    const window = { start: new Date(now.getTime() - 3_600_000).toISOString(), end: now.toISOString() };
    const job = await enqueueRetrain(
      { db: svc.db, now: () => now },
      { modelKey: "flowers", trigger: "drift", window, createdBy: null, actor: SYSTEM },
    );
    expect(job?.status).toBe("queued");
    svc.runtime.jobs.kick();
    expect((await svc.waitJob(job?.id as string)).status).toBe("completed");
  });
});

describe("versions", () => {
  test("a version with leading zeros is refused with 422, so 01.00.000 and 1.0.0 cannot coexist", async () => {
    await trained(owner, { model_key: "canon", version: "1.0.0" });
    const res = await owner.send("/train", {
      json: { model_key: "canon", version: "01.00.000", items: iris, target_field: "species", ...fit },
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain("leading zeros");
    const versions = (await owner.send("/models/canon/versions")).body.items.map((x: { version: string }) => x.version);
    expect(versions).toEqual(["1.0.0"]);
  });

  test("a version stored with leading zeros before versions were canonical still blocks its equal", async () => {
    const row = await svc.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_key", "=", "canon")
      .executeTakeFirstOrThrow();
    const { id: _, ...legacy } = row;
    await svc.db
      .insertInto("model_versions")
      .values({ ...legacy, version: "01.05.000", status: "failed" })
      .execute();
    const res = await owner.send("/train", {
      json: { model_key: "canon", version: "1.5.0", items: iris, target_field: "species", ...fit },
    });
    expect(res.status).toBe(409);
    await svc.db.deleteFrom("model_versions").where("version", "=", "01.05.000").execute();
  });

  test("past the highest minor version a train is a 409 before any job is queued", async () => {
    await trained(owner, { model_key: "canon", version: "999999.999999.999999" });
    const before = await counts("canon");
    const res = await owner.send("/train", {
      json: { model_key: "canon", items: iris, target_field: "species", ...fit },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe("versions_exhausted");
    expect(await counts("canon")).toEqual(before);
    const retrain = await owner.send("/models/canon/retrain", { method: "POST" });
    expect(retrain.status).toBe(409);
    expect(await counts("canon")).toEqual(before);
  });
});

describe("lists and long keys", () => {
  test("GET /models and /metrics/trends page with limit and offset and report the total", async () => {
    const all = (await other.send("/models")).body;
    expect(all).toMatchObject({ total: 2, limit: 100, offset: 0 });
    const page = (await other.send("/models?limit=1&offset=1")).body;
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.models.map((m: { model_key: string }) => m.model_key)).toEqual(["flowers"]);
    const trends = (await other.send("/metrics/trends?model_key=canon&limit=1")).body;
    expect(trends).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(trends.items).toHaveLength(1);
    for (const q of ["limit=0", "limit=abc", "limit=501", "offset=-1"]) {
      expect((await other.send(`/models?${q}`)).status).toBe(422);
      expect((await other.send(`/metrics/trends?${q}`)).status).toBe(422);
    }
  });

  test("a 10 KB model key is not echoed back whole", async () => {
    const key = "k".repeat(10_000);
    const paths = [`/models/${key}`, `/models/${key}/versions`, `/models/${key}/rollback/1.0.0`, `/${key}/nowhere`];
    for (const path of paths) {
      const res = await owner.send(path, { method: path.includes("rollback") ? "POST" : "GET" });
      expect(res.status).toBe(404);
      expect(res.text.length).toBeLessThan(400);
      expect(res.body.error.message).toContain("k…");
    }
  });
});
