import { describe, expect, test } from "bun:test";
import { drawRows, runCell, TARGET_CELLS, trainingBaseline } from "../../bench/drift-sim";
import { Random } from "../../src/ml/random";
import { buildBaseline } from "../../src/monitoring/baseline";
import { checkDrift, type FeatureDrift } from "../../src/monitoring/drift";

// A smaller seeded run of `bun run bench:drift` (bench/drift-sim.ts: 32 features, a 10,000-row
// reference): 40 checks per cell, bounds loose enough for 40 draws and tight enough to fail when
// a part of the rule is missing (no Holm correction and no noise floor: ~25% false alarms at 50
// rows; no effect-size gate: the 0.02σ alarm below; a fixed row minimum: no decision at 100 rows).
const CHECKS = 40;
const baseline = trainingBaseline(1);
const cell = (name: string) => TARGET_CELLS.find((c) => c.name === name) as (typeof TARGET_CELLS)[number];

describe("monitoring/drift decisions at every sample size", () => {
  test("no drift: at most 1 check in 40 flags any of 32 features, at 50 and 200 rows", () => {
    for (const name of ["no drift, 50 rows", "no drift, 200 rows"]) {
      const r = runCell(baseline, cell(name), CHECKS, 101);
      expect(r.flagged).toBeLessThanOrEqual(1 / CHECKS);
      expect(r.undecided).toBe(0);
    }
  }, 120_000);

  test("a 1σ shift is flagged at 100 rows, 0.5σ at 500, a 50/50 → 70/30 mix at 300", () => {
    expect(runCell(baseline, cell("x0 +1σ, 100 rows"), CHECKS, 102).flagged).toBeGreaterThanOrEqual(39 / 40);
    expect(runCell(baseline, cell("x0 +0.5σ, 500 rows"), CHECKS, 103).flagged).toBeGreaterThanOrEqual(37 / 40);
    expect(runCell(baseline, cell("c0 50/50 → 70/30, 300 rows"), CHECKS, 104).flagged).toBeGreaterThanOrEqual(35 / 40);
  }, 120_000);

  test("a 0.02σ shift on 1,000,000 rows is real to KS but too small to matter: no alarm", () => {
    // a 200,000-value KS sample, so that KS can see the shift (with the default 5,000 it could not)
    const train = drawRows(new Random(5), 200_000, {}, true).x0 as Float64Array;
    const base = buildBaseline({ numeric: { x0: train } }, { sampleSize: 200_000 });
    const current = drawRows(new Random(6), 1_000_000, { shiftSd: 0.02 }, true).x0 as Float64Array;
    const r = checkDrift(base, { x0: current });
    const f = r.features[0] as FeatureDrift;
    expect(f.p_value as number).toBeLessThan(1e-4);
    expect(f.psi as number).toBeLessThan(0.002);
    expect(f.mean_shift_sd as number).toBeCloseTo(0.02, 2);
    expect(r).toMatchObject({ decided: true, drifted: false });
    expect(f.reasons[0]).toStartWith("too small to matter");
  }, 60_000);
});
