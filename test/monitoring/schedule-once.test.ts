/**
 * Schedules that must run once across processes (src/monitoring/schedule-claim.ts): three
 * services on one database (a SQLite file; PostgreSQL where test/pg.ts reaches a server), each with its own schedules and the same injected clock, all fire
 * the daily drift check (and the hourly sweep) for the same planned run → one run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { createLogger } from "../../src/log";
import { slotOf } from "../../src/monitoring/schedule-claim";
import { type CronFactory, startServiceSchedules } from "../../src/monitoring/scheduler";
import { startService } from "../ml-service/helpers";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

/** Records every schedule instead of starting timers; `tick(name)` fires it as croner would. */
function fakeCron() {
  const ticks = new Map<string, () => Promise<void>>();
  const factory: CronFactory = (pattern, options, tick) => {
    ticks.set(options.name, tick);
    const cron = new Cron(pattern, { timezone: options.timezone, paused: true });
    return { nextRun: (from) => cron.nextRun(from), stop: () => cron.stop() };
  };
  return { ticks, factory };
}

let clock = new Date("2026-03-01T23:00:00.004Z");
const now = () => clock;
let services: Service[] = [];

describe.each(testDialects())("single-run schedules on %s", (dialect) => {
  let pg: TestPostgres | null = null;
  beforeAll(async () => {
    clock = new Date("2026-03-01T23:00:00.004Z");
    pg = dialect === "postgres" ? await freshPostgres() : null;
    const env = {
      ML_DAILY_DRIFT_CHECK_TIME: "23:00",
      ML_DRIFT_TIMEZONE: "UTC",
      ...(pg ? { ML_DATABASE_URL: pg.url } : {}),
    };
    const first = await startService(env);
    services = [first, await startService(env, first.dir), await startService(env, first.dir)];
    await trainModel(first, "shared", normalRows(1000, 41));
    await sendTraffic(first, "shared", features(normalRows(1000, 42)));
  }, 60_000);
  afterAll(async () => {
    for (const s of services.slice(1)) await s.close(true);
    await services[0]?.close();
    await pg?.drop();
  });
  test("the slot of a tick is its planned run, early or late", () => {
    const planned = "2026-03-01T23:00:00.000Z";
    for (const t of ["2026-03-01T22:59:59.990Z", "2026-03-01T23:00:00.004Z", "2026-03-01T23:00:07.000Z"])
      expect(slotOf("0 0 23 * * *", "UTC", new Date(t)).toISOString()).toBe(planned);
    expect(slotOf("0 0 23 * * *", "UTC", new Date("2026-03-02T23:00:00.100Z")).toISOString()).toBe(
      "2026-03-02T23:00:00.000Z",
    );
  });

  test("three processes fire the daily drift check at once: one check runs; the next day's runs again", async () => {
    const crons = services.map((svc, i) => {
      const { ticks, factory } = fakeCron();
      const schedules = startServiceSchedules({
        config: svc.config,
        db: svc.db,
        log: createLogger("error", () => {}),
        drift: svc.runtime.drift,
        owner: `replica-${i}`,
        now,
        cron: factory,
      });
      return { ticks, schedules };
    });
    const fire = (name: string) => Promise.all(crons.map((c) => c.ticks.get(name)?.()));
    const reports = async () => (await services[1]?.request("/drift/daily-reports?model_key=shared"))?.body;
    /** every drift check kept, whichever process ran it */
    const checks = async () =>
      (await services[0]?.db.selectFrom("drift_check_runs").select("id").where("model_key", "=", "shared").execute())
        ?.length;
    try {
      await fire("daily-drift-check");
      expect(await checks()).toBe(1);
      expect((await reports()).total).toBe(1);
      const claimed = await services[2]?.db.selectFrom("schedule_runs").selectAll().execute();
      expect(claimed?.map((r) => [r.schedule, r.slot])).toEqual([["daily-drift-check", "2026-03-01T23:00:00.000Z"]]);
      // a late timer of the same run (a busy process) does not run it again
      clock = new Date("2026-03-01T23:00:09.000Z");
      await fire("daily-drift-check");
      expect(await checks()).toBe(1);

      clock = new Date("2026-03-02T00:00:00.002Z");
      await fire("dataset-ttl");
      const sweeps = await services[0]?.db
        .selectFrom("schedule_runs")
        .selectAll()
        .where("schedule", "=", "dataset-ttl")
        .execute();
      expect(sweeps).toHaveLength(1);

      clock = new Date("2026-03-02T23:00:00.010Z");
      await sendTraffic(services[0] as Service, "shared", features(normalRows(1000, 43)));
      await fire("daily-drift-check");
      const runs = await services[0]?.db
        .selectFrom("schedule_runs")
        .select("claimed_by")
        .where("schedule", "=", "daily-drift-check")
        .execute();
      expect(runs).toHaveLength(2);
      expect(await checks()).toBe(2);
    } finally {
      for (const c of crons) c.schedules.stop();
    }
  });
});
