/**
 * Independent `serve` processes of the compiled binary on one SQLite file and one artifacts
 * folder (two replicas, different ports). A fit is claimed by one of them (A); A is killed with
 * SIGKILL while the fit runs; the other (B) takes the job over once A's lease (ML_JOB_LEASE_S=2) has run out and completes it,
 * serving the old version until then. A fit whose every holder dies is failed after
 * ML_JOB_MAX_ATTEMPTS with the reason. Which process holds a job is read from the database
 * (`claimed_by` names host:pid:random); every wait is for a state, never a fixed time.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, type Json, type RunningBinary } from "../binary-helpers";
import { fitIris, irisProbe, pidOf, startReplica, until } from "../replicas/helpers";

const TOKEN = "q".repeat(40);
const dirs: string[] = [];
let binary: string;
const running = new Set<RunningBinary>();

beforeAll(async () => {
  binary = await compiledBinary();
}, 120_000);
afterAll(async () => {
  for (const r of running) {
    r.proc.kill("SIGKILL");
    await r.proc.exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mls-replicas-"));
  dirs.push(dir);
  return dir;
}

async function replica(dir: string, env: Record<string, string> = {}): Promise<RunningBinary> {
  const r = await startReplica(binary, dir, TOKEN, env);
  running.add(r);
  return r;
}

async function kill9(r: RunningBinary) {
  r.proc.kill("SIGKILL");
  await r.proc.exited;
  running.delete(r);
}

/** The job's row as the database has it (claimed_by, attempts are not in the API). */
function jobRow(dir: string, id: string): { status: string; claimed_by: string | null; attempts: number } {
  const db = new Database(join(dir, "data", "ml_store.db"), { readonly: true });
  try {
    return db.query("SELECT status, claimed_by, attempts FROM jobs WHERE id = ?").get(id) as never;
  } finally {
    db.close();
  }
}

const heldBy = (r: RunningBinary) => (row: { claimed_by: string | null }) => pidOf(row) === r.proc.pid;

async function job(r: RunningBinary, id: string): Promise<Json> {
  return (await r.call(`/jobs/${id}`)).body;
}

/** Trains 1.0.0 on `r` to the end. */
async function firstVersion(r: RunningBinary) {
  const id = await fitIris(r, { max_iter: 30, hidden_layer_sizes: [8] });
  const done = await until("1.0.0 trained", async () => {
    const j = await job(r, id);
    return j.status === "queued" || j.status === "running" ? undefined : j;
  });
  expect(done.status).toBe("completed");
  return (await r.call("/predict", { model_key: "iris", data: irisProbe })).body;
}

describe("replicas on one SQLite file (compiled binary)", () => {
  test("kill -9 of the replica running a fit: another takes it over after the lease and completes it", async () => {
    const dir = workdir();
    const first = await replica(dir);
    const before = await firstVersion(first);
    expect(before.version).toBe("1.0.0");
    // a second replica joins: it must not fail or take the first's live jobs
    const second = await replica(dir);
    // long enough to be killed mid-way, short enough to finish after the takeover
    const id = await fitIris(first, { max_iter: 10000, hidden_layer_sizes: [64, 64] });
    const holder = await until("the fit trains", async () => {
      const j = await job(first, id);
      return j.status === "running" && j.stage === "training" ? true : undefined;
    }).then(() => (heldBy(first)(jobRow(dir, id)) ? first : second));
    const [a, b] = holder === first ? [first, second] : [second, first];
    expect(heldBy(a)(jobRow(dir, id))).toBe(true);
    await kill9(a);

    // the old version serves on B while the job waits for its lease to run out and re-runs
    const served: string[] = [];
    const taken = await until("B holds the job", async () => {
      served.push((await b.call("/predict", { model_key: "iris", data: irisProbe })).body.version);
      const row = jobRow(dir, id);
      return heldBy(b)(row) ? row : undefined;
    });
    expect(taken.attempts).toBe(2);
    const done = await until("the fit ends on B", async () => {
      // an answer counts as "while the fit ran" only when the job still ran after it
      const version = (await b.call("/predict", { model_key: "iris", data: irisProbe })).body.version;
      const j = await job(b, id);
      if (j.status === "running") {
        served.push(version);
        return undefined;
      }
      return j.status === "queued" ? undefined : j;
    });
    expect(done).toMatchObject({ status: "completed", version: "1.1.0" });
    expect(new Set(served)).toEqual(new Set(["1.0.0"]));
    const after = (await b.call("/predict", { model_key: "iris", data: irisProbe })).body;
    expect(after.version).toBe("1.1.0");
    expect(jobRow(dir, id)).toMatchObject({ status: "completed", attempts: 2 });
    await kill9(b);
  }, 240_000);

  test("a fit whose every holder dies is failed after ML_JOB_MAX_ATTEMPTS, with the reason", async () => {
    const dir = workdir();
    const env = { ML_JOB_MAX_ATTEMPTS: "2" };
    const a = await replica(dir, env);
    const before = await firstVersion(a);
    // never ends on its own
    const id = await fitIris(a, { max_iter: 100_000, hidden_layer_sizes: [256, 256] });
    await until("the fit trains on A", () => (heldBy(a)(jobRow(dir, id)) ? true : undefined));
    const b = await replica(dir, env);
    await kill9(a);
    await until("B holds the job", () => (heldBy(b)(jobRow(dir, id)) ? true : undefined));
    await until("the fit trains on B", async () => {
      const j = await job(b, id);
      return j.status === "running" && j.stage === "training" ? true : undefined;
    });
    await kill9(b);

    const c = await replica(dir, env);
    const failed = await until("the job is given up", async () => {
      const j = await job(c, id);
      return j.status === "running" ? undefined : j;
    });
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("stopped renewing its lease 2 times");
    expect(jobRow(dir, id).attempts).toBe(2);
    const versions = (await c.call("/models/iris/versions")).body;
    expect(versions.active_version).toBe("1.0.0");
    expect(versions.items.find((v: { version: string }) => v.version === "1.1.0").status).toBe("failed");
    const after = (await c.call("/predict", { model_key: "iris", data: irisProbe })).body;
    expect(after.version).toBe("1.0.0");
    expect(after.predictions).toEqual(
      before.predictions.map((p: Json) => ({ ...p, prediction_id: expect.any(Number) })),
    );
    await kill9(c);
  }, 240_000);
});
