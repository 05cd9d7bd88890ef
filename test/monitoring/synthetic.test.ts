/**
 * The synthetic data generator (seed 004): rows follow the training distribution recorded in a
 * model's feature spec, and drift injected on purpose (shift, scale, a new category) moves them
 * by the asked amount; fed through POST /demo/generate, a drifted batch makes the drift check
 * find drift in the drifted feature and not in the others.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { FeatureSpec } from "../../src/ml/features";
import { NO_DRIFT, syntheticRows } from "../../src/monitoring/synthetic";
import { startService } from "../ml-service/helpers";

const SPEC: FeatureSpec = {
  version: 1,
  width: 6,
  features: [
    { name: "x", kind: "numeric", count: 100, missing: 0, mean: 10, std: 2 },
    { name: "c", kind: "categorical", count: 100, missing: 0, categories: ["a", "b"] },
    { name: "t", kind: "text", count: 100, missing: 0, dims: 2 },
  ],
};

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

describe("syntheticRows", () => {
  test("follow the recorded mean, std and categories", () => {
    const rows = syntheticRows(SPEC, 20_000, NO_DRIFT, 7);
    const xs = rows.map((r) => r.x as number);
    expect(mean(xs)).toBeCloseTo(10, 1);
    expect(sd(xs)).toBeCloseTo(2, 1);
    expect(new Set(rows.map((r) => r.c))).toEqual(new Set(["a", "b"]));
    expect(typeof rows[0]?.t).toBe("string");
  });

  test("inject a shift in stds, a scale around the mean, and a share of new categories", () => {
    const rows = syntheticRows(SPEC, 20_000, { shift: 1.5, scale: 3, newCategory: 0.25, features: [] }, 7);
    const xs = rows.map((r) => r.x as number);
    expect(mean(xs)).toBeCloseTo(13, 1);
    expect(sd(xs)).toBeCloseTo(6, 1);
    const share = rows.filter((r) => r.c === "new_category").length / rows.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
  });

  test("drift only the named features", () => {
    const rows = syntheticRows(SPEC, 5_000, { shift: 5, scale: 1, newCategory: 1, features: ["c"] }, 3);
    expect(mean(rows.map((r) => r.x as number))).toBeCloseTo(10, 0);
    expect(rows.every((r) => r.c === "new_category")).toBe(true);
  });
});

describe("POST /demo/generate", () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  beforeAll(async () => {
    svc = await startService();
    const items = syntheticRows(
      {
        ...SPEC,
        features: [SPEC.features[0] as never, { name: "y", kind: "numeric", count: 1, missing: 0, mean: 0, std: 1 }],
      },
      600,
      NO_DRIFT,
      1,
    ).map((r, i) => ({ ...r, label: i % 2 ? "odd" : "even" }));
    const t = await svc.request("/train", { json: { model_key: "gen", target_field: "label", items } });
    await svc.waitJob(t.body.job_id, 60_000);
  });
  afterAll(() => svc.close());

  test("feeds drifted rows that the drift check finds drifted, in the drifted feature only", async () => {
    const res = await svc.request("/demo/generate", {
      json: { model_key: "gen", rows: 800, drift: { shift: 2, features: ["x"] }, labels: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ generated: 800, accepted: 800, labelled: 800, rejected: 0 });
    const check = await svc.request("/drift/check", { json: { model_key: "gen" } });
    expect(check.body.drifted).toBe(true);
    expect(check.body.drifted_features).toEqual(["x"]);
  });

  test("unknown drift features and unknown models are refused", async () => {
    const bad = await svc.request("/demo/generate", { json: { model_key: "gen", drift: { features: ["nope"] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain("nope");
    expect((await svc.request("/demo/generate", { json: { model_key: "missing" } })).status).toBe(404);
  });
});
