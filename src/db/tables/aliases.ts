/** Table types of migrations/0011_aliases_shadow_notes.sql (the version columns are in models.ts). */
import type { Generated } from "kysely";

/** A name (`champion`, `challenger`, …) for one version of a model. */
export interface ModelAliasesTable {
  model_key: string;
  alias: string;
  version: string;
  updated_by: string | null;
  updated_at: string;
}

/** The model's shadow: the version `alias` names receives a copy of live traffic. */
export interface ModelShadowsTable {
  model_key: string;
  alias: string;
  started_by: string | null;
  started_at: string;
}

/** One shadow prediction beside the live one it copies (prediction_id is the live prediction's). */
export interface ShadowPredictionsTable {
  id: Generated<number>;
  prediction_id: number;
  model_key: string;
  version: string;
  live_version: string;
  prediction: string;
  confidence: number | null;
  live_prediction: string;
  created_at: string;
}

export interface AliasTables {
  model_aliases: ModelAliasesTable;
  model_shadows: ModelShadowsTable;
  shadow_predictions: ShadowPredictionsTable;
}
