/**
 * The model list that `GET /models`, `/ui/models` and the overview share: each model's status
 * follows its versions, pages report the total, and the overview's order is the most recently
 * changed first.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { SYSTEM } from "../../src/registry/ownership";
import { listModelSummaries, modelKeys } from "../../src/registry/queries";
import { markVersionFailed, markVersionReady, reserveVersion } from "../../src/registry/registry";
import { testDeps } from "../helpers";

const { db } = testDeps();

async function addVersion(modelKey: string, at: string, outcome: "ready" | "failed" | "training") {
  const version = await reserveVersion(db, {
    modelKey,
    taskType: "classification",
    targetField: "label",
    featureFields: ["x"],
    hyperparameters: {},
    datasetId: null,
    jobId: `job_${modelKey}_${at}`,
    createdBy: null,
    now: at,
    actor: SYSTEM,
  });
  if (outcome === "failed") await markVersionFailed(db, modelKey, version, "boom", at);
  if (outcome === "ready") {
    await markVersionReady(db, modelKey, version, {
      metrics: { accuracy: 0.9 },
      backend: "cpu",
      trainRows: 10,
      trainingTimeS: 1,
      artifactFile: "a",
      artifactSha256: "0".repeat(64),
      now: at,
    });
    await db
      .updateTable("models")
      .set({ active_version: version, updated_at: at })
      .where("model_key", "=", modelKey)
      .execute();
  }
}

beforeAll(async () => {
  await addVersion("alpha", "2026-01-01T00:00:00.000Z", "ready");
  await addVersion("alpha", "2026-01-02T00:00:00.000Z", "failed");
  await addVersion("beta", "2026-01-03T00:00:00.000Z", "training");
  await addVersion("gamma", "2026-01-04T00:00:00.000Z", "failed");
});

describe("model queries", () => {
  test("a model's status and metrics follow its versions", async () => {
    const { items, total } = await listModelSummaries(db, { limit: 10, offset: 0, order: "model_key" });
    expect(total).toBe(3);
    expect(items.map((m) => [m.model_key, m.status, m.versions, m.metrics, m.accuracy, m.last_trained])).toEqual([
      ["alpha", "active", ["1.0.0", "1.1.0"], { accuracy: 0.9 }, 0.9, "2026-01-01T00:00:00.000Z"],
      ["beta", "training", ["1.0.0"], null, null, null],
      ["gamma", "no_ready_version", ["1.0.0"], null, null, null],
    ]);
  });

  test("pages by key, or the most recently changed first, with the total on every page", async () => {
    const second = await listModelSummaries(db, { limit: 1, offset: 1, order: "model_key" });
    expect([second.items.map((m) => m.model_key), second.total]).toEqual([["beta"], 3]);
    const recent = await listModelSummaries(db, { limit: 2, offset: 0, order: "recent" });
    expect(recent.items.map((m) => m.model_key)).toEqual(["gamma", "beta"]);
  });

  test("the prediction picker offers only models with a serving version", async () => {
    expect(await modelKeys(db, { serving: true, limit: 10 })).toEqual(["alpha"]);
    expect(await modelKeys(db, { serving: false, limit: 2 })).toEqual(["alpha", "beta"]);
  });
});
