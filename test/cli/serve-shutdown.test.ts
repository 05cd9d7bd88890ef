/**
 * SIGTERM to the compiled binary while a long fit runs: the process exits within its shutdown
 * grace period, and the job is left failed with the reason a restart would give it, never running.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, startBinary } from "../binary-helpers";

const TOKEN = "s".repeat(40);
const GRACE_MS = 3000;
let dir: string;
let binary: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-stop-"));
  binary = await compiledBinary();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const items = readFileSync(join(import.meta.dir, "..", "..", "..", "shared", "data", "iris_train.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const c = line.split(",");
    return { a: Number(c[0]), b: Number(c[1]), c: Number(c[2]), d: Number(c[3]), species: c[4] };
  });

describe("serve shutdown", () => {
  test("SIGTERM during a long fit, a WebSocket open: exits within the grace period, the job failed as interrupted", async () => {
    const cwd = mkdtempSync(join(dir, "run-"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      ML_COMPUTE: "cpu",
      ML_ADMIN_API_TOKEN: TOKEN,
      ML_SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
      ML_TOL: "0",
    };
    const svc = await startBinary(binary, { cwd, env, token: TOKEN });
    const train = await svc.call("/train", {
      model_key: "long",
      target_field: "species",
      items,
      early_stopping: false,
      hyperparameters: { max_iter: 100_000, hidden_layer_sizes: [64, 64] },
    });
    expect(train.status).toBe(202);
    const jobId = train.body.job_id as string;
    // the state the shutdown meets: the fit is under way
    for (
      let job = await svc.call(`/jobs/${jobId}`);
      job.body.stage !== "training";
      job = await svc.call(`/jobs/${jobId}`)
    )
      await Bun.sleep(50);

    // a dashboard left open must not hold the shutdown either
    const ws = new WebSocket(`ws://127.0.0.1:${svc.port}/ws?token=${TOKEN}`);
    const wsClosed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));

    const stopping = performance.now();
    svc.proc.kill("SIGTERM");
    // a hang guard only: the grace period plus a few seconds for process start-up noise
    const hang = Bun.sleep(GRACE_MS + 5000).then(() => "hung" as const);
    const exit = await Promise.race([svc.proc.exited, hang]);
    if (exit === "hung") svc.proc.kill("SIGKILL");
    expect(exit).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(GRACE_MS + 5000);
    expect(await wsClosed).toBe(1001);

    const db = new Database(join(cwd, "data", "ml_store.db"), { readonly: true });
    const job = db.query("SELECT status, stage, error FROM jobs WHERE id = ?").get(jobId) as Record<string, string>;
    const version = db.query("SELECT status, error FROM model_versions WHERE job_id = ?").get(jobId) as Record<
      string,
      string
    >;
    db.close();
    expect(job).toEqual({
      status: "failed",
      stage: "failed",
      error: "the service stopped while this job was running",
    });
    expect(version).toEqual({ status: "failed", error: "the service stopped while this job was running" });
  }, 60_000);
});
