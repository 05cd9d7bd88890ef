/**
 * The service's moving parts beside the HTTP app: the job runner and its handlers, the models
 * that serve, the prediction log and the backend for large prediction batches. `serve` starts
 * and stops it; tests build one over an in-memory database.
 */
import type { Database } from "bun:sqlite";
import type { Kysely } from "kysely";
import type { Backend } from "./compute/backend";
import { createCpuBackend } from "./compute/cpu";
import type { Config } from "./config";
import type { DB } from "./db/schema";
import type { EventBus } from "./events/bus";
import { predictHandler } from "./jobs/predict";
import { JobRunner } from "./jobs/runner";
import { trainHandler } from "./jobs/train";
import type { Logger } from "./log";
import { PredictionLog } from "./monitoring/prediction-log";
import { ModelCache } from "./registry/serving";

export interface RuntimeDeps {
  config: Config;
  db: Kysely<DB>;
  sqlite: Database;
  log: Logger;
  bus: EventBus;
  now: () => Date;
}

export interface Runtime {
  jobs: JobRunner;
  models: ModelCache;
  predictionLog: PredictionLog;
  /** the CPU backend for prediction batches past the host path, opened on first use */
  servingBackend: () => Promise<Backend>;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export function createRuntime(deps: RuntimeDeps): Runtime {
  const models = new ModelCache(deps.db, deps.config.ML_ARTIFACTS_ROOT);
  const predictionLog = new PredictionLog(deps.sqlite, deps.log, { now: deps.now });
  let backend: Promise<Backend> | null = null;
  const servingBackend = () => {
    const threads = deps.config.ML_CPU_THREADS;
    backend ??= createCpuBackend(threads > 0 ? { threads } : {});
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
  jobs.handle("predict", predictHandler({ db: deps.db, models, predictionLog, servingBackend }));
  return {
    jobs,
    models,
    predictionLog,
    servingBackend,
    start: async () => {
      await jobs.start();
    },
    stop: async (graceMs) => {
      await jobs.stop(graceMs);
      predictionLog.stop();
      if (backend) (await backend).dispose();
    },
  };
}
