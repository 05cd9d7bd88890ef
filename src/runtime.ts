/**
 * The service's moving parts beside the HTTP app: the job runner and its handlers, the models
 * that serve, the prediction log and the backend for large prediction batches. `serve` starts
 * and stops it; tests build one over an in-memory database.
 */

import type { Kysely } from "kysely";
import type { Backend } from "./compute/backend";
import { setNativeForward } from "./compute/native/small-forward";
import { computeOptions, openCpu } from "./compute/pick";
import type { Config, Role } from "./config";
import { isPostgres } from "./db/dialect";
import type { DB } from "./db/schema";
import type { DbStores } from "./db/stores";
import type { JobType } from "./db/tables/models";
import type { EventBus } from "./events/bus";
import { driftCheckDeps, driftHandler } from "./jobs/drift";
import { predictHandler } from "./jobs/predict";
import type { JobRow } from "./jobs/queue";
import { retrainHandler } from "./jobs/retrain";
import { ALL_JOB_TYPES, JobRunner } from "./jobs/runner";
import { trainHandler } from "./jobs/train";
import type { Logger } from "./log";
import { runAlertChecks } from "./monitoring/alert-checks";
import { raiseAlert } from "./monitoring/alerts";
import type { DriftCheckDeps } from "./monitoring/check";
import { PredictionLog } from "./monitoring/prediction-log";
import { ShadowTraffic } from "./monitoring/shadow-traffic";
import { AlertDelivery } from "./monitoring/webhooks/delivery";
import { syncEnvWebhooks } from "./monitoring/webhooks/webhooks";
import { ModelCache } from "./registry/serving";
import { artifactStore } from "./storage/open";

export interface RuntimeDeps {
  config: Config;
  db: Kysely<DB>;
  stores: DbStores;
  log: Logger;
  bus: EventBus;
  now: () => Date;
  /** how often the active versions are re-read (FOLLOW_MS; a test sets it far off to see the event alone) */
  followMs?: number;
}

/** How often a process re-reads which versions are active (a switch elsewhere reaches it within this). */
export const FOLLOW_MS = 250;

export interface RuntimeStartOptions {
  /**
   * The process that syncs ML_ALERT_WEBHOOK_URLS into the database (default): a sibling under
   * ML_HTTP_PROCESSES passes false, its first process has done it.
   */
  primary?: boolean;
  /**
   * Whether this process runs jobs (default true). Past a box's ML_JOB_PROCESSES it does not: it
   * queues them and hands the kick to the processes that run them (JobRunner.forward).
   */
  runsJobs?: boolean;
}

export interface Runtime {
  jobs: JobRunner;
  models: ModelCache;
  predictionLog: PredictionLog;
  /** copies of live traffic for each model's shadow, predicted off the response path */
  shadow: ShadowTraffic;
  /** what a drift check in this process uses (queues retrains and starts them) */
  drift: DriftCheckDeps;
  /** the CPU backend for prediction batches past the host path, opened on first use */
  servingBackend: () => Promise<Backend>;
  /** sends new alerts to the webhooks (started by `start`) and the "send test" action */
  alertDelivery: AlertDelivery;
  /** the periodic checks that raise high_error_rate and queue_backup (scheduled by `serve`) */
  checkAlerts: () => ReturnType<typeof runAlertChecks>;
  /**
   * Syncs ML_ALERT_WEBHOOK_URLS (a bad one throws a ConfigError; the primary process only) and
   * starts jobs (each process that runs them claims under its lease), alert delivery, and following
   * the active versions.
   */
  start(options?: RuntimeStartOptions): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/** The job types a process with these ML_ROLES claims: fits only where `train` is one. */
export function jobTypesFor(roles: readonly Role[]): JobType[] {
  return roles.includes("train") ? [...ALL_JOB_TYPES] : ALL_JOB_TYPES.filter((t) => t !== "train" && t !== "retrain");
}

/** A fit's time limit: its request's max_training_time_s, else ML_TRAIN_TIMEOUT_S (0: none); other jobs have none. */
function trainingTimeLimit(job: JobRow, configured: number): number | null {
  if (job.type !== "train" && job.type !== "retrain") return null;
  const p = JSON.parse(job.params) as { max_training_time_s?: unknown; train?: { max_training_time_s?: unknown } };
  const asked = job.type === "train" ? p.max_training_time_s : p.train?.max_training_time_s;
  if (typeof asked === "number" && asked > 0) return asked;
  return configured > 0 ? configured : null;
}

export function createRuntime(deps: RuntimeDeps): Runtime {
  const models = new ModelCache(deps.db, artifactStore(deps.config));
  const predictionLog = new PredictionLog(deps.stores.predictionLog, deps.log, {
    now: deps.now,
    flushMs: deps.config.ML_PREDICTION_LOG_FLUSH_MS,
    batch: deps.config.ML_PREDICTION_LOG_MAX_ROWS,
  });
  let backend: Promise<Backend> | null = null;
  let follow: ReturnType<typeof setTimeout> | null = null;
  const followMs = deps.followMs ?? FOLLOW_MS;
  let offActivated = () => {};
  let following: Promise<void> | null = null;
  let again = false;
  /** Re-reads the active versions; one read at a time, and a call during one runs another after it. */
  const followNow = (): Promise<void> => {
    if (following) {
      again = true;
      return following;
    }
    following = (async () => {
      do {
        again = false;
        try {
          await models.refresh((model_key, version, error) =>
            deps.log.error("active version not loaded", { model_key, version, error: error.message }),
          );
        } catch (e) {
          deps.log.error("following active versions failed", { error: (e as Error).message });
        }
      } while (again);
    })().finally(() => {
      following = null;
    });
    return following;
  };
  // ML_COMPUTE=cpu-wasm runs no native code: served requests take the TypeScript pass too
  setNativeForward(computeOptions(deps.config).compute !== "cpu-wasm");
  const servingBackend = () => {
    // the CPU ML_COMPUTE names for serving: native unless cpu-wasm (wasm when native cannot run)
    const opts = computeOptions(deps.config);
    const compute = opts.compute === "cpu-native" || opts.compute === "cpu-wasm" ? opts.compute : "cpu";
    backend ??= openCpu({ ...opts, compute }).then((c) => c.backend);
    return backend;
  };
  const shadow = new ShadowTraffic({ db: deps.db, models, servingBackend, log: deps.log, now: deps.now });
  const jobs = new JobRunner({
    db: deps.db,
    log: deps.log,
    bus: deps.bus,
    maxWorkers: deps.config.ML_MAX_WORKERS_LIMIT,
    now: deps.now,
    timeLimitS: (job) => trainingTimeLimit(job, deps.config.ML_TRAIN_TIMEOUT_S),
    lease: {
      leaseS: deps.config.ML_JOB_LEASE_S,
      maxAttempts: deps.config.ML_JOB_MAX_ATTEMPTS,
      // PostgreSQL: claimers pass over a candidate another replica has locked instead of queueing on it
      skipLocked: isPostgres(deps.db),
    },
    types: jobTypesFor(deps.config.ML_ROLES),
  });
  jobs.handle("train", trainHandler({ ...deps, models }));
  jobs.handle(
    "predict",
    predictHandler({ db: deps.db, config: deps.config, now: deps.now, models, predictionLog, servingBackend, shadow }),
  );
  const drift = driftCheckDeps({
    ...deps,
    driftWindow: deps.stores.driftWindow,
    models,
    flushLog: () => predictionLog.flush(),
    kick: () => jobs.kick(),
  });
  jobs.handle("retrain", retrainHandler({ ...deps, models }));
  jobs.handle("drift", driftHandler(drift));
  // a fit that fails is an alert, whichever job ran it (cancelled jobs are not failures)
  const offFailed = deps.bus.subscribe("queue:task_completed", (e) => {
    if (e.status !== "failed" || (e.type !== "train" && e.type !== "retrain")) return;
    void raiseAlert(deps, {
      type: "training_failed",
      severity: "warning",
      modelKey: e.model_key,
      version: e.version,
      message: `${e.type} of ${e.model_key} ${e.version} failed: ${e.error}`,
      details: { job_id: e.job_id, job_type: e.type, error: e.error },
    }).catch((err) => deps.log.error("alert not saved", { error: String(err) }));
  });
  const alertDelivery = new AlertDelivery(deps);
  return {
    jobs,
    models,
    predictionLog,
    shadow,
    drift,
    servingBackend,
    alertDelivery,
    checkAlerts: () => runAlertChecks(deps),
    start: async (options = {}) => {
      if (options.primary !== false) {
        const envHooks = await syncEnvWebhooks(deps);
        if (envHooks.length > 0 && !deps.config.ML_ALERT_WEBHOOK_SECRET) {
          deps.log.warn("ML_ALERT_WEBHOOK_URLS deliveries are unsigned: set ML_ALERT_WEBHOOK_SECRET");
        }
      }
      if (options.runsJobs === false) jobs.forward();
      else await jobs.start();
      alertDelivery.start();
      const tick = async () => {
        await followNow();
        if (follow) follow = setTimeout(tick, followMs).unref();
      };
      follow = setTimeout(tick, followMs).unref();
      // a switch another process or replica made reaches this one at once; the poll is the fallback
      offActivated = deps.bus.subscribe("models:activated", () => void followNow(), { remote: true });
    },
    stop: async (graceMs) => {
      if (follow) clearTimeout(follow);
      follow = null;
      offActivated();
      await jobs.stop(graceMs);
      await alertDelivery.stop();
      offFailed();
      await shadow.drain();
      await predictionLog.stop();
      if (backend) (await backend).dispose();
    },
  };
}
