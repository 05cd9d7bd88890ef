/**
 * The periodic alert checks `serve` runs every minute (scheduler.ts), and tests call directly
 * with their own clock:
 * - high_error_rate: the share of prediction requests (POST /predict, from the audit log) that
 *   failed in the last ML_ALERT_ERROR_RATE_WINDOW_MINUTES is above ML_ALERT_ERROR_RATE_THRESHOLD,
 *   judged once ML_ALERT_ERROR_RATE_MIN_REQUESTS came in. Failed: any answer of 400 or more
 *   except 401, 403 and 429 (refused callers, not failed predictions).
 * - queue_backup: a job has waited in the queue longer than ML_ALERT_QUEUE_WAIT_SECONDS.
 * A condition that holds while its alert is still open raises nothing new: one alert until
 * someone dismisses it.
 */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { AlertType } from "../db/tables/monitoring";
import type { EventBus } from "../events/bus";
import { EventLog } from "../events/log";
import { requestsOf, SUMMARY_PREFIX } from "../events/rejections";
import { type AlertView, raiseAlert } from "./alerts";

export interface AlertCheckDeps {
  db: Kysely<DB>;
  bus?: EventBus | undefined;
  now: () => Date;
  config: Pick<
    Config,
    | "ML_ALERT_ERROR_RATE_THRESHOLD"
    | "ML_ALERT_ERROR_RATE_WINDOW_MINUTES"
    | "ML_ALERT_ERROR_RATE_MIN_REQUESTS"
    | "ML_ALERT_QUEUE_WAIT_SECONDS"
  >;
}

/** The routes whose answers count as prediction requests (matched route patterns). */
export const PREDICTION_ROUTES = ["/predict"];
/** Answers that refuse the caller rather than fail the prediction. */
const NOT_FAILURES = [401, 403, 429];

async function hasOpenAlert(db: Kysely<DB>, type: AlertType): Promise<boolean> {
  const row = await db
    .selectFrom("alerts")
    .select("id")
    .where("type", "=", type)
    .where("dismissed_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Prediction requests and failed ones in [from, to). */
export async function predictionErrorCounts(db: Kysely<DB>, from: Date, to: Date) {
  const row = await db
    .selectFrom("events")
    .select((eb) => [
      eb.fn.countAll<number>().as("total"),
      eb.fn
        .sum<number | null>(
          sql<number>`CASE WHEN ${eb.ref("status")} >= 400 AND ${eb.ref("status")} NOT IN (${sql.join(NOT_FAILURES)}) THEN 1 ELSE 0 END`,
        )
        .as("failed"),
    ])
    .where("time", ">=", from.toISOString())
    .where("time", "<", to.toISOString())
    .where("method", "=", "POST")
    .where("route", "in", PREDICTION_ROUTES)
    .where("status", "is not", null)
    .executeTakeFirstOrThrow();
  // a flood of like requests is one event plus one summary per window (src/events/rejections.ts): a summary stands for its count
  const summaries = await db
    .selectFrom("events")
    .select(["status", "input"])
    .where("time", ">=", from.toISOString())
    .where("time", "<", to.toISOString())
    .where("method", "=", "POST")
    .where("route", "in", PREDICTION_ROUTES)
    .where("status", "is not", null)
    .where("input", "like", `${SUMMARY_PREFIX}%`)
    .execute();
  let total = Number(row.total);
  let failed = Number(row.failed ?? 0);
  for (const s of summaries) {
    const extra = requestsOf(s.input) - 1;
    total += extra;
    if (isFailure(s.status ?? 0)) failed += extra;
  }
  return { total, failed };
}

const isFailure = (status: number) => status >= 400 && !NOT_FAILURES.includes(status);

export async function checkErrorRate(deps: AlertCheckDeps): Promise<AlertView | null> {
  const c = deps.config;
  if (c.ML_ALERT_ERROR_RATE_THRESHOLD >= 1) return null;
  // request events are written in batches: what waits must count
  await EventLog.flushAll();
  const now = deps.now();
  // the window ends just after now, so a request in this very millisecond counts
  const to = new Date(now.getTime() + 1);
  const from = new Date(to.getTime() - c.ML_ALERT_ERROR_RATE_WINDOW_MINUTES * 60_000);
  const { total, failed } = await predictionErrorCounts(deps.db, from, to);
  if (total < c.ML_ALERT_ERROR_RATE_MIN_REQUESTS) return null;
  const rate = failed / total;
  if (rate <= c.ML_ALERT_ERROR_RATE_THRESHOLD) return null;
  if (await hasOpenAlert(deps.db, "high_error_rate")) return null;
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return raiseAlert(deps, {
    type: "high_error_rate",
    severity: rate >= 0.5 ? "critical" : "warning",
    modelKey: null,
    version: null,
    message: `${pct(rate)} of prediction requests failed in the last ${c.ML_ALERT_ERROR_RATE_WINDOW_MINUTES} min (${failed} of ${total}; threshold ${pct(c.ML_ALERT_ERROR_RATE_THRESHOLD)})`,
    details: {
      failed,
      total,
      error_rate: rate,
      threshold: c.ML_ALERT_ERROR_RATE_THRESHOLD,
      window_start: from.toISOString(),
      window_end: to.toISOString(),
    },
  });
}

export async function checkQueueBackup(deps: AlertCheckDeps): Promise<AlertView | null> {
  const waitS = deps.config.ML_ALERT_QUEUE_WAIT_SECONDS;
  if (waitS === 0) return null;
  const now = deps.now();
  const cutoff = new Date(now.getTime() - waitS * 1000).toISOString();
  const waiting = deps.db.selectFrom("jobs").where("status", "=", "queued").where("created_at", "<", cutoff);
  const { n } = await waiting.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  if (Number(n) === 0) return null;
  if (await hasOpenAlert(deps.db, "queue_backup")) return null;
  const oldest = await waiting.select(["id", "type", "created_at"]).orderBy("created_at").executeTakeFirstOrThrow();
  const waitedS = Math.round((now.getTime() - Date.parse(oldest.created_at)) / 1000);
  return raiseAlert(deps, {
    type: "queue_backup",
    severity: "warning",
    modelKey: null,
    version: null,
    message: `${n} job(s) waited in the queue longer than ${waitS} s; the oldest (${oldest.id}, ${oldest.type}) for ${waitedS} s`,
    details: {
      waiting_jobs: Number(n),
      oldest_job_id: oldest.id,
      oldest_job_type: oldest.type,
      oldest_waited_s: waitedS,
      threshold_s: waitS,
    },
  });
}

/** Both checks; what each raised (null: nothing new). */
export async function runAlertChecks(deps: AlertCheckDeps) {
  return { high_error_rate: await checkErrorRate(deps), queue_backup: await checkQueueBackup(deps) };
}
