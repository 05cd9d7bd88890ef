import { describe, expect, test } from "bun:test";
import { createNativeBackend } from "../../src/compute/native";
import { initLayers, type MlpModel } from "../../src/ml/model";
import { predict, predictHost } from "../../src/ml/predict";
import { Random } from "../../src/ml/random";
import { ReferenceBackend } from "../compute/reference";

/** A random classifier 4 → 64 → 32 → 3 (~2,400 multiply-adds a row, so a few hundred rows use several lanes). */
function model(): MlpModel {
  const layers = initLayers([4, 64, 32, 3], "tanh", new Random(7));
  return {
    task: "classification",
    classes: [0, 1, 2],
    activation: "tanh",
    nFeatures: 4,
    nOutputs: 3,
    layers,
    nIter: 0,
    lossCurve: [],
  };
}

function rows(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n * 4 }, () => rng.uniform(-2, 2));
}

/** The reference backend claiming 3 lanes: it runs them one after another, so only the split is tested. */
class LanedReference extends ReferenceBackend {
  override readonly lanes = 3;
}

describe("predict", () => {
  test("splits a large set into passes and lanes and still matches the host path", async () => {
    const m = model();
    const x = rows(16_384 + 1_001, 1); // two passes, the second shorter
    const device = await predict(new LanedReference(), m, x);
    const host = predictHost(m, x);
    expect(device.length).toBe(host.length);
    for (let i = 0; i < host.length; i += 7) expect(device[i]).toBeCloseTo(host[i] as number, 5);
  });

  test("on 2 native threads: the same bits as on 1, call after call, for any row count, concurrent calls too", async () => {
    const m = model();
    const [two, one] = [await createNativeBackend({ threads: 2 }), await createNativeBackend({ threads: 1 })];
    try {
      for (const n of [5_000, 5_000, 777, 5_000]) {
        const x = rows(n, n);
        expect(await predict(two, m, x)).toEqual(await predict(one, m, x));
      }
      const [a, b] = [rows(3_000, 2), rows(3_000, 3)];
      const [pa, pb] = await Promise.all([predict(two, m, a), predict(two, m, b)]);
      expect(pa).toEqual(await predict(one, m, a));
      expect(pb).toEqual(await predict(one, m, b));
    } finally {
      two.dispose();
      one.dispose();
    }
  });
});
