/**
 * Per-epoch training curves of every version: the training loss (sklearn `loss_curve_`) and,
 * with early stopping, the validation score (accuracy or R², sklearn `validation_scores_`).
 * A fit records them in `model_versions.curves` when it ends; a version from before that
 * column (or imported) has them in its artifact, read once and then recorded. An archived or
 * failed version without either has empty curves, said so by `source: "none"`.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { MlpModel } from "../ml/model";
import { getModel, getVersion } from "./registry";
import type { ModelCache } from "./serving";

/** One value per epoch, epoch 1 first; `validation_score` is empty when no split was held out. */
export interface TrainingCurves {
  loss: number[];
  validation_score: number[];
}

export interface VersionCurves extends TrainingCurves {
  model_key: string;
  version: string;
  status: string;
  epochs: number;
  /** what validation_score measures */
  validation_metric: "accuracy" | "r2";
  /** recorded with the version, read from its artifact, or not available */
  source: "recorded" | "artifact" | "none";
}

/** The curves a finished fit leaves on its model. */
export function trainingCurves(model: MlpModel): TrainingCurves {
  return { loss: [...model.lossCurve], validation_score: [...(model.validationScores ?? [])] };
}

/** `GET /models/{key}/versions/{v}/curves`. 404 unknown model or version. */
export async function versionCurves(
  deps: { db: Kysely<DB>; models: ModelCache },
  modelKey: string,
  version: string,
): Promise<VersionCurves> {
  const model = await getModel(deps.db, modelKey);
  const row = await getVersion(deps.db, modelKey, version);
  const head = {
    model_key: modelKey,
    version: row.version,
    status: row.status,
    validation_metric: model.task_type === "classification" ? ("accuracy" as const) : ("r2" as const),
  };
  if (row.curves !== null) {
    const c = JSON.parse(row.curves) as TrainingCurves;
    return { ...head, ...c, epochs: c.loss.length, source: "recorded" };
  }
  if (row.status === "ready" && row.artifact_sha256) {
    const loaded = await deps.models.load(modelKey, row.version).catch(() => null);
    if (loaded) {
      const c = trainingCurves(loaded.artifact.model);
      await deps.db
        .updateTable("model_versions")
        .set({ curves: JSON.stringify(c) })
        .where("id", "=", row.id)
        .where("curves", "is", null)
        .execute();
      return { ...head, ...c, epochs: c.loss.length, source: "artifact" };
    }
  }
  return { ...head, loss: [], validation_score: [], epochs: 0, source: "none" };
}
