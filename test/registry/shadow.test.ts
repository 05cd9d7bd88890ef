/**
 * Shadow traffic: the challenger predicts a copy of every row the serving version answers,
 * off the response path; its predictions are logged beside the live ones and never returned;
 * the comparison is computed on those same rows (and on feedback labels); promotion is one
 * action through the activation operation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { csvRows, startService } from "../ml-service/helpers";
import { type Client, type Reply, signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let owner: Client;
let other: Client;

const iris = csvRows("iris_train.csv");
const test_rows = csvRows("iris_test.csv");
const probe = test_rows.map(({ species: _, ...f }) => f);
const truth = test_rows.map((r) => String(r.species));

async function train(body: Record<string, unknown>) {
  const res = await owner.send("/train", {
    json: { model_key: "iris", target_field: "species", items: iris, ...body },
  });
  expect(res.status).toBe(202);
  expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");
}

const shadowRows = () =>
  svc.db.selectFrom("shadow_predictions").selectAll().where("model_key", "=", "iris").orderBy("id").execute();

const labels = (r: Reply): string[] => r.body.predictions.map((p: { prediction: unknown }) => String(p.prediction));
const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

beforeAll(async () => {
  svc = await startService();
  owner = await signedInUser(svc, "olivia");
  other = await signedInUser(svc, "oscar");
  // 1.0.0 is a weak fit (two epochs, two hidden units) so the two versions disagree on some rows
  await train({ hyperparameters: { max_iter: 2, hidden_layer_sizes: [2] } });
  await train({ hyperparameters: { max_iter: 60 } });
  const set = await owner.send("/models/iris/aliases/challenger", { method: "PUT", json: { version: "1.0.0" } });
  expect(set.status).toBe(200);
});
afterAll(() => svc.close());

describe("shadow traffic", () => {
  test("a shadow of the serving version itself is refused; others may not start one", async () => {
    await owner.send("/models/iris/aliases/champion", { method: "PUT", json: { version: "1.1.0" } });
    const self = await owner.send("/models/iris/shadow", { method: "PUT", json: { alias: "champion" } });
    expect(self.status).toBe(422);
    expect(self.body.error.details.reason).toBe("shadow_is_active");
    expect((await other.send("/models/iris/shadow", { method: "PUT", json: {} })).status).toBe(403);
    expect((await owner.send("/models/iris/shadow", { method: "PUT", json: { alias: "nobody" } })).status).toBe(404);
    expect((await owner.send("/models/iris/shadow")).body.shadow).toBeNull();
  });

  test("the shadow predicts every live row apart, never in the answer, and is compared on the same rows", async () => {
    const started = await owner.send("/models/iris/shadow", { method: "PUT", json: {} });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ alias: "challenger", version: "1.0.0", started_by: "olivia" });

    const live = await other.send("/predict", { json: { model_key: "iris", data: probe } });
    expect(live.status).toBe(200);
    expect(live.body.version).toBe("1.1.0");
    // the answer carries the serving version's predictions and nothing of the shadow's
    for (const p of live.body.predictions) {
      expect(Object.keys(p).sort()).toEqual(["all_scores", "confidence", "input", "prediction", "prediction_id"]);
    }
    expect(JSON.stringify(live.body)).not.toContain("1.0.0");

    await svc.runtime.shadow.drain();
    const logged = await shadowRows();
    expect(logged).toHaveLength(probe.length);
    // the shadow's answers are what 1.0.0 itself answers for those rows, beside the live answer to each
    const reference = await owner.send("/predict", { json: { model_key: "iris", version: "1.0.0", data: probe } });
    expect(logged.map((r) => r.prediction_id)).toEqual(
      live.body.predictions.map((p: { prediction_id: number }) => p.prediction_id),
    );
    expect(logged.map((r) => String(JSON.parse(r.prediction)))).toEqual(labels(reference));
    expect(logged.map((r) => String(JSON.parse(r.live_prediction)))).toEqual(labels(live));
    expect(new Set(logged.map((r) => `${r.version}<-${r.live_version}`))).toEqual(new Set(["1.0.0<-1.1.0"]));
    // predictions by version or alias are not live traffic: the shadow does not copy them
    await owner.send("/predict", { json: { model_key: "iris@challenger", data: probe } });
    await svc.runtime.shadow.drain();
    expect(await shadowRows()).toHaveLength(probe.length);

    // feedback on the first ten live predictions labels both answers to those rows
    await svc.runtime.predictionLog.flush();
    const labelled = live.body.predictions.slice(0, 10);
    for (const [i, p] of labelled.entries()) {
      const res = await other.send("/feedback", { json: { prediction_id: p.prediction_id, label: truth[i] } });
      expect(res.status).toBeLessThan(300);
    }
    const view = await other.send("/models/iris/shadow");
    expect(view.status).toBe(200);
    const shadowLabels = labels(reference);
    const liveLabels = labels(live);
    expect(view.body.comparison).toMatchObject({
      version: "1.0.0",
      live_versions: ["1.1.0"],
      rows: probe.length,
      mean_abs_difference: null,
      labelled: { metric: "accuracy", rows: 10 },
    });
    expect(view.body.comparison.agreement).toBeCloseTo(share(shadowLabels.map((s, i) => s === liveLabels[i])), 12);
    expect(view.body.comparison.labelled.live).toBeCloseTo(
      share(liveLabels.slice(0, 10).map((s, i) => s === truth[i])),
      12,
    );
    expect(view.body.comparison.labelled.shadow).toBeCloseTo(
      share(shadowLabels.slice(0, 10).map((s, i) => s === truth[i])),
      12,
    );
    // the weak fit disagrees somewhere, so agreement is a measurement, not a constant
    expect(view.body.comparison.agreement).toBeLessThan(1);
  });

  test("promotion is one activation: the shadow serves, champion moves to it, the challenger alias and shadow end", async () => {
    expect((await other.send("/models/iris/shadow/promote", { method: "POST" })).status).toBe(403);
    const seen: { type: string; payload: Record<string, unknown> }[] = [];
    const off = svc.bus.subscribeAll((payload, type) => {
      if (type.startsWith("models:")) seen.push({ type, payload: payload as Record<string, unknown> });
    });
    const promoted = await owner.send("/models/iris/shadow/promote", { method: "POST" });
    off();
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({
      model_key: "iris",
      previous_version: "1.1.0",
      active_version: "1.0.0",
      reason: "promoted",
      promoted_from_alias: "challenger",
    });
    expect(seen.filter((e) => e.type === "models:activated").map((e) => e.payload)).toEqual([
      { model_key: "iris", version: "1.0.0", previous_version: "1.1.0", reason: "promoted", by: "olivia" },
    ]);
    const model = (await other.send("/models/iris")).body;
    expect(model.active_version).toBe("1.0.0");
    expect(model.aliases.map((a: { alias: string; version: string }) => [a.alias, a.version])).toEqual([
      ["champion", "1.0.0"],
    ]);
    expect(model.shadow).toBeNull();
    // the promoted version answers live traffic now, and no shadow copies it
    const before = (await shadowRows()).length;
    const live = await other.send("/predict", { json: { model_key: "iris", data: probe } });
    expect(live.body.version).toBe("1.0.0");
    await svc.runtime.shadow.drain();
    expect(await shadowRows()).toHaveLength(before);
    // the comparison of the earlier shadow stays readable
    expect((await owner.send("/models/iris/shadow?version=1.0.0")).body.comparison.rows).toBe(probe.length);
    expect((await owner.send("/models/iris/shadow/promote", { method: "POST" })).status).toBe(404);
  });

  test("a shadow that cannot predict costs the live answer nothing", async () => {
    // 1.1.0 shadows 1.0.0 now, and its artifact is gone
    await owner.send("/models/iris/aliases/challenger", { method: "PUT", json: { version: "1.1.0" } });
    expect((await owner.send("/models/iris/shadow", { method: "PUT", json: {} })).status).toBe(200);
    rmSync(join(svc.config.ML_ARTIFACTS_ROOT, "iris", "1.1.0.mlsa"));
    const before = (await shadowRows()).length;
    const reference = await owner.send("/predict", { json: { model_key: "iris", version: "1.0.0", data: probe } });
    const live = await other.send("/predict", { json: { model_key: "iris", data: probe } });
    expect(live.status).toBe(200);
    expect(labels(live)).toEqual(labels(reference));
    await svc.runtime.shadow.drain();
    expect(await shadowRows()).toHaveLength(before);
  });
});

describe("shadow traffic of a regression", () => {
  test("the comparison gives the mean |shadow − live| and both MAEs on the labelled rows", async () => {
    const widths = iris.map(({ species: _, ...r }) => r);
    for (const hyperparameters of [{ max_iter: 3, hidden_layer_sizes: [2] }, { max_iter: 40 }]) {
      const res = await owner.send("/train", {
        json: { model_key: "widths", target_field: "petal_width", items: widths, hyperparameters },
      });
      expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");
    }
    await owner.send("/models/widths/aliases/challenger", { method: "PUT", json: { version: "1.0.0" } });
    expect((await owner.send("/models/widths/shadow", { method: "PUT", json: {} })).status).toBe(200);
    const rows = test_rows.map(({ species: _, petal_width: __, ...f }) => f);
    const truthW = test_rows.map((r) => Number(r.petal_width));
    const live = await other.send("/predict", { json: { model_key: "widths", data: rows } });
    const reference = await other.send("/predict", { json: { model_key: "widths", version: "1.0.0", data: rows } });
    await svc.runtime.shadow.drain();
    await svc.runtime.predictionLog.flush();
    for (const [i, p] of live.body.predictions.slice(0, 8).entries()) {
      await other.send("/feedback", { json: { prediction_id: p.prediction_id, label: truthW[i] } });
    }
    const liveY: number[] = live.body.predictions.map((p: { prediction: number }) => p.prediction);
    const shadowY: number[] = reference.body.predictions.map((p: { prediction: number }) => p.prediction);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const c = (await owner.send("/models/widths/shadow")).body.comparison;
    expect(c).toMatchObject({ rows: rows.length, agreement: null, labelled: { metric: "mae", rows: 8 } });
    expect(c.mean_abs_difference).toBeCloseTo(mean(shadowY.map((y, i) => Math.abs(y - (liveY[i] as number)))), 5);
    const mae = (ys: number[]) => mean(ys.slice(0, 8).map((y, i) => Math.abs(y - (truthW[i] as number))));
    expect(c.labelled.live).toBeCloseTo(mae(liveY), 5);
    expect(c.labelled.shadow).toBeCloseTo(mae(shadowY), 5);
    expect(c.mean_abs_difference).toBeGreaterThan(0);
  });
});

describe("shadow traffic of batch jobs", () => {
  test("rows a predict job answers with the serving version are copied to the shadow too; no answer waits for it", async () => {
    const batch = await startService({ ML_SYNC_PREDICT_MAX_ROWS: "10" });
    try {
      const olivia = await signedInUser(batch, "olivia");
      for (const hyperparameters of [{ max_iter: 2, hidden_layer_sizes: [2] }, { max_iter: 30 }]) {
        const res = await olivia.send("/train", {
          json: { model_key: "iris", target_field: "species", items: iris, hyperparameters },
        });
        await batch.waitJob(res.body.job_id);
      }
      await olivia.send("/models/iris/aliases/challenger", { method: "PUT", json: { version: "1.0.0" } });
      expect((await olivia.send("/models/iris/shadow", { method: "PUT", json: {} })).status).toBe(200);
      const queued = await olivia.send("/predict", { json: { model_key: "iris", data: probe } });
      expect(queued.status).toBe(202);
      const job = await batch.waitJob(queued.body.job_id);
      expect(job.status).toBe("completed");
      await batch.runtime.shadow.drain();
      const result = (await olivia.send(`/predict/${queued.body.job_id}`)).body.result;
      const logged = await batch.db.selectFrom("shadow_predictions").selectAll().orderBy("id").execute();
      expect(logged.map((r) => r.prediction_id)).toEqual(
        result.predictions.map((p: { prediction_id: number }) => p.prediction_id),
      );
      expect(new Set(logged.map((r) => r.live_version))).toEqual(new Set(["1.1.0"]));

      // the answer does not wait for the shadow: hold the shadow's model back, and /predict still answers
      const models = batch.runtime.models;
      const load = models.version.bind(models);
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      models.version = async (key, version) => {
        await gate;
        return load(key, version);
      };
      const before = logged.length;
      const live = await olivia.send("/predict", { json: { model_key: "iris", data: probe.slice(0, 5) } });
      expect(live.status).toBe(200);
      expect(live.body.version).toBe("1.1.0");
      expect(batch.runtime.shadow.counts.written).toBe(before);
      release();
      await batch.runtime.shadow.drain();
      expect(batch.runtime.shadow.counts.written).toBe(before + 5);
    } finally {
      await batch.close();
    }
  });
});
