/**
 * Demo mode (seed 004; `serve --demo`, ML_DEMO=true): at a first start (no model yet) the demo
 * models (data.ts) are trained as the system administrator, and once each is active it gets
 * some plain labelled traffic, so the dashboard has models, predictions and metrics within a
 * minute; one of them (DRIFTED_MODEL) then gets a shifted sample and a drift check, so the
 * Alerts page shows a drift alert too. `resetDemo` brings the demo back: the demo models' traffic (logged predictions,
 * feedback, ingestion counts) is deleted, their open alerts dismissed, and each is retrained
 * from its embedded rows as a new active version. Models that are not demo models are never touched.
 */
import type { Kysely } from "kysely";
import type { Config } from "../../config";
import type { DB } from "../../db/schema";
import { conflict, ServiceError } from "../../errors";
import type { EventBus } from "../../events/bus";
import type { JobEvent } from "../../jobs/follow";
import type { JobRunner } from "../../jobs/runner";
import { startTraining } from "../../jobs/start-training";
import { type Actor, isAdmin } from "../../registry/ownership";
import type { Runtime } from "../../runtime";
import { dismissAlert } from "../alerts";
import { runDriftCheck } from "../check";
import { generateTraffic } from "../demo-traffic";
import type { IngestDeps } from "../ingestion";
import { NO_DRIFT } from "../synthetic";
import { DEMO_MODEL_KEYS, demoModels } from "./data";

/** Rows of plain traffic each demo model gets once trained. */
export const DEMO_TRAFFIC_ROWS = 300;
/** At a first start, this model also gets DRIFTED_ROWS rows shifted by 2 training σ, then a drift check. */
export const DRIFTED_MODEL = "demo-housing";
export const DRIFTED_ROWS = 200;

export interface DemoDeps extends IngestDeps {
  config: Config;
  bus: EventBus;
  runtime: { jobs: Pick<JobRunner, "kick"> };
  /** runs one model's drift check now (no retrain), so a first start shows a drift alert */
  checkDrift?: ((modelKey: string) => Promise<unknown>) | undefined;
}

/** The demo's dependencies from the service's (AppDeps). */
export function demoDeps(d: {
  db: Kysely<DB>;
  config: Config;
  bus: EventBus;
  now: () => Date;
  runtime: Pick<Runtime, "jobs" | "models" | "predictionLog" | "servingBackend" | "drift">;
}): DemoDeps {
  const { db, config, bus, now, runtime } = d;
  const { models, predictionLog, servingBackend } = runtime;
  // the demo's own check does not retrain: the alert stays for the newcomer to see and act on
  const checkDrift = (modelKey: string) => runDriftCheck({ ...runtime.drift, retrain: undefined }, modelKey);
  return { db, config, bus, now, runtime, models, predictionLog, backend: servingBackend, checkDrift };
}

/** The administrator the demo models belong to: ML_ADMIN_USERNAME, else the first live system_admin. */
async function demoOwner(db: Kysely<DB>, config: Config): Promise<Actor & { username: string }> {
  const users = await db
    .selectFrom("users")
    .select(["id", "username", "role"])
    .where("role", "=", "system_admin")
    .where("deleted_at", "is", null)
    .orderBy("id")
    .execute();
  const u = users.find((x) => x.username === config.ML_ADMIN_USERNAME) ?? users[0];
  if (!u) throw conflict("demo mode needs a system administrator; none exists");
  return { userId: u.id, role: "system_admin", username: u.username };
}

/**
 * Watches job ends from now on: `until(jobIds)` resolves with each job's final event once every
 * one has ended, also one that ended before `until` was called (a fast fit can end while the next
 * demo model is still being queued, since queueing wakes the runner).
 */
function watchJobEnds(bus: EventBus) {
  const ended = new Map<string, JobEvent>();
  let check = () => {};
  // a sibling process may run a demo job: its end comes through the relay
  const off = bus.subscribe(
    "queue:task_completed",
    (e) => {
      ended.set(e.job_id, e);
      check();
    },
    { remote: true },
  );
  return {
    until(jobIds: string[]): Promise<JobEvent[]> {
      return new Promise((resolve) => {
        check = () => {
          if (!jobIds.every((id) => ended.has(id))) return;
          off();
          resolve(jobIds.map((id) => ended.get(id) as JobEvent));
        };
        check();
      });
    },
    stop: off,
  };
}

/**
 * Queues a fit of every demo model; `traffic` resolves once each fit has ended, each one that
 * completed having got its plain labelled traffic, with the keys of those models.
 */
async function trainDemoModels(deps: DemoDeps, owner: Actor & { username: string }) {
  const started = [];
  // watching before the first fit is queued: a fast fit cannot end unseen
  const watch = watchJobEnds(deps.bus);
  try {
    for (const m of demoModels()) {
      started.push(
        await startTraining(deps, {
          model_key: m.model_key,
          target_field: m.target_field,
          validation_split: 0.2,
          use_gpu_if_available: false,
          hyperparameters: {},
          data: { items: m.items },
          createdBy: owner.userId,
          actor: owner,
          allow_schema_change: true,
        }),
      );
    }
  } catch (e) {
    watch.stop();
    throw e;
  }
  const byJob = new Map(started.map((s, i) => [s.jobId, DEMO_MODEL_KEYS[i] as string]));
  const ended = watch.until([...byJob.keys()]);
  deps.runtime.jobs.kick();
  const traffic = ended.then(async (events) => {
    const trained = [];
    for (const e of events) {
      const modelKey = byJob.get(e.job_id) as string;
      if (e.status !== "completed") continue;
      await generateTraffic(deps, owner, { modelKey, rows: DEMO_TRAFFIC_ROWS, drift: NO_DRIFT, labels: true, seed: 1 });
      trained.push(modelKey);
    }
    return trained.sort();
  });
  return {
    jobs: started.map((s) => ({ model_key: byJob.get(s.jobId) as string, job_id: s.jobId, version: s.version })),
    traffic,
  };
}

/**
 * At a start in demo mode: trains the demo models when the registry is empty (a later start
 * keeps what is there). Resolves when their traffic is in, or at once with `seeded: false`.
 */
export async function startDemo(deps: DemoDeps): Promise<{ seeded: boolean; models: string[] }> {
  const any = await deps.db.selectFrom("models").select("model_key").limit(1).executeTakeFirst();
  if (any) return { seeded: false, models: [] };
  const owner = await demoOwner(deps.db, deps.config);
  const { traffic } = await trainDemoModels(deps, owner);
  const models = await traffic;
  // a newcomer's first minute: one model's traffic has moved, and the check says so with an alert
  if (deps.checkDrift && models.includes(DRIFTED_MODEL)) {
    const drift = { ...NO_DRIFT, shift: 2 };
    await generateTraffic(deps, owner, { modelKey: DRIFTED_MODEL, rows: DRIFTED_ROWS, drift, labels: false, seed: 2 });
    await deps.checkDrift(DRIFTED_MODEL);
  }
  return { seeded: true, models };
}

/**
 * POST /demo/reset: admins only, and only in demo mode (404 otherwise, so a production service
 * has no such operation). Clears the demo models' traffic and alerts and queues their fits;
 * `traffic` settles once the new versions are trained and fed.
 */
export async function resetDemo(deps: DemoDeps, actor: Actor) {
  if (!deps.config.ML_DEMO)
    throw new ServiceError(404, "not_found", "demo mode is off: start with `mlservice serve --demo` or ML_DEMO=true");
  if (!isAdmin(actor)) throw new ServiceError(403, "forbidden", "only an administrator may reset the demo");
  const keys = [...DEMO_MODEL_KEYS];
  await deps.predictionLog.flush();
  const cleared = await deps.db.transaction().execute(async (trx) => {
    const feedback = await trx.deleteFrom("feedback").where("model_key", "in", keys).executeTakeFirst();
    await trx.deleteFrom("shadow_predictions").where("model_key", "in", keys).execute();
    const predictions = await trx.deleteFrom("predictions").where("model_key", "in", keys).executeTakeFirst();
    await trx.deleteFrom("prediction_batches").where("model_key", "in", keys).execute();
    await trx.deleteFrom("ingest_counts").where("model_key", "in", keys).execute();
    return { predictions: Number(predictions.numDeletedRows), feedback: Number(feedback.numDeletedRows) };
  });
  const open = await deps.db
    .selectFrom("alerts")
    .select("id")
    .where("model_key", "in", keys)
    .where("dismissed_at", "is", null)
    .execute();
  const owner = await demoOwner(deps.db, deps.config);
  for (const a of open) await dismissAlert(deps, a.id, owner.username);
  const { jobs, traffic } = await trainDemoModels(deps, owner);
  return { view: { reset: true as const, jobs, cleared: { ...cleared, alerts: open.length } }, traffic };
}
