/**
 * The real backends against each other on whole fits: the same seed gives the same loss curve and
 * the same predictions on the wasm SIMD CPU, the native CPU (each ISA path) and WebGPU (lavapipe in
 * CI), and all reach scikit-learn's accuracy on iris and digits (reference figures and commands in
 * mlp.test.ts).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Backend } from "../../src/compute/backend";
import { createCpuBackend } from "../../src/compute/cpu";
import { createNativeBackend, NATIVE_ISAS } from "../../src/compute/native";
import { createWebGpuBackend } from "../../src/compute/webgpu";
import { accuracy } from "../../src/ml/metrics";
import { type MlpOptions, predict, predictLabels, trainMlp } from "../../src/ml/mlp";
import { loadPair } from "./data";

async function openGpu(): Promise<Backend | undefined> {
  try {
    return await createWebGpuBackend({ allowSoftware: true });
  } catch (err) {
    if (process.env.CI) throw new Error(`CI: no WebGPU adapter for the whole-fit tests: ${err}`);
    console.warn(`skipping WebGPU whole-fit tests: ${err}`);
    return undefined;
  }
}

// lavapipe runs each dispatch on the CPU through LLVM: a digits fit takes tens of seconds there
setDefaultTimeout(180_000);
const gpu = await openGpu();
const cpu = await createCpuBackend({ threads: 2 });
// every native path this CPU runs; a native build that fails to load fails here (CI must run it)
const natives = await Promise.all(
  NATIVE_ISAS.map(async (isa) => {
    try {
      return { isa, backend: await createNativeBackend({ threads: 2, isa }) };
    } catch (err) {
      if (process.env.CI && !/does not run/.test((err as Error).message)) throw err;
      console.warn(`skipping native ${isa} whole-fit tests: ${(err as Error).message}`);
      return undefined;
    }
  }),
).then((list) => list.filter((n) => n !== undefined));
afterAll(() => {
  gpu?.dispose();
  cpu.dispose();
  for (const n of natives) n.backend.dispose();
});

async function fit(backend: Backend, data: ReturnType<typeof loadPair>, o: MlpOptions) {
  const model = await trainMlp(backend, data.train, o);
  const labels = predictLabels(model, await predict(backend, model, data.test.x));
  return { model, labels, acc: accuracy(data.test.y, labels) };
}

/** digits settings whose sklearn accuracy is known (mean 0.9587 over 8 seeds; command in mlp.test.ts) */
const DIGITS: MlpOptions = {
  task: "classification",
  hidden: [32],
  maxIter: 60,
  batchSize: 200,
  tol: 0,
  nIterNoChange: 100,
  seed: 0,
};

describe.skipIf(!gpu)("CPU and WebGPU on whole fits", () => {
  test("iris: the same loss curve, the same predictions, sklearn's accuracy", async () => {
    const data = loadPair("iris", "species");
    const o: MlpOptions = { task: "classification", hidden: [32], maxIter: 1000, tol: 0, nIterNoChange: 2000, seed: 0 };
    const a = await fit(cpu, data, o);
    const b = await fit(gpu as Backend, data, o);
    expect(b.model.lossCurve).toHaveLength(a.model.lossCurve.length);
    // f32 sums in another order: the curves agree to ~1e-4 relative, not bit for bit
    a.model.lossCurve.forEach((l, i) => {
      expect(Math.abs((b.model.lossCurve[i] as number) - l)).toBeLessThanOrEqual(1e-3 * l + 1e-5);
    });
    expect(b.labels).toEqual(a.labels);
    // sklearn 1.2.1 on these settings, float32: 1.0 on all 8 seeds (command in mlp.test.ts)
    for (const acc of [a.acc, b.acc]) expect(acc).toBeGreaterThanOrEqual(1 - 1 / 30 - 1e-9);
  });

  test("digits: within 1 point of sklearn on both backends, and of each other", async () => {
    const data = loadPair("digits", "label");
    const o = DIGITS;
    const a = await fit(cpu, data, o);
    const b = await fit(gpu as Backend, data, o);
    // sklearn 1.2.1 on these settings: mean 0.9587 over 8 seeds (command in mlp.test.ts)
    expect(Math.abs(a.acc - 0.9587)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(b.acc - 0.9587)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(a.acc - b.acc)).toBeLessThanOrEqual(0.005);
    const last = a.model.lossCurve.at(-1) as number;
    expect(Math.abs((b.model.lossCurve.at(-1) as number) - last)).toBeLessThanOrEqual(0.02 * last);
  });
});

describe.skipIf(natives.length === 0)("wasm and native CPUs on whole fits", () => {
  test("iris: the same loss curve and the same predictions on every native path as on wasm", async () => {
    const data = loadPair("iris", "species");
    const o: MlpOptions = { task: "classification", hidden: [32], maxIter: 1000, tol: 0, nIterNoChange: 2000, seed: 0 };
    const a = await fit(cpu, data, o);
    for (const { isa, backend } of natives) {
      const b = await fit(backend, data, o);
      expect({ isa, epochs: b.model.lossCurve.length }).toEqual({ isa, epochs: a.model.lossCurve.length });
      // FMA sums in another order: the curves agree to float rounding, not bit for bit
      const worst = Math.max(...a.model.lossCurve.map((l, i) => Math.abs((b.model.lossCurve[i] as number) - l) / l));
      expect({ isa, close: worst <= 1e-3 }).toEqual({ isa, close: true });
      expect({ isa, labels: b.labels }).toEqual({ isa, labels: a.labels });
      expect(b.acc).toBeGreaterThanOrEqual(1 - 1 / 30 - 1e-9);
    }
  });

  test("digits: within 1 point of sklearn on every native path, and of wasm", async () => {
    const data = loadPair("digits", "label");
    const o = DIGITS;
    const a = await fit(cpu, data, o);
    const last = a.model.lossCurve.at(-1) as number;
    for (const { isa, backend } of natives) {
      const b = await fit(backend, data, o);
      // sklearn 1.2.1 on these settings: mean 0.9587 over 8 seeds (command in mlp.test.ts)
      expect({ isa, sklearn: Math.abs(b.acc - 0.9587) <= 0.01 }).toEqual({ isa, sklearn: true });
      expect({ isa, wasm: Math.abs(a.acc - b.acc) <= 0.005 }).toEqual({ isa, wasm: true });
      expect(Math.abs((b.model.lossCurve.at(-1) as number) - last)).toBeLessThanOrEqual(0.02 * last);
    }
  });
});
