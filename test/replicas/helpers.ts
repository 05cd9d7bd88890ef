/**
 * What the replica tests share (test/ml-service/replicas.test.ts on one SQLite file,
 * test/replicas/three-replicas.test.ts on PostgreSQL and S3): a `serve` process of the compiled
 * binary set up so that a fit can be killed mid-way, the iris fit, and waiting for a state.
 */
import { expect } from "bun:test";
import { type Json, type RunningBinary, startBinary } from "../binary-helpers";
import { csvRows } from "../ml-service/helpers";

export { until } from "../until";

export const iris = csvRows("iris_train.csv");
export const irisProbe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);

/**
 * Starts a replica in `cwd` with a 2 s job lease and fits that run all their epochs (so one can
 * be killed before it ends); `env` adds the database and store settings. Its log is drained so
 * that a full pipe never blocks the process (`DEBUG_REPLICAS=1` prints it).
 */
export async function startReplica(
  binary: string,
  cwd: string,
  token: string,
  env: Record<string, string> = {},
): Promise<RunningBinary> {
  const r = await startBinary(binary, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      ML_ADMIN_API_TOKEN: token,
      ML_ADMIN_PASSWORD: "Admin-pass-2025",
      ML_COMPUTE: "cpu",
      ML_HTTP_PROCESSES: "1",
      ML_JOB_LEASE_S: "2",
      ML_N_ITER_NO_CHANGE: "10000",
      ML_TOL: "0",
      ...env,
    },
    token,
  });
  for (const stream of [r.proc.stdout, r.proc.stderr] as ReadableStream<Uint8Array>[]) {
    const reader = stream.getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (process.env.DEBUG_REPLICAS) process.stderr.write(`[${r.proc.pid}] ${new TextDecoder().decode(value)}`);
      }
    })();
  }
  return r;
}

/** Starts an iris fit on `r` (no early stopping); its job id. */
export async function fitIris(r: RunningBinary, hyperparameters: Json): Promise<string> {
  const res = await r.call("/train", {
    model_key: "iris",
    target_field: "species",
    items: iris,
    early_stopping: false,
    hyperparameters,
  });
  expect(res.status).toBe(202);
  return res.body.job_id;
}

/** The pid in a job's `claimed_by` (host:pid:random). */
export const pidOf = (row: { claimed_by: string | null }) => Number((row.claimed_by ?? "").split(":")[1]);
