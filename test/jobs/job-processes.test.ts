/**
 * ML_JOB_PROCESSES: of the serving processes, only the first N run jobs; the others queue and
 * pass the kick over the event relay (JobRunner.forward), so what they queue starts at once in
 * a runner. Two runners over one SQLite file, each with its own bus joined by an in-memory relay
 * as serve's IPC hub joins them; the runner's poll is set far off, so only the kick can start it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { MEMORY_PER_PROCESS, runsJobs, servingProcesses } from "../../src/cli/serve-processes";
import { createKysely, enableWal, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import type { DB } from "../../src/db/schema";
import { EventBus } from "../../src/events/bus";
import { connectRelay, type EventRelay } from "../../src/events/relay";
import { enqueue, getJob } from "../../src/jobs/queue";
import { JobRunner } from "../../src/jobs/runner";
import { createLogger } from "../../src/log";
import { channel } from "../events/memory-relay";

const GiB = 2 ** 30;

describe("servingProcesses: the default is one per core, capped by memory", () => {
  test("0 takes the cores when memory allows", () => {
    expect(servingProcesses(0, "data/ml_store.db", { cores: 16, memoryBytes: 64 * GiB })).toBe(16);
  });
  test("0 takes fewer when memory is short: one per MEMORY_PER_PROCESS", () => {
    expect(MEMORY_PER_PROCESS).toBe(512 * 2 ** 20);
    expect(servingProcesses(0, "data/ml_store.db", { cores: 64, memoryBytes: 3 * GiB })).toBe(6);
    expect(servingProcesses(0, "data/ml_store.db", { cores: 8, memoryBytes: 256 * 2 ** 20 })).toBe(1);
  });
  test("a setting above 0 is taken as written; an in-memory database always gets one", () => {
    expect(servingProcesses(1, "data/ml_store.db", { cores: 16, memoryBytes: 64 * GiB })).toBe(1);
    expect(servingProcesses(3, "data/ml_store.db", { cores: 1, memoryBytes: GiB })).toBe(3);
    expect(servingProcesses(0, ":memory:", { cores: 16, memoryBytes: 64 * GiB })).toBe(1);
  });
  test("ML_JOB_PROCESSES: the first N processes of a box run jobs, 0 none", () => {
    expect([0, 1, 2, 3].map((i) => runsJobs(i, 1))).toEqual([true, false, false, false]);
    expect([0, 1, 2, 3].map((i) => runsJobs(i, 2))).toEqual([true, true, false, false]);
    expect(runsJobs(0, 0)).toBe(false);
  });
});

const dirs: string[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A process: its own connection to the shared database, its bus joined to the relay, its runner. */
function processOn(path: string, relay: EventRelay, owner: string, ran: string[]) {
  const sqlite = openSqlite(path);
  enableWal(sqlite);
  const db: Kysely<DB> = createKysely(sqlite);
  const bus = new EventBus();
  const off = connectRelay(bus, relay);
  const runner = new JobRunner({
    db,
    log: createLogger("error", () => {}),
    bus,
    maxWorkers: 1,
    now: () => new Date(),
    // no poll and no lease beat within the test: only a kick starts a job
    lease: { owner, leaseS: 3600 },
    pollMs: 3_600_000,
  });
  runner.handle("drift", async (row) => {
    ran.push(`${owner}:${row.id}`);
  });
  // runs until cancelled
  runner.handle(
    "predict",
    (_row, ctx) =>
      new Promise((_, reject) => {
        void ctx.progress({ stage: "waiting", progress: 0.5 });
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }),
  );
  cleanups.push(async () => {
    await runner.stop(0);
    off();
    sqlite.close();
  });
  return { db, bus, runner };
}

/** Two processes over one fresh database, relayed: "R" runs jobs, "S" only forwards its kicks and cancels. */
async function runnerAndServer(ran: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "mls-job-processes-"));
  dirs.push(dir);
  const path = join(dir, "ml_store.db");
  const init = openSqlite(path);
  migrate(init);
  init.close();
  // the IPC channel between two processes: what one sends reaches the other
  const member = channel();
  const [toRunner, toServer] = [member(), member()];
  const runner = processOn(path, toRunner, "R", ran);
  const server = processOn(path, toServer, "S", ran);
  await runner.runner.start();
  server.runner.forward();
  return { runner, server };
}

/** A job of `type` for model m's version 1.0.0, queued now. */
function queueJob(db: Kysely<DB>, type: "drift" | "predict") {
  return enqueue(db, {
    type,
    modelKey: "m",
    version: "1.0.0",
    params: {},
    createdBy: null,
    now: new Date().toISOString(),
  });
}

describe("a process past ML_JOB_PROCESSES", () => {
  test("runs nothing itself; what it queues starts at once in the runner process", async () => {
    const ran: string[] = [];
    const { runner, server } = await runnerAndServer(ran);

    const done = new Promise<string>((resolve) => {
      runner.bus.subscribe("queue:task_completed", (e) => resolve(e.job_id), { remote: true });
    });
    const job = await queueJob(server.db, "drift");
    server.runner.kick();
    expect(await done).toBe(job.id);
    expect(ran).toEqual([`R:${job.id}`]);
    expect(await getJob(server.db, job.id)).toMatchObject({ status: "completed", claimed_by: "R" });
    expect(server.runner.busy).toBe(0);
  });

  test("a running job cancelled through it stops in the runner at once", async () => {
    const { runner, server } = await runnerAndServer([]);
    const progressed = new Promise<void>((resolve) => {
      runner.bus.subscribe("queue:task_progress", () => resolve(), { remote: true });
    });
    const ended = new Promise<string>((resolve) => {
      server.bus.subscribe("queue:task_completed", (e) => resolve(e.status), { remote: true });
    });
    const job = await queueJob(server.db, "predict");
    server.runner.kick();
    await progressed;
    expect((await server.runner.cancel(job.id)).status).toBe("running");
    expect(await ended).toBe("cancelled");
    expect(await getJob(server.db, job.id)).toMatchObject({ status: "cancelled", claimed_by: "R" });
  });
});
