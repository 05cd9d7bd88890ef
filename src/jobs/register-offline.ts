/**
 * A model trained offline (`mlservice train --register`) stored as the next version of its
 * model, as the train job stores one: reserved, artifact written with its drift baseline,
 * marked ready, made active. The CLI runs as the system: whoever can run it on the host owns
 * the store already.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import { EventBus } from "../events/bus";
import type { FeatureSpec, Row } from "../ml/features";
import type { MlpModel } from "../ml/model";
import { trainingBaseline } from "../monitoring/reference";
import { activateVersion } from "../registry/activation";
import { type TargetSpec, writeArtifact } from "../registry/artifact";
import { SYSTEM } from "../registry/ownership";
import { markVersionReady, reserveVersion } from "../registry/registry";
import { ModelCache } from "../registry/serving";
import { artifactStore } from "../storage/open";

export interface OfflineModel {
  modelKey: string;
  spec: FeatureSpec;
  target: TargetSpec;
  model: MlpModel;
  hidden: number[];
  /** rows the model was fit on, for the drift baseline, and its outputs on them */
  fitRows: Row[];
  outputs: Float32Array;
  metrics: Record<string, unknown>;
  backend: string;
  trainingTimeS: number;
}

/** Stores and activates `m` as a new version; returns the version. */
export async function registerOfflineModel(
  deps: { db: Kysely<DB>; config: Config; now: () => Date },
  m: OfflineModel,
): Promise<string> {
  const now = deps.now().toISOString();
  const version = await reserveVersion(deps.db, {
    modelKey: m.modelKey,
    taskType: m.target.task,
    targetField: m.target.field,
    featureFields: m.spec.features.map((f) => f.name),
    hyperparameters: { model_type: "mlp", hidden_layer_sizes: m.hidden, source: "mlservice train" },
    datasetId: null,
    jobId: `cli-${now}`,
    createdBy: null,
    now,
    actor: SYSTEM,
    allowSchemaChange: true,
  });
  const baseline = trainingBaseline({
    spec: m.spec,
    fitRows: m.fitRows,
    model: m.model,
    heldOutputs: m.outputs,
    bins: deps.config.ML_DRIFT_BINS,
  });
  const artifact = await writeArtifact(artifactStore(deps.config), {
    modelKey: m.modelKey,
    version,
    createdAt: now,
    spec: m.spec,
    target: m.target,
    modelType: "mlp",
    model: m.model,
    baseline,
  });
  await markVersionReady(deps.db, m.modelKey, version, {
    metrics: m.metrics,
    backend: m.backend,
    trainRows: m.fitRows.length,
    trainingTimeS: m.trainingTimeS,
    artifactFile: artifact.file,
    artifactSha256: artifact.sha256,
    now,
  });
  const models = new ModelCache(deps.db, artifactStore(deps.config));
  await activateVersion(
    { db: deps.db, models, bus: new EventBus(), now: deps.now, config: deps.config },
    { modelKey: m.modelKey, version, actor: SYSTEM, by: "mlservice train --register", reason: "trained" },
  );
  return version;
}
