/**
 * Real-world columns through the service: a date column is expanded into features and helps
 * (a seasonal label scores at least as well with it as without), rows with no target are
 * counted in the job result, and feature_types keeps a column inference would leave out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Random } from "../../src/ml/random";
import { startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

/** Days over four years with a noise number; warm from May to August, whatever the year. */
function seasonal(n: number, seed: number) {
  const rng = new Random(seed);
  return Array.from({ length: n }, (_, i) => {
    const day = new Date(Date.UTC(2019, 0, 1) + Math.floor(rng.nextFloat() * 4 * 365) * 86_400_000);
    const month = day.getUTCMonth() + 1;
    return {
      id: i + 1,
      day: day.toISOString().slice(0, 10),
      noise: Math.round(rng.nextFloat() * 1000) / 100,
      label: month >= 5 && month <= 8 ? "warm" : "cold",
    };
  });
}

async function trainAndScore(key: string, body: Record<string, unknown>) {
  const res = await svc.request("/train", {
    json: {
      model_key: key,
      target_field: "label",
      hyperparameters: { max_iter: 150, random_state: 1, hidden_layer_sizes: [32] },
      ...body,
    },
  });
  expect(res.status).toBe(202);
  const job = await svc.waitJob(res.body.job_id, 120_000);
  expect(job.status).toBe("completed");
  const quality = await svc.request("/quality", { json: { model_key: key, items: seasonal(300, 99) } });
  expect(quality.status).toBe(200);
  return { job, accuracy: quality.body.metrics.accuracy as number };
}

describe("real-world columns", () => {
  test("a date column scores at least as well kept as dropped; rows without a target are counted", async () => {
    const rows: Record<string, unknown>[] = seasonal(600, 7);
    for (const i of [3, 50, 51, 200]) rows[i] = { ...rows[i], label: null };
    const kept = await trainAndScore("season-kept", { items: rows });
    const dropped = await trainAndScore("season-dropped", { items: rows, feature_fields: ["noise"] });
    expect(kept.job.result.rows_missing_target).toBe(4);
    expect(kept.job.result.rows_total).toBe(600);
    expect(kept.accuracy).toBeGreaterThanOrEqual(dropped.accuracy);
    expect(kept.accuracy).toBeGreaterThan(0.8);
    // the ID-like column was left out: a request without it is answered
    const probe = await svc.request("/predict", {
      json: { model_key: "season-kept", data: [{ day: "2020-07-01", noise: 1 }] },
    });
    expect(probe.status).toBe(200);
    expect(probe.body.predictions[0].prediction).toBe("warm");
  });

  test("feature_types keeps an ID-like column and names an unknown column in a 422", async () => {
    const bad = await svc.request("/train", {
      json: {
        model_key: "season-bad",
        target_field: "label",
        items: seasonal(60, 1),
        feature_types: { nope: "numeric" },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain("feature_types names columns that are not features: nope");
    const res = await svc.request("/train", {
      json: {
        model_key: "season-ids",
        target_field: "label",
        items: seasonal(60, 1),
        feature_types: { id: "numeric" },
        hyperparameters: { max_iter: 5 },
      },
    });
    expect(res.status).toBe(202);
    expect((await svc.waitJob(res.body.job_id, 60_000)).status).toBe("completed");
    // kept: the model now needs it
    const probe = await svc.request("/predict", {
      json: { model_key: "season-ids", data: [{ day: "2020-07-01", noise: 1 }] },
    });
    expect(probe.status).toBe(422);
    expect(JSON.stringify(probe.body)).toContain("id");
  });
});
