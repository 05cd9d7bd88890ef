/**
 * The compiled binary as an operator runs it: train, predict, a fit killed with SIGKILL half-way,
 * a restart that fails that job once its lease ran out (one attempt allowed here; with more, the
 * restarted process would run it again), and the old version still serving the same answers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, type Json, startBinary } from "../binary-helpers";
import { csvRows } from "./helpers";

const TOKEN = "r".repeat(40);
let dir: string;
let binary: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-restart-"));
  binary = await compiledBinary();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = () =>
  startBinary(binary, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      ML_ADMIN_API_TOKEN: TOKEN,
      ML_ADMIN_PASSWORD: "Admin-pass-2025",
      ML_COMPUTE: "cpu",
      ML_JOB_LEASE_S: "2",
      ML_JOB_MAX_ATTEMPTS: "1",
    },
    token: TOKEN,
  });

async function waitFor(call: Awaited<ReturnType<typeof start>>["call"], jobId: string, until: (j: Json) => boolean) {
  for (let i = 0; i < 600; i++) {
    const job = (await call(`/jobs/${jobId}`)).body;
    if (until(job)) return job;
    await Bun.sleep(100);
  }
  throw new Error(`job ${jobId} never reached the state`);
}

describe("the service binary across a crash", () => {
  test("a fit killed mid-way fails cleanly after a restart and the old version keeps serving", async () => {
    const iris = csvRows("iris_train.csv");
    const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
    const first = await start();
    const v1 = await first.call("/train", {
      model_key: "iris",
      target_field: "species",
      items: iris,
      hyperparameters: { max_iter: 200 },
    });
    expect(v1.status).toBe(202);
    const done = await waitFor(first.call, v1.body.job_id, (j) => j.status !== "queued" && j.status !== "running");
    expect(done.status).toBe("completed");
    const before = (await first.call("/predict", { model_key: "iris", data: probe })).body;
    expect(before.version).toBe("1.0.0");

    // a long fit of a second version; kill -9 while it trains
    const v2 = await first.call("/train", {
      model_key: "iris",
      target_field: "species",
      items: iris,
      early_stopping: false,
      hyperparameters: { max_iter: 100000, hidden_layer_sizes: [512, 512] },
    });
    await waitFor(first.call, v2.body.job_id, (j) => j.status === "running" && j.stage === "training");
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    const second = await start();
    try {
      const job = await waitFor(second.call, v2.body.job_id, (j) => j.status !== "running");
      expect(job.status).toBe("failed");
      expect(job.error).toContain("stopped renewing its lease 1 time");
      const versions = (await second.call("/models/iris/versions")).body;
      expect(versions.active_version).toBe("1.0.0");
      expect(versions.items.find((v: { version: string }) => v.version === "1.1.0").status).toBe("failed");
      const after = (await second.call("/predict", { model_key: "iris", data: probe })).body;
      expect(after.version).toBe("1.0.0");
      expect(after.predictions.map((p: { prediction: string }) => p.prediction)).toEqual(
        before.predictions.map((p: { prediction: string }) => p.prediction),
      );
      expect(after.predictions[0].all_scores).toEqual(before.predictions[0].all_scores);
    } finally {
      second.proc.kill("SIGTERM");
      expect(await second.proc.exited).toBe(0);
    }
  }, 120_000);
});
