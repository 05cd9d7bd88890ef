/**
 * Named aliases: set and moved by the model's owner, maintainers and admins, answered by
 * /predict (`alias` or `model_key@alias`) exactly as the version they name, refused for a
 * version that is not ready, kept by retention.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SYSTEM } from "../../src/registry/ownership";
import { markVersionFailed, reserveVersion } from "../../src/registry/registry";
import { csvRows, startService } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let owner: Client;
let other: Client;
let maintainer: Client;
let admin: Client;

const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);

async function train(who: Client, body: Record<string, unknown> = {}) {
  const res = await who.send("/train", {
    json: { model_key: "iris", target_field: "species", items: iris, hyperparameters: { max_iter: 30 }, ...body },
  });
  expect(res.status).toBe(202);
  expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");
  return res.body.version as string;
}

const aliases = async () => (await owner.send("/models/iris/aliases")).body.items;
const put = (who: Client, alias: string, version: string) =>
  who.send(`/models/iris/aliases/${alias}`, { method: "PUT", json: { version } });

beforeAll(async () => {
  svc = await startService({ ML_MODEL_RETENTION: "1" });
  owner = await signedInUser(svc, "olivia");
  other = await signedInUser(svc, "oscar");
  maintainer = await signedInUser(svc, "mia");
  admin = await signedInUser(svc, "ada", "admin");
  await train(owner, { hyperparameters: { max_iter: 2, hidden_layer_sizes: [2] } }); // 1.0.0, a weak fit
  expect((await put(owner, "challenger", "1.0.0")).status).toBe(200); // before retention could archive it
  await train(owner); // 1.1.0 serves
  expect((await owner.send("/models/iris/maintainers/mia", { method: "PUT" })).status).toBe(200);
});
afterAll(() => svc.close());

describe("aliases", () => {
  test("an alias answers /predict exactly as the version it names, by field or by model_key@alias", async () => {
    const byVersion = await owner.send("/predict", { json: { model_key: "iris", version: "1.0.0", data: probe } });
    expect(byVersion.status).toBe(200);
    const byAlias = await owner.send("/predict", { json: { model_key: "iris", alias: "challenger", data: probe } });
    expect(byAlias.status).toBe(200);
    expect(byAlias.body).toMatchObject({ model_key: "iris", version: "1.0.0", alias: "challenger" });
    const byAt = await other.send("/predict", { json: { model_key: "iris@challenger", data: probe } });
    expect(byAt.status).toBe(200);
    expect(byAt.body).toMatchObject({ model_key: "iris", version: "1.0.0", alias: "challenger" });
    const strip = (r: { body: { predictions: Record<string, unknown>[] } }) =>
      r.body.predictions.map(({ prediction_id: _, ...p }) => p);
    expect(strip(byAlias)).toEqual(strip(byVersion));
    expect(strip(byAt)).toEqual(strip(byVersion));
    // and the serving version is another one, which answers without an alias
    const live = await owner.send("/predict", { json: { model_key: "iris", data: probe } });
    expect(live.body.version).toBe("1.1.0");
    expect(live.body.alias).toBeUndefined();
  });

  test("an unknown alias is a 404, an alias with a version or a disagreeing one a 422", async () => {
    const send = (json: Record<string, unknown>) => owner.send("/predict", { json: { data: probe, ...json } });
    expect((await send({ model_key: "iris", alias: "nobody" })).status).toBe(404);
    expect((await send({ model_key: "iris@nobody" })).status).toBe(404);
    const both = await send({ model_key: "iris", alias: "challenger", version: "1.1.0" });
    expect(both.status).toBe(422);
    expect(both.body.error.code).toBe("validation_failed");
    expect((await send({ model_key: "iris@challenger", alias: "champion" })).status).toBe(422);
  });

  test("moving an alias says where it was; the model and its versions list it; retention keeps aliased versions", async () => {
    const moved = await put(owner, "champion", "1.1.0");
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      alias: "champion",
      version: "1.1.0",
      previous_version: null,
      updated_by: "olivia",
    });
    expect((await aliases()).map((a: { alias: string; version: string }) => [a.alias, a.version])).toEqual([
      ["challenger", "1.0.0"],
      ["champion", "1.1.0"],
    ]);
    expect((await other.send("/models/iris")).body.aliases).toHaveLength(2);
    expect((await other.send("/models/iris/versions/1.0.0")).body).toMatchObject({
      status: "ready",
      aliases: ["challenger"],
    });
    // ML_MODEL_RETENTION=1: without its alias 1.0.0 would have been archived by the fit of 1.1.0
    const versions = (await owner.send("/models/iris/versions")).body.items;
    expect(versions.map((v: { version: string; status: string }) => [v.version, v.status])).toEqual([
      ["1.1.0", "ready"],
      ["1.0.0", "ready"],
    ]);
  });

  test("an alias naming a failed or training version is refused with 422 and nothing changes", async () => {
    const now = new Date().toISOString();
    const reserve = (version: string) =>
      reserveVersion(svc.db, {
        modelKey: "iris",
        version,
        taskType: "classification",
        targetField: "species",
        featureFields: Object.keys(probe[0] ?? {}),
        hyperparameters: {},
        datasetId: null,
        jobId: `job_${version}`,
        createdBy: null,
        now,
        actor: SYSTEM,
      });
    await reserve("9.0.0");
    await markVersionFailed(svc.db, "iris", "9.0.0", "diverged", now);
    await reserve("9.1.0"); // still training
    const before = await aliases();
    for (const version of ["9.0.0", "9.1.0"]) {
      const res = await put(owner, "challenger", version);
      expect(res.status).toBe(422);
      expect(res.body.error.details).toMatchObject({ reason: "version_not_ready", version });
    }
    expect((await put(owner, "challenger", "8.0.0")).status).toBe(404);
    expect(await aliases()).toEqual(before);
  });

  test("alias names are validated like model keys and may not read as versions", async () => {
    for (const name of ["1.0.0", "-x", "a%20b"]) {
      const res = await put(owner, name, "1.0.0");
      expect(res.status).toBe(422);
    }
    expect((await put(owner, "x".repeat(65), "1.0.0")).status).toBe(422);
  });

  test("only the owner, maintainers and admins set, move or delete aliases; others get 403 and nothing changes", async () => {
    const before = await aliases();
    expect((await put(other, "challenger", "1.1.0")).status).toBe(403);
    expect((await put(other, "staging", "1.1.0")).status).toBe(403);
    expect((await other.send("/models/iris/aliases/challenger", { method: "DELETE" })).status).toBe(403);
    expect(await aliases()).toEqual(before);
    expect((await put(maintainer, "staging", "1.1.0")).status).toBe(200);
    expect((await put(admin, "staging", "1.0.0")).body.previous_version).toBe("1.1.0");
    expect((await maintainer.send("/models/iris/aliases/staging", { method: "DELETE" })).status).toBe(200);
    expect((await owner.send("/models/iris/aliases/staging", { method: "DELETE" })).status).toBe(404);
    expect(await aliases()).toEqual(before);
  });
});
