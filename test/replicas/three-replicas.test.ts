/**
 * Three replicas of the compiled binary on one PostgreSQL database and one S3-compatible store
 * (s3rver), all on loopback, as issue #16 deploys them: a model trained on one answers the same
 * on the others; predictions spread over all three are all in the one log, with database-assigned
 * ids; a rollback on one is served by all (the time it took is printed, not asserted: tests never
 * time the machine); `kill -9` of the replica running a fit → another re-claims it after the lease
 * and completes it while the old version serves; a clean stop loses no prediction; a /ws client
 * on every replica sees a fit's progress and end, whichever replica ran it (LISTEN/NOTIFY).
 *
 * Runs where PostgreSQL can be tested (ML_TEST_DATABASE_URL, set by .ci/run; under CI=true a
 * missing server fails it). Which replica holds a job is read from the database (`claimed_by`
 * is host:pid:random); every wait is for a state, never a fixed time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { compiledBinary, type Json, type RunningBinary } from "../binary-helpers";
import { connect } from "../http/ws-helpers";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { type S3TestServer, startS3 } from "../storage/s3-server";
import { fitIris, iris, irisProbe, pidOf, startReplica, until } from "./helpers";

const TOKEN = "r".repeat(40);
const onPostgres = testDialects().includes("postgres");

let binary: string;
let pg: TestPostgres;
let s3: S3TestServer;
let sql: SQL;
const dirs: string[] = [];
const running = new Set<RunningBinary>();
let replicas: RunningBinary[] = [];

async function replica(): Promise<RunningBinary> {
  const cwd = mkdtempSync(join(tmpdir(), "mls-3replicas-"));
  dirs.push(cwd);
  const r = await startReplica(binary, cwd, TOKEN, {
    ML_DATABASE_URL: pg.url,
    ML_ARTIFACTS_URL: `s3://${s3.bucket}/artifacts`,
    ML_DATASETS_URL: `s3://${s3.bucket}/datasets`,
    ...s3.env,
  });
  running.add(r);
  return r;
}

async function jobRow(id: string): Promise<{ status: string; claimed_by: string | null; attempts: number }> {
  const rows = await sql`SELECT status, claimed_by, attempts FROM jobs WHERE id = ${id}`;
  return rows[0];
}

async function finished(r: RunningBinary, id: string): Promise<Json> {
  return until(`job ${id} ends`, async () => {
    const j = (await r.call(`/jobs/${id}`)).body;
    return j.status === "queued" || j.status === "running" ? undefined : j;
  });
}

const predict = async (r: RunningBinary) => (await r.call("/predict", { model_key: "iris", data: irisProbe })).body;
const withoutIds = (answer: Json) => answer.predictions.map(({ prediction_id: _, ...p }: Json) => p);

beforeAll(async () => {
  if (!onPostgres) return;
  binary = await compiledBinary();
  pg = await freshPostgres();
  s3 = await startS3("mls-replicas");
  sql = new SQL(pg.url, { max: 2 });
  // the first replica migrates; the others start beside it
  replicas = [await replica()];
  replicas.push(...(await Promise.all([replica(), replica()])));
}, 180_000);

afterAll(async () => {
  if (!onPostgres) return;
  for (const r of running) {
    r.proc.kill("SIGKILL");
    await r.proc.exited;
  }
  await sql?.close();
  await s3?.close();
  await pg?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!onPostgres)("three replicas on PostgreSQL and S3 (compiled binary)", () => {
  test("a model trained on one replica answers the same on the others", async () => {
    const [a, b, c] = replicas as [RunningBinary, RunningBinary, RunningBinary];
    const done = await finished(a, await fitIris(a, { max_iter: 30, hidden_layer_sizes: [8] }));
    expect(done).toMatchObject({ status: "completed", version: "1.0.0" });
    const answers = await Promise.all([a, b, c].map(predict));
    for (const answer of answers) expect(answer.version).toBe("1.0.0");
    expect(withoutIds(answers[1])).toEqual(withoutIds(answers[0]));
    expect(withoutIds(answers[2])).toEqual(withoutIds(answers[0]));
    // nothing of it is on any replica's disk: the artifact is in the bucket
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM model_versions WHERE model_key = 'iris'`;
    expect(n).toBe(1);
  }, 120_000);

  test("a /ws client on every replica sees the progress, the end and the new metrics of a fit another replica ran", async () => {
    const clients = await Promise.all(replicas.map((r) => connect(r.port, `?token=${TOKEN}`)));
    try {
      // its own model: the iris versions the other cases count on stay as they are
      const res = await (replicas[0] as RunningBinary).call("/train", {
        model_key: "iris-events",
        target_field: "species",
        items: iris,
        hyperparameters: { max_iter: 30, hidden_layer_sizes: [8] },
      });
      expect(res.status).toBe(202);
      const id = res.body.job_id;
      for (const c of clients) {
        await c.next((m) => m.type === "queue:task_progress" && m.data.job_id === id, 60_000);
        const end = await c.next((m) => m.type === "queue:task_completed" && m.data.job_id === id, 60_000);
        expect(end.data.status).toBe("completed");
        await c.next((m) => m.type === "models:metrics_updated" && m.data.model_key === "iris-events", 60_000);
      }
      // the fit ran on one replica: the clients of the two others saw it through PostgreSQL
      const ranOn = pidOf(await jobRow(id));
      expect(replicas.map((r) => r.proc.pid)).toContain(ranOn);
    } finally {
      for (const c of clients) await c.close();
    }
  }, 120_000);

  test("1,000 predictions spread over the replicas are all in the one log, ids assigned once", async () => {
    const ids: number[] = [];
    const row = irisProbe[0];
    let k = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (k < 1000) {
          const r = replicas[k++ % 3] as RunningBinary;
          const res = await r.call("/predict", { model_key: "iris", data: [row] });
          expect(res.status).toBe(200);
          ids.push(res.body.predictions[0].prediction_id);
        }
      }),
    );
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    // each replica writes its batch within ML_PREDICTION_LOG_FLUSH_MS; wait for the rows, not a clock
    const logged = await until("every prediction is in the log", async () => {
      const rows = await sql`SELECT count(*)::int AS n FROM predictions WHERE id IN ${sql(ids)}`;
      return rows[0].n === 1000 ? rows[0].n : undefined;
    });
    expect(logged).toBe(1000);
  }, 120_000);

  test("a rollback on one replica is served by all of them", async () => {
    const [a, b, c] = replicas as [RunningBinary, RunningBinary, RunningBinary];
    const next = await finished(b, await fitIris(b, { max_iter: 20, hidden_layer_sizes: [6] }));
    expect(next).toMatchObject({ status: "completed", version: "1.1.0" });
    await until("all serve 1.1.0", async () =>
      (await Promise.all([a, b, c].map(predict))).every((x) => x.version === "1.1.0") ? true : undefined,
    );
    const started = performance.now();
    const back = await c.call("/models/iris/rollback/1.0.0", {});
    expect(back.status).toBe(200);
    const seen = await Promise.all(
      [a, b, c].map((r) =>
        until("1.0.0 served", async () => ((await predict(r)).version === "1.0.0" ? performance.now() : undefined)),
      ),
    );
    // reported, not asserted (issue #16 asks for ≤ 1 s; a test must not time the machine)
    console.log(`rollback served by all three replicas after ${Math.round(Math.max(...seen) - started)} ms`);
  }, 120_000);

  test("kill -9 of the replica running a fit: another re-claims it and completes it, the old version serving", async () => {
    const [a] = replicas as [RunningBinary];
    const id = await fitIris(a, { max_iter: 10000, hidden_layer_sizes: [64, 64] });
    await until("the fit trains", async () => {
      const j = (await a.call(`/jobs/${id}`)).body;
      return j.status === "running" && j.stage === "training" ? true : undefined;
    });
    const holderPid = pidOf(await jobRow(id));
    const holder = replicas.find((r) => r.proc.pid === holderPid) as RunningBinary;
    expect(holder).toBeDefined();
    holder.proc.kill("SIGKILL");
    await holder.proc.exited;
    running.delete(holder);
    const others = replicas.filter((r) => r !== holder);
    replicas = others;

    const served: string[] = [];
    const taken = await until("another replica holds the job", async () => {
      for (const r of others) served.push((await predict(r)).version);
      const row = await jobRow(id);
      return row.status === "running" && pidOf(row) !== holderPid && row.claimed_by ? row : undefined;
    });
    expect(taken.attempts).toBe(2);
    expect(others.map((r) => r.proc.pid)).toContain(pidOf(taken));
    const done = await until("the fit ends", async () => {
      // answers count as "while the fit ran" only when the job still ran after them
      const versions = [];
      for (const r of others) versions.push((await predict(r)).version);
      const j = (await (others[0] as RunningBinary).call(`/jobs/${id}`)).body;
      if (j.status === "running" || j.status === "queued") {
        // past training the fit activates its version, which every replica then serves at once
        if (j.stage === "training") served.push(...versions);
        return undefined;
      }
      return j;
    });
    expect(done.status).toBe("completed");
    expect(new Set(served)).toEqual(new Set(["1.0.0"]));
    expect(await jobRow(id)).toMatchObject({ status: "completed", attempts: 2 });
  }, 300_000);

  test("a clean stop of a replica loses none of its predictions", async () => {
    const r = replicas[replicas.length - 1] as RunningBinary;
    const ids: number[] = [];
    for (let i = 0; i < 50; i++)
      ids.push(
        (await r.call("/predict", { model_key: "iris", data: [irisProbe[i % 10]] })).body.predictions[0].prediction_id,
      );
    r.proc.kill("SIGTERM");
    expect(await r.proc.exited).toBe(0);
    running.delete(r);
    const rows = await sql`SELECT count(*)::int AS n FROM predictions WHERE id IN ${sql(ids)}`;
    expect(rows[0].n).toBe(50);
  }, 60_000);
});
