import { describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { createLogger } from "../../src/log";
import { type AlertCheckDeps, checkErrorRate, checkQueueBackup } from "../../src/monitoring/alert-checks";
import { listAlerts } from "../../src/monitoring/alerts";
import { type CronFactory, startServiceSchedules } from "../../src/monitoring/scheduler";
import { testDeps } from "../helpers";
import { startService } from "../ml-service/helpers";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function checkDeps(env: Record<string, string> = {}): AlertCheckDeps & { db: ReturnType<typeof testDeps>["db"] } {
  const deps = testDeps(env);
  return { db: deps.db, bus: deps.bus, config: deps.config, now: () => NOW };
}

/** `n` audit events of prediction requests answered with `status`, `minutes` ago. */
async function requests(deps: AlertCheckDeps, n: number, status: number, minutes = 1, route = "/predict") {
  const rows = Array.from({ length: n }, () => ({
    time: minutesAgo(minutes),
    type: "http:request",
    source: "api" as const,
    method: "POST",
    route,
    path: route,
    status,
    actor: null,
    actor_user_id: null,
    via: null,
    subject: null,
    ip: null,
    user_agent: null,
    duration_ms: 1,
    request_id: null,
    input: null,
    output: null,
    reason: null,
  }));
  if (rows.length) await deps.db.insertInto("events").values(rows).execute();
}

async function queued(deps: AlertCheckDeps, id: string, minutes: number, status: "queued" | "running" = "queued") {
  await deps.db
    .insertInto("jobs")
    .values({ id, type: "train", status, model_key: "m", version: "1", params: "{}", created_at: minutesAgo(minutes) })
    .execute();
}

describe("high prediction error rate", () => {
  test("raises one alert when the failed share of the window passes the threshold", async () => {
    const deps = checkDeps({ ML_ALERT_ERROR_RATE_THRESHOLD: "0.1", ML_ALERT_ERROR_RATE_MIN_REQUESTS: "20" });
    await requests(deps, 16, 200);
    await requests(deps, 2, 500);
    await requests(deps, 2, 422);
    const alert = await checkErrorRate(deps);
    expect(alert).toMatchObject({ type: "high_error_rate", severity: "warning", model_key: null });
    expect(alert?.details).toMatchObject({ failed: 4, total: 20, error_rate: 0.2, threshold: 0.1 });
    // still true a minute later: the open alert stands, no second one
    expect(await checkErrorRate(deps)).toBeNull();
    expect((await listAlerts(deps.db, { type: "high_error_rate", limit: 10, offset: 0 })).total).toBe(1);
  });

  test("counts only the window's prediction requests, and not refused callers", async () => {
    const deps = checkDeps({ ML_ALERT_ERROR_RATE_THRESHOLD: "0.1", ML_ALERT_ERROR_RATE_WINDOW_MINUTES: "15" });
    await requests(deps, 20, 200);
    await requests(deps, 30, 500, 20); // before the window
    await requests(deps, 30, 500, 1, "/train"); // another route
    await requests(deps, 10, 401);
    await requests(deps, 10, 403);
    await requests(deps, 10, 429);
    await requests(deps, 2, 503); // 2 of 52: under 10%
    expect(await checkErrorRate(deps)).toBeNull();
    await requests(deps, 4, 404, 0); // in this very millisecond: 6 of 56, over 10%
    expect((await checkErrorRate(deps))?.details).toMatchObject({ failed: 6, total: 56 });
  });

  test("says nothing below the minimum number of requests, nor when switched off", async () => {
    const few = checkDeps({ ML_ALERT_ERROR_RATE_MIN_REQUESTS: "20" });
    await requests(few, 19, 500);
    expect(await checkErrorRate(few)).toBeNull();
    const off = checkDeps({ ML_ALERT_ERROR_RATE_THRESHOLD: "1" });
    await requests(off, 50, 500);
    expect(await checkErrorRate(off)).toBeNull();
  });

  test("a summary of like requests (a flood counted, not written each) counts for all it stands for", async () => {
    const deps = checkDeps({ ML_ALERT_ERROR_RATE_THRESHOLD: "0.1", ML_ALERT_ERROR_RATE_MIN_REQUESTS: "20" });
    await requests(deps, 1, 200);
    await requests(deps, 1, 422);
    const summary = (status: number, repeated: number) => ({
      time: minutesAgo(1),
      type: "http:request",
      source: "api" as const,
      method: "POST",
      route: "/predict",
      path: "/predict",
      status,
      input: JSON.stringify({ summary: `${status} × ${repeated} more`, repeated, from: NOW, to: NOW }),
      suspicious: 0,
    });
    await deps.db
      .insertInto("events")
      .values([summary(200, 79), summary(422, 19)])
      .execute();
    expect((await checkErrorRate(deps))?.details).toMatchObject({ failed: 20, total: 100 });
  });

  test("a half-failing service is critical; real failed /predict requests are counted", async () => {
    const svc = await startService({ ML_ALERT_ERROR_RATE_MIN_REQUESTS: "3" });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await svc.request("/predict", { json: { model_key: "nope", data: [{ x: 1 }] } });
        expect(res.status).toBe(404);
      }
      const alert = await svc.runtime.checkAlerts();
      expect(alert.high_error_rate).toMatchObject({ type: "high_error_rate", severity: "critical" });
      expect(alert.high_error_rate?.details).toMatchObject({ failed: 3, total: 3 });
    } finally {
      await svc.close();
    }
  });
});

describe("job queue backup", () => {
  test("raises one alert when a job waited longer than the setting", async () => {
    const deps = checkDeps({ ML_ALERT_QUEUE_WAIT_SECONDS: "600" });
    await queued(deps, "job_recent", 5);
    await queued(deps, "job_running_long", 60, "running");
    expect(await checkQueueBackup(deps)).toBeNull();
    await queued(deps, "job_old", 30);
    await queued(deps, "job_older", 45);
    const alert = await checkQueueBackup(deps);
    expect(alert).toMatchObject({ type: "queue_backup", severity: "warning" });
    expect(alert?.details).toMatchObject({ waiting_jobs: 2, oldest_job_id: "job_older", oldest_waited_s: 2700 });
    expect(await checkQueueBackup(deps)).toBeNull();
  });

  test("a dismissed alert lets the next check raise again; 0 switches the check off", async () => {
    const deps = checkDeps({ ML_ALERT_QUEUE_WAIT_SECONDS: "60" });
    await queued(deps, "job_old", 30);
    const first = await checkQueueBackup(deps);
    await deps.db.updateTable("alerts").set({ dismissed_at: NOW.toISOString(), dismissed_by: "ops" }).execute();
    const second = await checkQueueBackup(deps);
    expect(second?.id).toBeGreaterThan(first?.id ?? Infinity);
    const off = checkDeps({ ML_ALERT_QUEUE_WAIT_SECONDS: "0" });
    await queued(off, "job_old", 600);
    expect(await checkQueueBackup(off)).toBeNull();
  });
});

describe("alert-check schedule", () => {
  test("serve runs the checks every minute; a failing run is logged, not thrown", async () => {
    const ticks: { name: string; pattern: string; tick: () => Promise<void> }[] = [];
    const cron: CronFactory = (pattern, options, tick) => {
      ticks.push({ name: options.name, pattern, tick });
      const c = new Cron(pattern, { paused: true });
      return { nextRun: (from) => c.nextRun(from), stop: () => c.stop() };
    };
    const deps = testDeps();
    const lines: string[] = [];
    let runs = 0;
    // each tick is the next minute's run (two ticks of one minute's run would run it once)
    let minute = 0;
    const schedules = startServiceSchedules({
      config: deps.config,
      db: deps.db,
      log: createLogger("error", (l) => lines.push(l)),
      drift: deps.runtime.drift,
      alertChecks: async () => {
        runs++;
        if (runs === 2) throw new Error("database is locked");
      },
      now: () => new Date(Date.UTC(2026, 2, 1, 12, minute++, 20)),
      cron,
    });
    try {
      const job = ticks.find((t) => t.name === "alert-checks");
      expect(new Cron(job?.pattern ?? "", { paused: true }).nextRun(new Date("2026-03-01T12:00:30Z"))).toEqual(
        new Date("2026-03-01T12:01:20Z"),
      );
      await job?.tick();
      await job?.tick();
      expect(runs).toBe(2);
      expect(lines.join("\n")).toContain("database is locked");
    } finally {
      schedules.stop();
    }
  });
});
