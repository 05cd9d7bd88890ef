/**
 * The schedules `serve` runs, with croner:
 *   daily drift check   ML_DAILY_DRIFT_CHECK_TIME (HH:MM) in ML_DRIFT_TIMEZONE, every model
 *   dataset TTL sweep   hourly, on the hour (cleanupExpiredDatasets)
 *   retention sweep     hourly, at minute 30: old predictions and audit events (retention.ts)
 *   alert checks        every minute, at second 20: high error rate, queue backup (alert-checks.ts)
 *   job pick-up         every 30 s the runner looks for queued jobs, so a retrain queued by
 *                       another process (the drift-check CLI or its systemd timer) starts soon
 * A run that is still going when the next is due is skipped (croner's `protect`), and a
 * failing run is logged, never fatal. The Cron factory is injectable: a test captures the
 * ticks and the pattern, computes the next run with croner itself, and calls the tick at once.
 */
import { Cron } from "croner";
import { cleanupExpiredDatasets, type DatasetDeps } from "../datasets/store";
import type { Logger } from "../log";
import { type DriftCheckDeps, runAllDriftChecks } from "./check";
import { type RetentionDeps, sweepRetention } from "./retention";

export interface ScheduledJob {
  nextRun(from?: Date): Date | null;
  stop(): void;
}

export type CronFactory = (
  pattern: string,
  options: { name: string; timezone?: string },
  tick: () => Promise<void>,
) => ScheduledJob;

export const croner: CronFactory = (pattern, options, tick) =>
  new Cron(pattern, { ...options, protect: true }, async () => {
    await tick();
  });

/** "23:05" → the croner pattern "0 5 23 * * *" (second, minute, hour, every day). */
export function dailyPattern(hhmm: string): string {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return `0 ${m} ${h} * * *`;
}

export interface ScheduleDeps {
  config: { ML_DAILY_DRIFT_CHECK_TIME: string; ML_DRIFT_TIMEZONE: string };
  log: Logger;
  dailyDriftCheck: () => Promise<unknown>;
  cleanupDatasets: () => Promise<unknown>;
  sweepRetention: () => Promise<unknown>;
  kickJobs?: () => void;
  alertChecks?: () => Promise<unknown>;
  cron?: CronFactory;
}

export interface Schedules {
  driftCheck: ScheduledJob;
  datasetCleanup: ScheduledJob;
  retention: ScheduledJob;
  stop(): void;
}

export function startSchedules(deps: ScheduleDeps): Schedules {
  const cron = deps.cron ?? croner;
  const guarded = (name: string, work: () => Promise<unknown>) => async () => {
    const started = performance.now();
    try {
      await work();
      deps.log.info("scheduled run done", { schedule: name, seconds: (performance.now() - started) / 1000 });
    } catch (e) {
      deps.log.error("scheduled run failed", { schedule: name, error: (e as Error).message });
    }
  };
  const driftCheck = cron(
    dailyPattern(deps.config.ML_DAILY_DRIFT_CHECK_TIME),
    { name: "daily-drift-check", timezone: deps.config.ML_DRIFT_TIMEZONE },
    guarded("daily-drift-check", deps.dailyDriftCheck),
  );
  const datasetCleanup = cron("0 0 * * * *", { name: "dataset-ttl" }, guarded("dataset-ttl", deps.cleanupDatasets));
  // half past: not in the same minute as the dataset sweep and the hourly jobs of other tools
  const retention = cron("0 30 * * * *", { name: "retention" }, guarded("retention", deps.sweepRetention));
  const kick = deps.kickJobs;
  const pickUp = kick ? cron("*/30 * * * * *", { name: "job-pickup" }, async () => kick()) : null;
  const alertChecks = deps.alertChecks;
  // every minute, logged only when it fails (a line a minute would drown the log)
  const alerts = alertChecks
    ? cron("20 * * * * *", { name: "alert-checks" }, async () => {
        try {
          await alertChecks();
        } catch (e) {
          deps.log.error("scheduled run failed", { schedule: "alert-checks", error: (e as Error).message });
        }
      })
    : null;
  deps.log.info("schedules started", {
    daily_drift_check: driftCheck.nextRun()?.toISOString() ?? null,
    timezone: deps.config.ML_DRIFT_TIMEZONE,
  });
  return {
    driftCheck,
    datasetCleanup,
    retention,
    stop: () => {
      driftCheck.stop();
      datasetCleanup.stop();
      retention.stop();
      pickUp?.stop();
      alerts?.stop();
    },
  };
}

/** The schedules of a running service: checks through the runtime's drift wiring. */
export function startServiceSchedules(s: {
  config: ScheduleDeps["config"] & DatasetDeps["config"] & RetentionDeps["config"];
  db: DatasetDeps["db"];
  log: Logger;
  drift: DriftCheckDeps;
  kickJobs: () => void;
  alertChecks?: () => Promise<unknown>;
  now?: () => Date;
  cron?: CronFactory;
}): Schedules {
  const now = s.now ?? (() => new Date());
  return startSchedules({
    config: s.config,
    log: s.log,
    dailyDriftCheck: () => runAllDriftChecks(s.drift),
    cleanupDatasets: () => cleanupExpiredDatasets({ db: s.db, config: s.config, now }),
    sweepRetention: async () => {
      const swept = await sweepRetention({ db: s.db, config: s.config, now });
      s.log.info("retention sweep", { ...swept });
    },
    kickJobs: s.kickJobs,
    ...(s.alertChecks ? { alertChecks: s.alertChecks } : {}),
    ...(s.cron ? { cron: s.cron } : {}),
  });
}
