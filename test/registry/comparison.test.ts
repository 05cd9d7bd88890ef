/**
 * Runs compared: every version keeps its per-epoch training loss and validation score (served
 * by the API even for a version recorded before curves were, from its artifact), versions are
 * compared side by side, and people write notes and tags on them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let owner: Client;
let other: Client;

// three times over, half of the fit rows for validation: over 100, enough for early stopping to judge
const iris = [1, 2, 3].flatMap(() => csvRows("iris_train.csv"));
const widths = iris.map(({ species: _, ...r }) => r);

async function train(body: Record<string, unknown>) {
  const res = await owner.send("/train", { json: { items: iris, target_field: "species", ...body } });
  expect(res.status).toBe(202);
  expect((await svc.waitJob(res.body.job_id)).status).toBe("completed");
}

beforeAll(async () => {
  svc = await startService({ ML_VALIDATION_FRACTION: "0.5" });
  owner = await signedInUser(svc, "olivia");
  other = await signedInUser(svc, "oscar");
  await train({ model_key: "iris", hyperparameters: { max_iter: 15 } });
  await train({ model_key: "iris", hyperparameters: { max_iter: 25, hidden_layer_sizes: [8] } });
  await train({ model_key: "iris", model_type: "linear", hyperparameters: { max_iter: 10 } });
  await train({ model_key: "widths", items: widths, target_field: "petal_width", hyperparameters: { max_iter: 12 } });
});
afterAll(() => svc.close());

describe("training curves", () => {
  test("every version, of every kind and task, serves its per-epoch loss and validation score", async () => {
    for (const [key, versions, metric] of [
      ["iris", ["1.0.0", "1.1.0", "1.2.0"], "accuracy"],
      ["widths", ["1.0.0"], "r2"],
    ] as const) {
      for (const v of versions) {
        const detail = (await other.send(`/models/${key}/versions/${v}`)).body;
        const res = await other.send(`/models/${key}/versions/${v}/curves`);
        expect(res.status).toBe(200);
        const c = res.body;
        expect(c).toMatchObject({ model_key: key, version: v, source: "recorded", validation_metric: metric });
        // the same fit the metrics describe: as many epochs, ending at the recorded final loss
        expect(c.epochs).toBe(detail.metrics.epochs);
        expect(c.loss).toHaveLength(detail.metrics.epochs);
        expect(c.loss.at(-1)).toBe(detail.metrics.final_loss);
        expect(detail.metrics.early_stopping).toBe(true);
        expect(c.validation_score).toHaveLength(detail.metrics.epochs);
        expect(c.validation_score.every((x: number) => Number.isFinite(x) && x <= 1)).toBe(true);
        expect(c.loss.every((x: number) => Number.isFinite(x) && x > 0)).toBe(true);
        // a fit lowers its training loss
        expect(c.loss.at(-1)).toBeLessThan(c.loss[0]);
      }
    }
  });

  test("a version recorded before curves were has them from its artifact, the same values", async () => {
    const recorded = (await owner.send("/models/iris/versions/1.0.0/curves")).body;
    await svc.db.updateTable("model_versions").set({ curves: null }).where("model_key", "=", "iris").execute();
    const fromArtifact = (await owner.send("/models/iris/versions/1.0.0/curves")).body;
    expect(fromArtifact).toEqual({ ...recorded, source: "artifact" });
    // read once, then recorded
    expect((await owner.send("/models/iris/versions/1.0.0/curves")).body.source).toBe("recorded");
    expect((await owner.send("/models/iris/versions/7.0.0/curves")).status).toBe(404);
  });

  test("two or more versions are compared with their parameters, metrics and curves", async () => {
    const res = await other.send("/models/iris/compare?versions=1.1.0,1.0.0&versions=1.2.0");
    expect(res.status).toBe(200);
    expect(res.body.versions.map((v: { version: string }) => v.version)).toEqual(["1.1.0", "1.0.0", "1.2.0"]);
    expect(res.body.versions.map((v: { model_type: string }) => v.model_type)).toEqual(["mlp", "mlp", "linear"]);
    expect(res.body.versions[0].hyperparameters.hidden_layer_sizes).toEqual([8]);
    for (const v of res.body.versions) expect(v.curves.loss).toHaveLength(v.metrics.epochs);
    expect((await other.send("/models/iris/compare?versions=1.0.0")).status).toBe(422);
    expect((await other.send("/models/iris/compare?versions=1.0.0,1.0.0")).status).toBe(422);
    expect((await other.send("/models/iris/compare?versions=1.0.0,3.0.0")).status).toBe(404);
  });
});

describe("notes and tags", () => {
  const patch = (who: Client, json: unknown) => who.send("/models/iris/versions/1.1.0", { method: "PATCH", json });

  test("the owner writes notes and tags; anyone signed in reads them with the version and in the list", async () => {
    const res = await patch(owner, { notes: "wider hidden layer, 25 epochs", tags: ["candidate", "wide", "wide"] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: "1.1.0",
      notes: "wider hidden layer, 25 epochs",
      tags: ["candidate", "wide"],
    });
    // tags alone leave the notes
    expect((await patch(owner, { tags: ["baseline"] })).body).toMatchObject({
      notes: "wider hidden layer, 25 epochs",
      tags: ["baseline"],
    });
    const listed = (await other.send("/models/iris/versions")).body.items.find(
      (v: { version: string }) => v.version === "1.1.0",
    );
    expect(listed).toMatchObject({ notes: "wider hidden layer, 25 epochs", tags: ["baseline"] });
  });

  test("others get 403, a bad tag or oversize notes 422, and nothing changes", async () => {
    const before = (await owner.send("/models/iris/versions/1.1.0")).body;
    expect((await patch(other, { notes: "mine now" })).status).toBe(403);
    const bad = await patch(owner, { notes: "x", tags: ["ok", "not ok"] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([{ path: "tags.1", message: expect.any(String) }]);
    expect((await patch(owner, { notes: "n".repeat(10_001) })).status).toBe(422);
    expect((await patch(owner, { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).status).toBe(422);
    expect((await patch(owner, { colour: "red" })).status).toBe(422);
    expect((await owner.send("/models/iris/versions/1.1.0")).body).toEqual(before);
  });
});
