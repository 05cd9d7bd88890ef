/**
 * A retrain fits what its source version fitted: the `feature_types` the training request named,
 * the kinds inference chose (a date stays a date) and the columns it left out, even where the
 * retrain's extra rows (feedback) would make inference decide otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { FeatureSpec } from "../../src/ml/features";
import { startService } from "../ml-service/helpers";
import type { Service } from "./helpers";

let svc: Service;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

/** x0 carries the label; zip looks numeric (1…5); day is a date; batch is one value everywhere. */
function rows(n: number, offset: number, batch: (i: number) => number) {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const x0 = Math.sin(i * 12.9898) * 3;
    return {
      x0,
      zip: (i % 5) + 1,
      day: `2024-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`,
      batch: batch(i),
      label: x0 > 0 ? "a" : "b",
    };
  });
}

const kinds = (spec: FeatureSpec) => Object.fromEntries(spec.features.map((f) => [f.name, f.kind]));
const specOf = async (version: string) => (await svc.runtime.models.load("typed", version)).artifact.spec;

describe("a retrain keeps the training request's data settings", () => {
  test("feature_types, inferred kinds and left-out columns carry over to the retrained version", async () => {
    const train = await svc.request("/train", {
      json: {
        model_key: "typed",
        target_field: "label",
        feature_types: { zip: "categorical" },
        items: rows(300, 0, () => 1),
        hyperparameters: { hidden_layer_sizes: [8], max_iter: 20, random_state: 7 },
      },
    });
    expect(train.status).toBe(202);
    expect((await svc.waitJob(train.body.job_id, 60_000)).status).toBe("completed");
    const source = await specOf("1.0.0");
    expect(kinds(source)).toEqual({ x0: "numeric", zip: "categorical", day: "date" });
    expect(source.excluded).toEqual([{ name: "batch", reason: "constant" }]);

    // labelled rows where batch varies: inferred afresh, it would become a feature
    const feedback = rows(300, 1000, (i) => i % 3);
    expect((await svc.request("/feedback", { json: { model_key: "typed", items: feedback } })).status).toBe(201);
    const res = await svc.request("/models/typed/retrain", { method: "POST" });
    expect(res.status).toBe(202);
    const job = await svc.waitJob(res.body.job_id, 60_000);
    expect(job.status).toBe("completed");

    const retrained = await specOf(res.body.version);
    expect(kinds(retrained)).toEqual(kinds(source));
    expect(retrained.features.map((f) => f.name)).toEqual(source.features.map((f) => f.name));
    const zip = retrained.features.find((f) => f.name === "zip");
    expect(zip?.kind === "categorical" && zip.categories.map(String).sort()).toEqual(["1", "2", "3", "4", "5"]);
  }, 90_000);
});
