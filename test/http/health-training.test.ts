/**
 * A process that cannot train (a source checkout whose CPU kernels were never built) says so on
 * /health: `compute.cannot_train` with the reason, and status `degraded`, while serving goes on.
 */
import { describe, expect, test } from "bun:test";
import { describeCompute } from "../../src/compute/pick";
import { createApp } from "../../src/http/app";
import { testDeps } from "../helpers";

describe("/health and training", () => {
  test("kernels missing: degraded, with the reason", async () => {
    const deps = testDeps();
    const why = "cpu backend: build/cpu-kernels.txt is missing; run `bun scripts/build-kernels.ts`";
    const app = createApp({
      ...deps,
      describeCompute: async () => ({ backend: "cpu", device: "test", reason: "test", cannot_train: why }),
    });
    const res = await app.request("/health");
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.compute.cannot_train).toBe(why);
  });

  test("kernels built (as the test preload does): the real probe reports no cannot_train", async () => {
    const described = await describeCompute({ compute: "cpu-wasm" });
    expect(described.cannot_train).toBeUndefined();
  });
});
