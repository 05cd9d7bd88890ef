/**
 * Retraining guards and feedback: a retrain taught wrong labels is kept but not activated, with
 * a model_degradation alert; feedback that names no logged prediction or a label the model cannot
 * have is a 422; a failed fit raises training_failed; a model without a baseline is undecided.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { enqueue, newJobId } from "../../src/jobs/queue";
import { readArtifact, writeArtifact } from "../../src/registry/artifact";
import { SYSTEM } from "../../src/registry/ownership";
import { reserveVersion } from "../../src/registry/registry";
import { artifactStore } from "../../src/storage/open";
import { startService } from "../ml-service/helpers";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

let svc: Service;
beforeAll(async () => {
  svc = await startService();
  await trainModel(svc, "guarded", normalRows(1000, 11));
}, 60_000);
afterAll(() => svc.close());

describe("retraining", () => {
  test("a retrain made worse on purpose is not activated and raises model_degradation", async () => {
    // every class swapped (a ↔ b) on rows of the training distribution, three times the original data
    const flipped = normalRows(3000, 12).map((r) => ({ ...r, label: r.label === "a" ? "b" : "a" }));
    const fb = await svc.request("/feedback", { json: { model_key: "guarded", items: flipped } });
    expect(fb.status).toBe(201);
    expect(fb.body.count).toBe(3000);
    const res = await svc.request("/models/guarded/retrain", { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.body.version).toBe("1.1.0");
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");
    expect(job.result.status).toBe("rejected");

    const versions = (await svc.request("/models/guarded/versions")).body;
    expect(versions.active_version).toBe("1.0.0");
    expect(versions.items.find((v: { version: string }) => v.version === "1.1.0").status).toBe("ready");
    const r = (await svc.request("/retrainings?model_key=guarded")).body.items[0];
    expect(r).toMatchObject({ trigger: "manual", status: "rejected", new_version: "1.1.0" });
    expect(r.delta).toBeLessThan(-0.05);
    expect(r.details.decided_by).toBe("original");
    expect(r.old_metrics.n_samples).toBe(r.new_metrics.n_samples); // the same held-out rows
    const alerts = (await svc.request("/health/alerts?type=model_degradation")).body.alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toContain("not activated");
    expect(alerts[0].message).toContain("accuracy on the original held-out rows fell");
    // the old version still answers
    const p = await svc.request("/predict", { json: { model_key: "guarded", data: features(normalRows(3, 13)) } });
    expect(p.body.version).toBe("1.0.0");
  }, 90_000);

  test("a failed fit raises a training_failed alert", async () => {
    // a train job whose dataset does not exist fails while loading it
    const jobId = newJobId();
    const now = new Date().toISOString();
    const base = { modelKey: "doomed", taskType: "classification" as const, targetField: "label", now };
    const version = await reserveVersion(svc.db, {
      ...base,
      featureFields: ["x0"],
      hyperparameters: {},
      datasetId: null,
      jobId,
      createdBy: null,
      actor: SYSTEM,
    });
    const params = {
      model_key: "doomed",
      version,
      task_type: "classification",
      target_field: "label",
      feature_fields: ["x0"],
      dataset_id: "ds_00000000000000000000",
      validation_split: 0.2,
      early_stopping: false,
      use_gpu_if_available: false,
      hyperparameters: {},
    };
    await enqueue(svc.db, { id: jobId, type: "train", modelKey: "doomed", version, params, createdBy: null, now });
    svc.runtime.jobs.kick();
    const job = await svc.waitJob(jobId);
    expect(job.status).toBe("failed");
    await Bun.sleep(20);
    const alerts = (await svc.request("/health/alerts?type=training_failed&model_key=doomed")).body.alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ version, severity: "warning" });
    expect(alerts[0].details.job_id).toBe(jobId);
    expect(alerts[0].message).toContain("not found");
  });
});

describe("feedback", () => {
  test("labels a logged prediction; unknown ids and impossible labels are 422", async () => {
    const [id] = await sendTraffic(svc, "guarded", features(normalRows(1, 15)));
    const ok = await svc.request("/feedback", { json: { prediction_id: id, label: "a" } });
    expect(ok.status).toBe(201);
    expect((await svc.request("/feedback", { json: { prediction_id: 987654, label: "a" } })).status).toBe(422);
    const wrongClass = await svc.request("/feedback", { json: { prediction_id: id, label: "c" } });
    expect(wrongClass.status).toBe(422);
    expect(wrongClass.body.error.details[0].path).toBe("label");
    const noLabel = await svc.request("/feedback", {
      json: { model_key: "guarded", items: [{ x0: 1, x1: 2, x2: 3 }] },
    });
    expect(noLabel.status).toBe(422);
    const badItem = await svc.request("/feedback", {
      json: {
        model_key: "guarded",
        items: [
          { x0: 1, x1: 2, x2: 3, label: "a" },
          { x0: 1, x1: 2, x2: 3, label: 7 },
        ],
      },
    });
    expect(badItem.status).toBe(422);
    expect(badItem.body.error.details[0].path).toBe("items.1.label");
    expect((await svc.request("/feedback", { json: { label: "a" } })).status).toBe(422);
  });

  test("a regression label must be a number", async () => {
    const rows = normalRows(200, 16).map(({ label: _, ...r }) => ({ ...r, y: (r.x0 as number) * 3 + 1 }));
    await trainModel(svc, "reg", rows, "y");
    const bad = await svc.request("/feedback", {
      json: { model_key: "reg", items: [{ x0: 1, x1: 2, x2: 3, y: "high" }] },
    });
    expect(bad.status).toBe(422);
    const good = await svc.request("/feedback", {
      json: { model_key: "reg", items: [{ x0: 1, x1: 2, x2: 3, y: 4.5 }] },
    });
    expect(good.status).toBe(201);
  });
});

describe("versions without a baseline", () => {
  test("are undecided with the reason, not an error nor an alarm", async () => {
    await trainModel(svc, "legacy", normalRows(300, 17));
    // a version as trained before baselines existed: same artifact without one
    const row = await svc.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_key", "=", "legacy")
      .executeTakeFirstOrThrow();
    const artifact = await readArtifact(artifactStore(svc.config), "legacy", "1.0.0", row.artifact_sha256 as string);
    const rewritten = await writeArtifact(artifactStore(svc.config), { ...artifact, baseline: undefined });
    await svc.db
      .updateTable("model_versions")
      .set({ artifact_sha256: rewritten.sha256 })
      .where("id", "=", row.id)
      .execute();
    await sendTraffic(svc, "legacy", features(normalRows(300, 18)));
    const res = (await svc.request("/drift/check", { json: { model_key: "legacy" } })).body;
    expect(res.status).toBe("undecided");
    expect(res.reason).toContain("has no baseline");
    expect((await svc.request("/health/alerts?model_key=legacy")).body.total).toBe(0);
  });
});
