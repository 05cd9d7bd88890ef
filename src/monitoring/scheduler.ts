/**
 * The schedules `serve` runs, with croner:
 *   daily drift check   ML_DAILY_DRIFT_CHECK_TIME (HH:MM) in ML_DRIFT_TIMEZONE, every model
 *   dataset TTL sweep   hourly, on the hour (cleanupExpiredDatasets)
 *   retention sweep     hourly, at minute 30: old predictions and audit events (retention.ts)
 *   alert checks        every minute, at second 20: high error rate, queue backup (alert-checks.ts)
 * A run that is still going when the next is due is skipped (croner's `protect`), and a
 * failing run is logged, never fatal. With `claim` (every service does), each run of the first
 * four happens once across all the processes and replicas that share the database
 * (schedule-claim.ts): a process runs it only when it claimed that run's slot. The Cron factory is injectable: a test captures the
 * ticks and the pattern, computes the next run with croner itself, and calls the tick at once.
 */
import { Cron } from "croner";
import { cleanupExpiredDatasets, type DatasetDeps } from "../datasets/store";
import { processId } from "../jobs/lease";
import type { Logger } from "../log";
import { type DriftCheckDeps, runAllDriftChecks } from "./check";
import { type RetentionDeps, sweepRetention } from "./retention";
import { claimScheduleRun, slotOf } from "./schedule-claim";

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
  alertChecks?: () => Promise<unknown>;
  cron?: CronFactory;
  /** true for the one process that runs `schedule`'s run at `slot`; absent: every tick runs */
  claim?: (schedule: string, slot: Date) => Promise<boolean>;
  /** the clock a tick reads to know which run it is (tests inject one) */
  now?: () => Date;
}

export interface Schedules {
  driftCheck: ScheduledJob;
  datasetCleanup: ScheduledJob;
  retention: ScheduledJob;
  stop(): void;
}

export function startSchedules(deps: ScheduleDeps): Schedules {
  const cron = deps.cron ?? croner;
  const now = deps.now ?? (() => new Date());
  /** whether this process runs this tick of `name`: it claimed the tick's slot, or nothing is shared */
  const mine = async (name: string, pattern: string, timezone?: string) =>
    !deps.claim || (await deps.claim(name, slotOf(pattern, timezone, now())));
  const guarded = (name: string, pattern: string, work: () => Promise<unknown>, timezone?: string) => async () => {
    const started = performance.now();
    try {
      if (!(await mine(name, pattern, timezone))) return;
      await work();
      deps.log.info("scheduled run done", { schedule: name, seconds: (performance.now() - started) / 1000 });
    } catch (e) {
      deps.log.error("scheduled run failed", { schedule: name, error: (e as Error).message });
    }
  };
  const daily = dailyPattern(deps.config.ML_DAILY_DRIFT_CHECK_TIME);
  const timezone = deps.config.ML_DRIFT_TIMEZONE;
  const driftCheck = cron(
    daily,
    { name: "daily-drift-check", timezone },
    guarded("daily-drift-check", daily, deps.dailyDriftCheck, timezone),
  );
  const hourly = "0 0 * * * *";
  const datasetCleanup = cron(hourly, { name: "dataset-ttl" }, guarded("dataset-ttl", hourly, deps.cleanupDatasets));
  // half past: not in the same minute as the dataset sweep and the hourly jobs of other tools
  const halfPast = "0 30 * * * *";
  const retention = cron(halfPast, { name: "retention" }, guarded("retention", halfPast, deps.sweepRetention));
  const alertChecks = deps.alertChecks;
  // every minute, logged only when it fails (a line a minute would drown the log)
  const minutely = "20 * * * * *";
  const alerts = alertChecks
    ? cron(minutely, { name: "alert-checks" }, async () => {
        try {
          if (!(await mine("alert-checks", minutely))) return;
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
  alertChecks?: () => Promise<unknown>;
  /** the process id runs are claimed under (the job runner's); each run happens once across processes */
  owner?: string;
  now?: () => Date;
  cron?: CronFactory;
}): Schedules {
  const now = s.now ?? (() => new Date());
  const owner = s.owner ?? processId();
  return startSchedules({
    config: s.config,
    log: s.log,
    dailyDriftCheck: () => runAllDriftChecks(s.drift),
    cleanupDatasets: () => cleanupExpiredDatasets({ db: s.db, config: s.config, now }),
    sweepRetention: async () => {
      const swept = await sweepRetention({ db: s.db, config: s.config, now });
      s.log.info("retention sweep", { ...swept });
    },
    ...(s.alertChecks ? { alertChecks: s.alertChecks } : {}),
    ...(s.cron ? { cron: s.cron } : {}),
    now,
    claim: (schedule, slot) => claimScheduleRun(s.db, { schedule, slot, owner, now: now() }),
  });
}
