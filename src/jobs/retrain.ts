/**
 * The `retrain` job: a new version of a model from its original training data, client feedback
 * and the confident predictions of the drift window (src/monitoring/client-data.ts), fitted the
 * way the train job fits (fitVersion), then compared with the version it would replace on the
 * SAME held-out rows: a held-out split of the original data and one of the feedback.
 *
 * Decision: delta = new score − old score (accuracy; R² for regression) on each part with at
 * least MIN_JUDGED_ROWS held-out rows, and the WORST part decides: a retrain must neither forget
 * the original data nor ignore what clients said. delta < ML_RETRAINING_ACCURACY_DROP_THRESHOLD
 * → the version stays ready but inactive, and a model_degradation alert says why; otherwise it
 * is activated. Every outcome is a `retrainings` row.
 */
import type { Kysely } from "kysely";
import { type Cell, loadDatasetRows, saveJsonDataset } from "../datasets/store";
import type { DB } from "../db/schema";
import { conflict } from "../errors";
import { primaryScore } from "../ml/evaluate";
import { encodeRows, isMissing, type Row } from "../ml/features";
import { modelKind } from "../ml/kinds";
import { raiseAlert } from "../monitoring/alerts";
import { trafficWindow } from "../monitoring/check";
import { confidentRows, feedbackRows } from "../monitoring/client-data";
import { type Actor, assertCanChangeModel } from "../registry/ownership";
import { getModel, getVersion, reserveVersion } from "../registry/registry";
import type { LoadedVersion } from "../registry/serving";
import { JobParamsError, RetrainParams, readParams, TrainParams } from "./params";
import type { JobRow } from "./queue";
import { enqueue, newJobId } from "./queue";
import { pinnedToSource } from "./retrain-features";
import type { JobContext } from "./runner";
import { activateFitted, failVersionOnError, fitVersion, scoreOutputs, splitHeldOut, type TrainDeps } from "./train";

/** a held-out part with fewer rows is reported but does not decide */
export const MIN_JUDGED_ROWS = 10;

/**
 * Reserves the next version and queues its retrain; null when a retrain of the model is
 * already queued or running (a second one would only race it). `actor` must be the model's
 * owner, a maintainer or an admin (403); a drift-triggered retrain acts as SYSTEM.
 */
/**
 * A person's "retrain now" (API, dashboard, seed 004's /model/retrain): the model's traffic of the
 * last day as client data; 409 when one is already queued or running. Permission as enqueueRetrain.
 */
export async function retrainNow(
  deps: { db: Kysely<DB>; now: () => Date },
  actor: Actor,
  modelKey: string,
  traceId?: string,
): Promise<JobRow> {
  const job = await enqueueRetrain(deps, {
    modelKey,
    trigger: "manual",
    window: trafficWindow(deps.now()),
    createdBy: actor.userId ?? null,
    actor,
    traceId,
  });
  if (!job) throw conflict(`a retrain of ${modelKey} is already queued or running`);
  return job;
}

export async function enqueueRetrain(
  deps: { db: Kysely<DB>; now: () => Date },
  r: {
    modelKey: string;
    trigger: "drift" | "manual";
    window: { start: string; end: string };
    createdBy: number | null;
    actor: Actor;
    /** the trace of the request that asked, for the job's log lines */
    traceId?: string | undefined;
  },
): Promise<JobRow | null> {
  const model = await getModel(deps.db, r.modelKey);
  await assertCanChangeModel(deps.db, r.actor, r.modelKey, "retrain");
  if (!model.active_version) throw conflict(`model ${r.modelKey} has no active version to retrain`);
  const pending = await deps.db
    .selectFrom("jobs")
    .select("id")
    .where("type", "=", "retrain")
    .where("model_key", "=", r.modelKey)
    .where("status", "in", ["queued", "running"])
    .executeTakeFirst();
  if (pending) return null;
  const source = await getVersion(deps.db, r.modelKey, model.active_version);
  const sourceJob = source.job_id
    ? await deps.db
        .selectFrom("jobs")
        .select(["id", "type", "params"])
        .where("id", "=", source.job_id)
        .executeTakeFirst()
    : undefined;
  // how the source version was trained (its own train or retrain job), reused as is
  let base: TrainParams | null = null;
  try {
    if (sourceJob)
      base =
        sourceJob.type === "retrain" ? readParams(RetrainParams, sourceJob).train : readParams(TrainParams, sourceJob);
  } catch (e) {
    if (!(e instanceof JobParamsError)) throw e;
    throw conflict(`version ${source.version} of ${r.modelKey} cannot be retrained: ${e.message}`);
  }
  if (!base || !source.dataset_id) throw conflict(`version ${source.version} of ${r.modelKey} has no training record`);
  const jobId = newJobId();
  const now = deps.now().toISOString();
  const version = await reserveVersion(deps.db, {
    modelKey: r.modelKey,
    taskType: model.task_type,
    targetField: model.target_field,
    featureFields: JSON.parse(source.feature_fields),
    hyperparameters: JSON.parse(source.hyperparameters),
    datasetId: source.dataset_id,
    jobId,
    createdBy: r.createdBy,
    now,
    actor: r.actor,
  });
  const params: RetrainParams = {
    model_key: r.modelKey,
    version,
    source_version: source.version,
    trigger: r.trigger,
    window_start: r.window.start,
    window_end: r.window.end,
    train: { ...base, version, dataset_id: source.dataset_id },
  };
  return enqueue(deps.db, {
    id: jobId,
    type: "retrain",
    modelKey: r.modelKey,
    version,
    params,
    createdBy: r.createdBy,
    now,
    traceId: r.traceId,
  });
}

export function retrainHandler(deps: TrainDeps) {
  return async (job: JobRow, ctx: JobContext) => {
    const p = readParams(RetrainParams, job);
    return failVersionOnError(
      deps,
      p,
      () => retrain(deps, p, job.id, ctx),
      (reason) => record(deps, p, job.id, { status: "failed", reason }),
    );
  };
}

async function retrain(deps: TrainDeps, p: RetrainParams, jobId: string, ctx: JobContext) {
  const oldV = await deps.models.load(p.model_key, p.source_version);
  const t = pinnedToSource(p.train, oldV.artifact.spec);
  const target = t.target_field;
  await ctx.progress({ stage: "loading_data", progress: 0.01 });
  const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
  const labelled = (rows: Row[]) => rows.filter((r) => !isMissing(r[target]));
  const original = labelled((await loadDatasetRows(datasetDeps, t.dataset_id)).rows);
  const feedback = labelled(await feedbackRows(deps.db, p.model_key, target));
  const client =
    t.task_type === "classification"
      ? await confidentRows(deps.db, {
          modelKey: p.model_key,
          version: p.source_version,
          start: p.window_start,
          end: p.window_end,
          minConfidence: deps.config.ML_CLIENT_DATA_CONFIDENCE_THRESHOLD,
          target,
        })
      : [];
  const seed = t.hyperparameters.random_state ?? 42;
  const originalSplit = splitHeldOut(original, t.validation_split, seed);
  // a handful of feedback rows all go to the fit: too few to judge by
  const feedbackSplit =
    feedback.length >= MIN_JUDGED_ROWS ? splitHeldOut(feedback, t.validation_split, seed) : { fit: feedback, held: [] };
  const fit = [...originalSplit.fit, ...feedbackSplit.fit, ...client];
  const held = [...originalSplit.held, ...feedbackSplit.held];

  // the new version's dataset is what it learned from, so that it can be retrained in turn
  const saved = await saveJsonDataset(datasetDeps, {
    name: `${p.model_key}-retrain`,
    rows: [...fit, ...held] as Record<string, Cell>[],
    createdBy: null,
  });
  await deps.db
    .updateTable("model_versions")
    .set({ dataset_id: saved.id })
    .where("model_key", "=", p.model_key)
    .where("version", "=", p.version)
    .execute();
  const fitted = await fitVersion(deps, { ...t, version: p.version, dataset_id: saved.id }, { fit, held }, ctx);

  const newV = await deps.models.load(p.model_key, p.version);
  const parts = { all: held, original: originalSplit.held, feedback: feedbackSplit.held };
  const scores: Record<string, { rows: number; old: number; new: number; delta: number; judged: boolean }> = {};
  let oldMetrics: unknown = null;
  let newMetrics: unknown = null;
  for (const [name, rows] of Object.entries(parts)) {
    if (rows.length === 0) continue;
    const o = score(oldV, rows);
    const n = score(newV, rows);
    if (name === "all") [oldMetrics, newMetrics] = [o, n];
    const judged = name !== "all" && rows.length >= MIN_JUDGED_ROWS;
    scores[name] = {
      rows: rows.length,
      old: primaryScore(o),
      new: primaryScore(n),
      delta: primaryScore(n) - primaryScore(o),
      judged,
    };
  }
  const judged = Object.entries(scores).filter(([, s]) => s.judged);
  const [worstPart, worst] = (judged.length > 0 ? judged : Object.entries(scores)).reduce((a, b) =>
    b[1].delta < a[1].delta ? b : a,
  );
  const threshold = deps.config.ML_RETRAINING_ACCURACY_DROP_THRESHOLD;
  const metricName = t.task_type === "classification" ? "accuracy" : "r2";
  const details = {
    rows: {
      original: original.length,
      feedback: feedback.length,
      client: client.length,
      fit: fit.length,
      held: held.length,
    },
    scores,
    decided_by: worstPart,
    threshold,
  };
  const current = (await getModel(deps.db, p.model_key)).active_version;
  let status: "activated" | "rejected";
  let reason: string;
  if (current !== p.source_version) {
    status = "rejected";
    reason = `the active version changed from ${p.source_version} to ${current} during the retrain`;
  } else if (worst.delta < threshold) {
    status = "rejected";
    reason = `${metricName} on the ${worstPart} held-out rows fell from ${fmt(worst.old)} to ${fmt(worst.new)} (${fmt(worst.delta)} < ${threshold})`;
    await raiseAlert(deps, {
      type: "model_degradation",
      severity: "warning",
      modelKey: p.model_key,
      version: p.version,
      message: `retrained ${p.model_key} ${p.version} not activated: ${reason}; ${p.source_version} keeps serving`,
      details: { ...details, job_id: jobId, source_version: p.source_version },
    });
  } else {
    status = "activated";
    reason = `${metricName} change ${fmt(worst.delta)} on the ${worstPart} held-out rows ≥ ${threshold}`;
    await activateFitted(deps, p, jobId, "retrained");
  }
  await record(deps, p, jobId, { status, reason, oldMetrics, newMetrics, delta: worst.delta, details });
  return { ...fitted.summary, source_version: p.source_version, status, reason, delta: worst.delta, ...details };
}

function score(v: LoadedVersion, rows: Row[]) {
  const { model, spec, target } = v.artifact;
  const out = modelKind(v.artifact.modelType).predictHost(model, encodeRows(spec, rows));
  return scoreOutputs(model, target, out, rows);
}

async function record(
  deps: TrainDeps,
  p: RetrainParams,
  jobId: string,
  r: {
    status: "activated" | "rejected" | "failed";
    reason: string;
    oldMetrics?: unknown;
    newMetrics?: unknown;
    delta?: number;
    details?: unknown;
  },
) {
  await deps.db
    .insertInto("retrainings")
    .values({
      model_key: p.model_key,
      source_version: p.source_version,
      new_version: p.version,
      job_id: jobId,
      trigger: p.trigger,
      old_metrics: r.oldMetrics === undefined ? null : JSON.stringify(r.oldMetrics),
      new_metrics: r.newMetrics === undefined ? null : JSON.stringify(r.newMetrics),
      delta: r.delta ?? null,
      status: r.status,
      reason: r.reason,
      details: JSON.stringify(r.details ?? {}),
      reverted_at: null,
      created_at: deps.now().toISOString(),
    })
    .execute();
}

const fmt = (x: number) => (Math.round(x * 10_000) / 10_000).toString();
