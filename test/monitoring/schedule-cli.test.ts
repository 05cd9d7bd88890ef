/**
 * The daily schedule (proved without waiting: croner computes the next run from a given
 * instant, and the captured tick is called directly) and the drift-check CLI's exit codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { run } from "../../src/cli/drift-check";
import type { Io } from "../../src/cli/io";
import { createLogger } from "../../src/log";
import { type CronFactory, dailyPattern, startServiceSchedules } from "../../src/monitoring/scheduler";
import { startService } from "../ml-service/helpers";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

let svc: Service;
beforeAll(async () => {
  svc = await startService({ ML_DAILY_DRIFT_CHECK_TIME: "06:30", ML_DRIFT_TIMEZONE: "Europe/Paris" });
  await trainModel(svc, "calm", normalRows(1000, 21));
}, 60_000);
afterAll(() => svc.close());

/** Records every schedule instead of starting timers. */
function fakeCron() {
  const jobs: { pattern: string; timezone: string | undefined; name: string; tick: () => Promise<void> }[] = [];
  const factory: CronFactory = (pattern, options, tick) => {
    jobs.push({ pattern, timezone: options.timezone, name: options.name, tick });
    const cron = new Cron(pattern, { timezone: options.timezone, paused: true });
    return { nextRun: (from) => cron.nextRun(from), stop: () => cron.stop() };
  };
  return { jobs, factory };
}

describe("daily schedule", () => {
  test("fires at ML_DAILY_DRIFT_CHECK_TIME in ML_DRIFT_TIMEZONE and checks every model", async () => {
    expect(dailyPattern("06:30")).toBe("0 30 6 * * *");
    const { jobs, factory } = fakeCron();
    const schedules = startServiceSchedules({
      config: svc.config,
      db: svc.db,
      log: createLogger("error", () => {}),
      drift: svc.runtime.drift,
      cron: factory,
    });
    try {
      const daily = jobs.find((j) => j.name === "daily-drift-check");
      expect(daily).toMatchObject({ pattern: "0 30 6 * * *", timezone: "Europe/Paris" });
      // Paris is UTC+1 in winter and UTC+2 in summer: 06:30 local is 05:30Z, then 04:30Z
      expect(schedules.driftCheck.nextRun(new Date("2025-01-15T12:00:00Z"))?.toISOString()).toBe(
        "2025-01-16T05:30:00.000Z",
      );
      expect(schedules.driftCheck.nextRun(new Date("2025-07-01T00:00:00Z"))?.toISOString()).toBe(
        "2025-07-01T04:30:00.000Z",
      );
      expect(jobs.find((j) => j.name === "dataset-ttl")?.pattern).toBe("0 0 * * * *");

      await sendTraffic(svc, "calm", features(normalRows(1000, 22)));
      await daily?.tick();
      const reports = (await svc.request("/drift/daily-reports?model_key=calm")).body;
      expect(reports.total).toBe(1);
      expect(reports.items[0]).toMatchObject({ status: "decided", drifted: false, rows: 1000 });
    } finally {
      schedules.stop();
    }
  });
});

function captureIo(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => out.push(t),
    isTTY: false,
    env,
    cwd: svc.dir,
  };
  return { io, out, err };
}

describe("mlservice drift-check", () => {
  const env = () => ({
    ML_DB_PATH: svc.config.ML_DB_PATH,
    ML_ARTIFACTS_ROOT: svc.config.ML_ARTIFACTS_ROOT,
    ML_DATASETS_ROOT: svc.config.ML_DATASETS_ROOT,
  });

  test("0 when nothing drifted", async () => {
    const c = captureIo(env());
    expect(await run(["--model", "calm"], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^calm 1\.0\.0 \d{4}-\d\d-\d\d: ok, 1000 rows/);
  });

  test("10 when a model drifted, with --json; --no-retrain queues nothing", async () => {
    await trainModel(svc, "moved", normalRows(600, 23));
    await sendTraffic(svc, "moved", features(normalRows(600, 24, 2)));
    const c = captureIo(env());
    expect(await run(["--model", "moved", "--json", "--no-retrain"], c.io)).toBe(10);
    const body = JSON.parse(c.out[0] as string);
    expect(body.exit_code).toBe(10);
    expect(body.results[0]).toMatchObject({ model_key: "moved", drifted: true, retrain_job_id: null });
    expect(body.results[0].features.length).toBe(3);
    const queued = await svc.db.selectFrom("jobs").select("id").where("type", "=", "retrain").execute();
    expect(queued).toHaveLength(0);
  });

  test("11 when no model drifted but one could not be decided", async () => {
    await trainModel(svc, "idle", normalRows(300, 25));
    const c = captureIo(env());
    expect(await run(["--model", "idle"], c.io)).toBe(11);
    expect(c.out[0]).toContain("undecided");
  });

  test("1 for an unknown model, 2 for bad arguments, 3 for bad configuration", async () => {
    const unknown = captureIo(env());
    expect(await run(["--model", "nope"], unknown.io)).toBe(1);
    expect(unknown.err[0]).toContain("model nope not found");
    const usage = captureIo(env());
    expect(await run(["--modle", "x"], usage.io)).toBe(2);
    const config = captureIo({ ...env(), ML_DRIFT_TIMEZONE: "Mars/Olympus" });
    expect(await run([], config.io)).toBe(3);
  });
});
