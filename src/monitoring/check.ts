/**
 * One model's drift check: the ACTIVE version's baseline against the inputs logged for that
 * version in the last 24 hours (a rolling window ending now: a manual re-check does not starve
 * the daily one, and every check of a day covers the same span), read from the columnar
 * prediction log (window.ts, loggedColumns). Statistics in drift.ts.
 *
 * Outcomes are always a result, never a crash: no ready version, no baseline (trained before
 * baselines existed), no traffic, too few rows or a feature missing from the traffic are
 * "undecided" with the reason. Every check is kept (history.ts), and the day's summary shows the
 * gravest check of the day, so a decided drift is never replaced by a later undecided check. On drift: an alert (warning; critical when half the features or
 * more drifted), `alerts:new`, and, if auto-retrain is on for the model, a retrain job.
 * `drift:check_completed` is published for every check.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { DriftWindowStore } from "../db/stores";
import type { EventBus } from "../events/bus";
import type { Logger } from "../log";
import { getModel } from "../registry/registry";
import type { ModelCache } from "../registry/serving";
import { raiseAlert } from "./alerts";
import type { Baseline } from "./baseline";
import { createDriftAccumulator, type DriftReport } from "./drift";
import { type CheckRecord, daySummary, insertCheck, noteCheckOutcome, summariseDay } from "./history";
import { autoRetrainFor, driftOptionsFor, modelSettings } from "./settings";
import { checkDate, loggedColumns } from "./window";

export const WINDOW_HOURS = 24;

/**
 * The last WINDOW_HOURS up to and including `now`. The end is exclusive, so it is one
 * millisecond past now: a prediction logged in the check's own millisecond (a fast client
 * predicting then checking at once) is in the window.
 */
export function trafficWindow(now: Date): { start: string; end: string } {
  return {
    start: new Date(now.getTime() - WINDOW_HOURS * 3_600_000).toISOString(),
    end: new Date(now.getTime() + 1).toISOString(),
  };
}

export interface DriftCheckDeps {
  db: Kysely<DB>;
  driftWindow: DriftWindowStore;
  config: Config;
  models: ModelCache;
  now: () => Date;
  bus?: EventBus | undefined;
  log?: Logger | undefined;
  /** writes buffered predictions first, so the window holds every answered request */
  flushLog?: (() => Promise<void>) | undefined;
  /** queues a retrain and returns its job id (null: one is already waiting); absent: never retrain */
  retrain?: ((modelKey: string, window: { start: string; end: string }) => Promise<string | null>) | undefined;
}

export interface DriftCheckResult {
  check_id: number;
  model_key: string;
  version: string | null;
  check_date: string;
  status: "decided" | "undecided";
  drifted: boolean | null;
  reason: string;
  rows: number;
  share_drifted: number;
  drifted_features: string[];
  window_start: string;
  window_end: string;
  report: DriftReport | null;
  alert_id: number | null;
  retrain_job_id: string | null;
  created_at: string;
}

declare module "../events/bus" {
  interface BusEvents {
    "drift:check_completed": Omit<DriftCheckResult, "report">;
  }
}

export async function runDriftCheck(
  deps: DriftCheckDeps,
  modelKey: string,
  o: { pageRows?: number; pageBatches?: number } = {},
): Promise<DriftCheckResult> {
  const model = await getModel(deps.db, modelKey);
  await deps.flushLog?.();
  const now = deps.now();
  const window = trafficWindow(now);
  const settings = await modelSettings(deps.db, modelKey);
  const options = driftOptionsFor(deps.config, settings);

  let report: DriftReport | null = null;
  let reason: string;
  const version = model.active_version;
  if (!version) reason = "no ready version to check";
  else {
    const loaded = await deps.models.load(modelKey, version);
    const baseline = loaded.artifact.baseline as Baseline | undefined;
    if (!baseline) reason = `version ${version} has no baseline (trained before baselines were saved): retrain it`;
    else {
      const acc = createDriftAccumulator(baseline, options);
      const spec = loaded.artifact.spec;
      for await (const columns of loggedColumns(deps.driftWindow, { modelKey, version, ...window }, spec, o)) {
        acc.add(columns);
      }
      if (acc.rows === 0) reason = `no traffic logged for version ${version} in the last ${WINDOW_HOURS} h`;
      else {
        report = acc.finish();
        reason = report.reason;
      }
    }
  }

  const date = checkDate(now, deps.config.ML_DRIFT_TIMEZONE);
  const previous = await daySummary(deps.db, modelKey, date);
  const drifted = report ? report.drifted : null;
  const values = {
    version,
    status: report?.decided ? ("decided" as const) : ("undecided" as const),
    drifted: drifted === null ? null : drifted ? (1 as const) : (0 as const),
    reason,
    rows: report?.rows ?? 0,
    share_drifted: report?.share_drifted ?? 0,
    window_start: window.start,
    window_end: window.end,
    report: JSON.stringify(report),
    created_at: now.toISOString(),
  };
  const record: CheckRecord = { model_key: modelKey, check_date: date, ...values };
  const saved = { id: await insertCheck(deps.db, record) };

  let alertId: number | null = null;
  let retrainJobId: string | null = null;
  // a second check the same day that finds the same drift does not alert or retrain again
  const repeat = previous?.drifted === 1 && previous.version === version;
  if (report?.drifted && version && !repeat) {
    const critical = report.share_drifted >= 0.5;
    const alert = await raiseAlert(deps, {
      type: "drift_detected",
      severity: critical ? "critical" : "warning",
      modelKey,
      version,
      message: `drift in ${modelKey} ${version}: ${report.reason} (${report.rows} rows, last ${WINDOW_HOURS} h)`,
      details: {
        check_id: saved.id,
        check_date: date,
        drifted_features: report.drifted_features,
        share_drifted: report.share_drifted,
        rows: report.rows,
      },
    });
    alertId = alert.id;
    if (deps.retrain && autoRetrainFor(deps.config, settings)) retrainJobId = await deps.retrain(modelKey, window);
    await noteCheckOutcome(deps.db, saved.id, { alert_id: alertId, retrain_job_id: retrainJobId });
  }
  await summariseDay(deps.db, saved.id, record);
  const result: DriftCheckResult = {
    check_id: saved.id,
    model_key: modelKey,
    check_date: date,
    ...values,
    drifted,
    drifted_features: report?.drifted_features ?? [],
    report,
    alert_id: alertId,
    retrain_job_id: retrainJobId,
  };
  const { report: _, ...event } = result;
  deps.bus?.publish("drift:check_completed", event);
  deps.log?.info("drift check", { model_key: modelKey, version, status: values.status, drifted, reason });
  return result;
}

/** Every model with a ready version, one after another; a model whose check fails is reported, not fatal. */
export async function runAllDriftChecks(deps: DriftCheckDeps) {
  const models = await deps.db.selectFrom("models").select("model_key").orderBy("model_key").execute();
  const results: DriftCheckResult[] = [];
  const errors: { model_key: string; error: string }[] = [];
  for (const { model_key } of models) {
    try {
      results.push(await runDriftCheck(deps, model_key));
    } catch (e) {
      errors.push({ model_key, error: (e as Error).message });
      deps.log?.error("drift check failed", { model_key, error: (e as Error).message });
    }
  }
  return { results, errors };
}
