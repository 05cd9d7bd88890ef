/**
 * The service's moving parts beside the HTTP app: the job runner and its handlers, the models
 * that serve, the prediction log and the backend for large prediction batches. `serve` starts
 * and stops it; tests build one over an in-memory database.
 */
import type { Kysely } from "kysely";
import type { Backend } from "./compute/backend";
import { computeOptions, openCpu } from "./compute/pick";
import type { Config } from "./config";
import type { DB } from "./db/schema";
import type { DbStores } from "./db/stores";
import type { EventBus } from "./events/bus";
import { driftCheckDeps, driftHandler } from "./jobs/drift";
import { predictHandler } from "./jobs/predict";
import { retrainHandler } from "./jobs/retrain";
import { JobRunner } from "./jobs/runner";
import { trainHandler } from "./jobs/train";
import type { Logger } from "./log";
import { raiseAlert } from "./monitoring/alerts";
import type { DriftCheckDeps } from "./monitoring/check";
import { PredictionLog } from "./monitoring/prediction-log";
import { ModelCache } from "./registry/serving";
import { artifactStore } from "./storage/open";

export interface RuntimeDeps {
  config: Config;
  db: Kysely<DB>;
  stores: DbStores;
  log: Logger;
  bus: EventBus;
  now: () => Date;
}

export interface Runtime {
  jobs: JobRunner;
  models: ModelCache;
  predictionLog: PredictionLog;
  /** what a drift check in this process uses (queues retrains and starts them) */
  drift: DriftCheckDeps;
  /** the CPU backend for prediction batches past the host path, opened on first use */
  servingBackend: () => Promise<Backend>;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export function createRuntime(deps: RuntimeDeps): Runtime {
  const models = new ModelCache(deps.db, artifactStore(deps.config));
  const predictionLog = new PredictionLog(deps.stores.predictionLog, deps.log, { now: deps.now });
  let backend: Promise<Backend> | null = null;
  const servingBackend = () => {
    // the CPU ML_COMPUTE names for serving: native unless cpu-wasm (wasm when native cannot run)
    const opts = computeOptions(deps.config);
    const compute = opts.compute === "cpu-native" || opts.compute === "cpu-wasm" ? opts.compute : "cpu";
    backend ??= openCpu({ ...opts, compute }).then((c) => c.backend);
    return backend;
  };
  const jobs = new JobRunner({
    db: deps.db,
    log: deps.log,
    bus: deps.bus,
    maxWorkers: deps.config.ML_MAX_WORKERS_LIMIT,
    now: deps.now,
  });
  jobs.handle("train", trainHandler({ ...deps, models }));
  jobs.handle(
    "predict",
    predictHandler({ db: deps.db, config: deps.config, now: deps.now, models, predictionLog, servingBackend }),
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
  return {
    jobs,
    models,
    predictionLog,
    drift,
    servingBackend,
    start: async () => {
      await jobs.start();
    },
    stop: async (graceMs) => {
      await jobs.stop(graceMs);
      offFailed();
      predictionLog.stop();
      if (backend) (await backend).dispose();
    },
  };
}
