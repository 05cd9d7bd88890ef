import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Cell, cleanupExpiredDatasets, loadDatasetRows, saveJsonDataset } from "../../src/datasets/store";
import type { VersionStatus } from "../../src/db/tables/models";
import { addUser, datasetsApp, IRIS, numericCsv } from "./helpers";

type T = Awaited<ReturnType<typeof datasetsApp>>;

async function modelVersionOn(t: T, datasetId: string, status: VersionStatus, active = false) {
  const at = new Date().toISOString();
  const key = `m_${datasetId.slice(3, 9)}_${status}`;
  await t.deps.db
    .insertInto("models")
    .values({ model_key: key, task_type: "classification", target_field: "c", created_at: at, updated_at: at })
    .execute();
  await t.deps.db
    .insertInto("model_versions")
    .values({
      model_key: key,
      version: "v1",
      status,
      dataset_id: datasetId,
      feature_fields: "[]",
      hyperparameters: "{}",
      created_at: at,
    })
    .execute();
  if (active)
    await t.deps.db.updateTable("models").set({ active_version: "v1" }).where("model_key", "=", key).execute();
}

describe("GET /datasets", () => {
  test("lists newest first with total, limit and offset; filters by name", async () => {
    const t = await datasetsApp();
    const ids: string[] = [];
    for (const name of ["a", "b", "a", "c", "a"]) ids.push((await t.upload(numericCsv(2), { name })).body.id);
    const page = await t.send("/datasets?limit=2&offset=1");
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
    expect(page.body.items).toHaveLength(2);
    const all = await t.send("/datasets");
    const created = all.body.items.map((d: { created_at: string }) => d.created_at);
    expect(created).toEqual([...created].sort().reverse());
    expect(all.body.items.map((d: { id: string }) => d.id).sort()).toEqual([...ids].sort());
    const onlyA = await t.send("/datasets?name=a");
    expect(onlyA.body.total).toBe(3);
    expect(onlyA.body.items.every((d: { name: string }) => d.name === "a")).toBe(true);
    expect(Object.keys(onlyA.body.items[0]).sort()).toEqual(
      [
        "id",
        "name",
        "version",
        "format",
        "original_filename",
        "columns",
        "column_count",
        "row_count",
        "size_bytes",
        "sha256",
        "created_at",
        "last_used_at",
      ].sort(),
    );
    expect((await t.send("/datasets?limit=0")).status).toBe(422);
    expect((await t.send("/datasets?limit=abc")).status).toBe(422);
  });

  test("by-name versions, newest first; 404 for an unknown name", async () => {
    const t = await datasetsApp();
    await t.upload(numericCsv(2), { name: "sales" });
    await t.upload(numericCsv(3), { name: "sales" });
    const res = await t.send("/datasets/by-name/sales/versions");
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("sales");
    expect(res.body.versions.map((d: { version: number; row_count: number }) => [d.version, d.row_count])).toEqual([
      [2, 3],
      [1, 2],
    ]);
    expect((await t.send("/datasets/by-name/nothing/versions")).status).toBe(404);
  });

  test("one dataset by id, and its first 20 rows typed per column", async () => {
    const t = await datasetsApp();
    const up = await t.upload(readFileSync(IRIS), { filename: "iris.csv" });
    const one = await t.send(`/datasets/${up.body.id}`);
    expect(one.body).toEqual(up.body);
    const preview = await t.send(`/datasets/${up.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.columns).toEqual(up.body.columns);
    expect(preview.body.rows).toHaveLength(20);
    expect(preview.body.rows[0]).toEqual({
      sepal_length: 4.8,
      sepal_width: 3,
      petal_length: 1.4,
      petal_width: 0.3,
      species: "setosa",
    });
    // a preview is not a use: the TTL clock is not reset
    expect((await t.send(`/datasets/${up.body.id}`)).body.last_used_at).toBeNull();
  });
});

describe("DELETE /datasets/{id}", () => {
  test("removes the row and the file; then 404", async () => {
    const t = await datasetsApp();
    const up = await t.upload(numericCsv(2));
    expect(t.files()).toEqual([`${up.body.id}.csv`]);
    const res = await t.send(`/datasets/${up.body.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: up.body.id, deleted: true });
    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
    expect((await t.send(`/datasets/${up.body.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await t.send(`/datasets/${up.body.id}`)).status).toBe(404);
  });

  test("only the uploader or an admin may delete; to anyone else it does not exist", async () => {
    const t = await datasetsApp();
    const up = await t.upload(numericCsv(2));
    const bob = await addUser(t.deps, "bob");
    const denied = await t.send(`/datasets/${up.body.id}`, { method: "DELETE", headers: bob.headers });
    expect(denied.status).toBe(404);
    expect(t.files()).toHaveLength(1);
    const admin = await addUser(t.deps, "carol", "admin");
    expect((await t.send(`/datasets/${up.body.id}`, { method: "DELETE", headers: admin.headers })).status).toBe(200);
  });

  test("409 while a model version is training on it; allowed once that failed", async () => {
    const t = await datasetsApp();
    const up = await t.upload(numericCsv(2));
    await modelVersionOn(t, up.body.id, "training");
    const res = await t.send(`/datasets/${up.body.id}`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(res.body.error.details.versions).toMatchObject([{ version: "v1", status: "training" }]);
    expect(t.files()).toHaveLength(1);
    await t.deps.db.updateTable("model_versions").set({ status: "failed" }).execute();
    expect((await t.send(`/datasets/${up.body.id}`, { method: "DELETE" })).status).toBe(200);
  });
});

describe("loadDatasetRows", () => {
  test("CSV round trip: numbers for numeric columns, strings otherwise, null for empty; marks it used", async () => {
    const t = await datasetsApp();
    const csv = 'x,label,zip,note\n1.5,a,007,\n-2,b,010,"multi\nline"\n,c,,plain\n';
    const up = await t.upload(csv);
    const before = Date.now();
    const data = await loadDatasetRows(t.deps, up.body.id);
    expect(data.columns).toEqual(["x", "label", "zip", "note"]);
    expect(data.rows).toEqual([
      { x: 1.5, label: "a", zip: 7, note: null },
      { x: -2, label: "b", zip: 10, note: "multi\nline" },
      { x: null, label: "c", zip: null, note: "plain" },
    ]);
    const row = await t.send(`/datasets/${up.body.id}`);
    expect(Date.parse(row.body.last_used_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  test("JSON rows round trip as stored, each save a new version", async () => {
    const t = await datasetsApp();
    const rows: Record<string, Cell>[] = [
      { a: 1, b: "x", c: true },
      { a: 2.5, b: null, d: "late column" },
    ];
    const ds = await saveJsonDataset(t.deps, { name: "train_items", rows, createdBy: t.alice.id });
    expect(ds).toMatchObject({ format: "json", version: 1, row_count: 2, columns: ["a", "b", "c", "d"] });
    expect(t.files()).toEqual([`${ds.id}.json`]);
    expect(await loadDatasetRows(t.deps, ds.id)).toEqual({ columns: ["a", "b", "c", "d"], rows });
    const again = await saveJsonDataset(t.deps, { name: "train_items", rows, createdBy: null });
    expect(again.version).toBe(2);
  });

  test("JSON rows with nested values or a bad name are refused and leave nothing", async () => {
    const t = await datasetsApp();
    const nested = saveJsonDataset(t.deps, { name: "n", rows: [{ a: 1 }, { a: { deep: 1 } }], createdBy: null });
    await expect(nested).rejects.toMatchObject({ status: 422, details: { row: 2, column_name: "a" } });
    const badName = saveJsonDataset(t.deps, { name: "../x", rows: [{ a: 1 }], createdBy: null });
    await expect(badName).rejects.toMatchObject({ status: 422 });
    expect(t.files()).toEqual([]);
    expect(await t.rowCount()).toBe(0);
  });

  test("an unknown id is a 404", async () => {
    const t = await datasetsApp();
    await expect(loadDatasetRows(t.deps, "ds_00000000000000000000000000000000")).rejects.toMatchObject({ status: 404 });
  });
});

describe("cleanupExpiredDatasets", () => {
  const DAY = 86_400_000;

  test("removes datasets unused for ML_DATASET_TTL_DAYS, keeps recent and in-use ones", async () => {
    const t = await datasetsApp({ ML_DATASET_TTL_DAYS: "30" });
    const old = (await t.upload(numericCsv(2), { name: "old" })).body.id as string;
    const used = (await t.upload(numericCsv(2), { name: "used" })).body.id as string;
    const training = (await t.upload(numericCsv(2), { name: "training" })).body.id as string;
    const active = (await t.upload(numericCsv(2), { name: "active" })).body.id as string;
    const retired = (await t.upload(numericCsv(2), { name: "retired" })).body.id as string;
    await modelVersionOn(t, training, "training");
    await modelVersionOn(t, active, "ready", true);
    await modelVersionOn(t, retired, "ready", false);
    const start = Date.now();

    expect((await cleanupExpiredDatasets(t.deps, new Date(start + 29 * DAY))).datasets).toEqual([]);
    // used on day 20: its 30 days start again
    t.deps.now = () => new Date(start + 20 * DAY);
    await loadDatasetRows(t.deps, used);
    const swept = await cleanupExpiredDatasets(t.deps, new Date(start + 31 * DAY));
    expect(swept.datasets.map((d) => d.id).sort()).toEqual([old, retired].sort());
    expect(t.files()).toEqual([`${active}.csv`, `${training}.csv`, `${used}.csv`].sort());
    expect(await t.rowCount()).toBe(3);
    const later = await cleanupExpiredDatasets(t.deps, new Date(start + 51 * DAY));
    expect(later.datasets.map((d) => d.id)).toEqual([used]);
  });

  test("0 days keeps everything; stale temp files of crashed uploads are swept", async () => {
    const t = await datasetsApp({ ML_DATASET_TTL_DAYS: "0" });
    const id = (await t.upload(numericCsv(2))).body.id;
    const temp = join(t.root, ".ds_0123456789abcdef0123456789abcdef.csv.part");
    writeFileSync(temp, "a,b\n");
    const soon = await cleanupExpiredDatasets(t.deps, new Date(Date.now() + 3_600_000));
    expect(soon).toEqual({ datasets: [], tempFiles: [] });
    const result = await cleanupExpiredDatasets(t.deps, new Date(Date.now() + 10_000 * DAY));
    expect(result).toEqual({ datasets: [], tempFiles: [".ds_0123456789abcdef0123456789abcdef.csv.part"] });
    expect(existsSync(temp)).toBe(false);
    expect(t.files()).toEqual([`${id}.csv`]);
  });
});
