/**
 * Retention: old predictions, batches and audit events go in bounded batches, recent ones and
 * labelled predictions stay, security events stay longer, drift checks still decide after a
 * sweep, and /metrics reports the database size.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { createLogger } from "../../src/log";
import { sweepRetention } from "../../src/monitoring/retention";
import { type CronFactory, startServiceSchedules } from "../../src/monitoring/scheduler";
import { testApp } from "../helpers";
import { startService } from "../ml-service/helpers";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

type Deps = ReturnType<typeof testApp>["deps"];

async function logPrediction(deps: Deps, at: string): Promise<number> {
  const { id } = await deps.db
    .insertInto("predictions")
    .values({ model_key: "m", version: "1.0.0", created_at: at, input: '{"x":1}', prediction: '"a"' })
    .returning("id")
    .executeTakeFirstOrThrow();
  await deps.db
    .insertInto("prediction_batches")
    .values({
      model_key: "m",
      version: "1.0.0",
      first_prediction_id: id,
      last_prediction_id: id,
      created_from: at,
      created_to: at,
      row_count: 1,
      columns: "[]",
      data: new Uint8Array(0),
    })
    .execute();
  return id;
}

async function audit(deps: Deps, at: string, type: string, suspicious = 0) {
  await deps.db.insertInto("events").values({ time: at, type, source: "api", suspicious }).execute();
}

const count = async (deps: Deps, table: "predictions" | "prediction_batches" | "events") =>
  Number(
    (
      await deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

const eventTypes = async (deps: Deps) =>
  (await deps.db.selectFrom("events").select(["type", "time"]).orderBy("time").execute()).map((e) => e.type);

describe("sweepRetention", () => {
  test("deletes predictions and batches past ML_PREDICTION_RETENTION_DAYS in batches, keeps recent and labelled ones", async () => {
    const { deps } = testApp({ ML_PREDICTION_RETENTION_DAYS: "90" });
    for (let i = 0; i < 7; i++) await logPrediction(deps, daysAgo(100 + i));
    const labelled = await logPrediction(deps, daysAgo(200));
    await deps.db
      .insertInto("feedback")
      .values({ prediction_id: labelled, model_key: "m", label: '"b"', created_at: daysAgo(199) })
      .execute();
    const recent = await logPrediction(deps, daysAgo(89));

    const swept = await sweepRetention({ ...deps, batchRows: 3 }, NOW);
    expect(swept).toMatchObject({ predictions: 7, prediction_batches: 8 });
    const left = await deps.db.selectFrom("predictions").select("id").orderBy("id").execute();
    expect(left.map((p) => p.id)).toEqual([labelled, recent]);
    expect(await count(deps, "prediction_batches")).toBe(1);
    // a second sweep finds nothing more
    expect(await sweepRetention(deps, NOW)).toMatchObject({ predictions: 0, prediction_batches: 0 });
  });

  test("request audit events go after ML_AUDIT_RETENTION_DAYS, security events only after ML_SECURITY_AUDIT_RETENTION_DAYS", async () => {
    const { deps } = testApp({ ML_AUDIT_RETENTION_DAYS: "30", ML_SECURITY_AUDIT_RETENTION_DAYS: "365" });
    await audit(deps, daysAgo(400), "auth:login_failed");
    await audit(deps, daysAgo(300), "http:request");
    await audit(deps, daysAgo(200), "auth:login_failed");
    await audit(deps, daysAgo(100), "users:update");
    await audit(deps, daysAgo(60), "auth:token_created");
    await audit(deps, daysAgo(50), "http:request", 1);
    await audit(deps, daysAgo(40), "http:request");
    await audit(deps, daysAgo(10), "http:request");

    const swept = await sweepRetention({ ...deps, batchRows: 1 }, NOW);
    expect(swept).toMatchObject({ events: 2, security_events: 1 });
    expect(await eventTypes(deps)).toEqual([
      "auth:login_failed",
      "users:update",
      "auth:token_created",
      "http:request", // flagged suspicious: a security event
      "http:request",
    ]);
  });

  test("shadow predictions go at the predictions' age, except those whose live prediction was labelled", async () => {
    const { deps } = testApp({ ML_PREDICTION_RETENTION_DAYS: "90" });
    const shadowOf = (prediction_id: number, at: string) =>
      deps.db
        .insertInto("shadow_predictions")
        .values({
          prediction_id,
          model_key: "m",
          version: "1.1.0",
          live_version: "1.0.0",
          prediction: '"a"',
          confidence: 0.9,
          live_prediction: '"a"',
          created_at: at,
        })
        .execute();
    for (const [id, days] of [
      [1, 100],
      [2, 120],
      [3, 100],
      [4, 10],
    ] as const) {
      await shadowOf(id, daysAgo(days));
    }
    await deps.db
      .insertInto("feedback")
      .values({ prediction_id: 3, model_key: "m", label: '"a"', created_at: daysAgo(99) })
      .execute();
    expect((await sweepRetention(deps, NOW)).shadow_predictions).toBe(2);
    const left = await deps.db
      .selectFrom("shadow_predictions")
      .select("prediction_id")
      .orderBy("prediction_id")
      .execute();
    expect(left.map((r) => r.prediction_id)).toEqual([3, 4]);
  });

  test("0 days keeps a kind for ever", async () => {
    const { deps } = testApp({
      ML_PREDICTION_RETENTION_DAYS: "0",
      ML_AUDIT_RETENTION_DAYS: "0",
      ML_SECURITY_AUDIT_RETENTION_DAYS: "0",
    });
    await logPrediction(deps, daysAgo(5000));
    await audit(deps, daysAgo(5000), "http:request");
    await audit(deps, daysAgo(5000), "auth:login");
    expect(await sweepRetention(deps, NOW)).toEqual({
      predictions: 0,
      prediction_batches: 0,
      shadow_predictions: 0,
      events: 0,
      security_events: 0,
    });
    expect(await count(deps, "events")).toBe(2);
  });

  test("runs hourly from the service schedules", async () => {
    const { deps } = testApp({ ML_AUDIT_RETENTION_DAYS: "1" });
    await audit(deps, daysAgo(2), "http:request");
    const ticks = new Map<string, { pattern: string; tick: () => Promise<void> }>();
    const cron: CronFactory = (pattern, options, tick) => {
      ticks.set(options.name, { pattern, tick });
      const c = new Cron(pattern, { paused: true });
      return { nextRun: (from) => c.nextRun(from), stop: () => c.stop() };
    };
    const schedules = startServiceSchedules({
      config: deps.config,
      db: deps.db,
      log: createLogger("error", () => {}),
      drift: {} as never,
      now: () => NOW,
      cron,
    });
    try {
      expect(ticks.get("retention")?.pattern).toBe("0 30 * * * *");
      await ticks.get("retention")?.tick();
      expect(await count(deps, "events")).toBe(0);
    } finally {
      schedules.stop();
    }
  });
});

describe("after a sweep, through the service", () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService({ ML_DRIFT_MIN_ROWS: "200" });
    await trainModel(svc, "kept", normalRows(1000, 31));
  }, 60_000);
  afterAll(() => svc.close());

  test("a drift check still decides on the recent window; /metrics reports the database size", async () => {
    const old = await sendTraffic(svc, "kept", features(normalRows(800, 32)));
    // 200 days ago: past the default 90 days
    const then = new Date(Date.now() - 200 * DAY).toISOString();
    await svc.db.updateTable("predictions").set({ created_at: then }).where("id", "in", old).execute();
    await svc.db.updateTable("prediction_batches").set({ created_from: then, created_to: then }).execute();
    await sendTraffic(svc, "kept", features(normalRows(400, 33)));

    const before = (await svc.request("/metrics")).text;
    const bytes = Number(/^mlservice_database_bytes (\d+)$/m.exec(before)?.[1]);
    expect(bytes).toBeGreaterThan(0);

    const swept = await sweepRetention({ db: svc.db, config: svc.config });
    expect(swept.predictions).toBe(800);
    expect(swept.prediction_batches).toBeGreaterThan(0);

    const res = await svc.request("/drift/check", { json: { model_key: "kept" } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("decided");
    expect(res.body.rows).toBe(400);
    expect(res.body.drifted).toBe(false);

    const after = (await svc.request("/metrics")).text;
    expect(Number(/^mlservice_database_free_bytes (\d+)$/m.exec(after)?.[1])).toBeGreaterThan(0);
  }, 60_000);
});
