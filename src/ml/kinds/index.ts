/**
 * The one place model kinds are wired: a new kind is a file in this folder and a line here.
 * `model_type` on POST /train, in job params and in artifacts names one of these.
 */
import { TrainingError } from "../errors";
import type { ModelKind } from "../model-kind";
import { linearKind } from "./linear";
import { mlpKind } from "./mlp";

const KINDS = { mlp: mlpKind, linear: linearKind } as const satisfies Record<string, ModelKind>;

export type ModelType = keyof typeof KINDS;
/** Every kind's `model_type`, the default first. */
export const MODEL_TYPES = Object.keys(KINDS) as [ModelType, ...ModelType[]];
/** What a request, job or artifact that names no kind gets: everything before kinds was an MLP. */
export const DEFAULT_MODEL_TYPE: ModelType = "mlp";

export function isModelType(s: unknown): s is ModelType {
  return typeof s === "string" && Object.hasOwn(KINDS, s);
}

/** Every kind as [model_type, title], the default first: the Training page's choices. */
export const modelKindChoices = (): [ModelType, string][] => MODEL_TYPES.map((t) => [t, KINDS[t].title]);

/** The kind a version was trained as, from the hyperparameters recorded with it; none recorded → MLP. */
export function recordedModelType(hyperparameters: unknown): ModelType {
  const t = (hyperparameters as { model_type?: unknown } | null)?.model_type;
  return isModelType(t) ? t : DEFAULT_MODEL_TYPE;
}

/** The kind named `type`; undefined or null → the default (MLP). */
export function modelKind(type: string | null | undefined): ModelKind {
  const t = type ?? DEFAULT_MODEL_TYPE;
  if (!isModelType(t)) throw new TrainingError("invalid_options", `unknown model_type ${JSON.stringify(t)}`);
  return KINDS[t];
}
