/**
 * Every job ends with one `job finished` log line, however it ends: run to completion or
 * failure, cancelled while queued, or failed because the processes that took it kept dying.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createKysely, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { EventBus } from "../../src/events/bus";
import { enqueue } from "../../src/jobs/queue";
import { JobRunner } from "../../src/jobs/runner";
import { createLogger } from "../../src/log";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

function setup() {
  const sqlite = openSqlite(":memory:");
  migrate(sqlite);
  const db = createKysely(sqlite);
  const lines: string[] = [];
  const runner = new JobRunner({
    db,
    log: createLogger("debug", (l) => lines.push(l)),
    bus: new EventBus(),
    maxWorkers: 1,
    now: () => new Date(),
  });
  // biome-ignore lint/suspicious/noExplicitAny: log lines are read loosely
  const finished = (jobId: string): any[] =>
    lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "job finished" && l.job_id === jobId);
  const job = (traceId?: string) =>
    enqueue(db, {
      type: "drift",
      modelKey: "m",
      version: null,
      params: { model_key: "m" },
      createdBy: null,
      now: new Date().toISOString(),
      traceId,
    });
  return { db, runner, finished, job };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("the job finished line", () => {
  test("a job run to the end says how it ended, how long it ran, and the trace it was started under", async () => {
    const { runner, finished, job } = setup();
    runner.handle("drift", async () => {
      throw new Error("no baseline");
    });
    stop = () => runner.stop(0);
    const j = await job(TRACE);
    await runner.start();
    await runner.idle();
    const [line, ...more] = finished(j.id);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: "warn",
      type: "drift",
      model_key: "m",
      status: "failed",
      error: "no baseline",
      trace_id: TRACE,
    });
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test("a job cancelled while queued logs it, with no run time", async () => {
    const { runner, finished, job } = setup();
    const j = await job();
    await runner.cancel(j.id);
    expect(finished(j.id)).toEqual([
      expect.objectContaining({ level: "info", status: "cancelled", duration_ms: null, trace_id: null }),
    ]);
  });

  test("a job whose last holder died (lease run out, attempts spent) is logged as failed when the service starts", async () => {
    const { db, runner, finished, job } = setup();
    stop = () => runner.stop(0);
    const j = await job(TRACE);
    const past = new Date(Date.now() - 60_000).toISOString();
    await db
      .updateTable("jobs")
      .set({ status: "running", claimed_by: "gone:1:dead", lease_until: past, attempts: 3 })
      .where("id", "=", j.id)
      .execute();
    await runner.start();
    expect(finished(j.id)).toEqual([
      expect.objectContaining({ level: "warn", status: "failed", error: expect.any(String), trace_id: TRACE }),
    ]);
  });
});
