/**
 * `POST /models/import` (admins): an `.mlsa` artifact, downloaded from this or another service,
 * becomes a new version of a model here. Everything is checked before anything is written, so a
 * refused import registers nothing: the size (413), the sha256 the client sends with it, the
 * format, a known model kind, a feature spec and network the service can encode and run, and a
 * usable drift baseline (422, each naming its reason). Then it goes the way a trained version goes: reserved through
 * the registry (a new model is created; an existing one keeps its schema unless
 * `allow_schema_change`), written atomically, marked ready and activated.
 */
import { columnNameProblem } from "../datasets/column-names";
import { ServiceError } from "../errors";
import { isModelType, modelKind } from "../ml/kinds";
import { modelProblems } from "../ml/model-check";
import { baselineProblems } from "../monitoring/baseline-check";
import { artifactStore } from "../storage/open";
import { type Activated, type ActivationDeps, activateVersion } from "./activation";
import {
  ArtifactError,
  artifactHeader,
  artifactModelType,
  decodeArtifact,
  type ModelArtifact,
  sha256Hex,
  writeArtifact,
} from "./artifact";
import { type Actor, isAdmin } from "./ownership";
import { checkModelKey, markVersionFailed, markVersionReady, reserveVersion } from "./registry";

export interface ImportDeps extends ActivationDeps {
  config: ActivationDeps["config"] & { ML_MAX_IMPORT_BYTES: number };
}

export interface ImportRequest {
  modelKey: string;
  /** MAJOR.MINOR.PATCH; absent: the next minor version, as for a fit */
  version?: string | undefined;
  bytes: Uint8Array;
  /** hex sha256 of `bytes`, as GET …/artifact sends it in X-Artifact-Sha256 */
  sha256: string;
  allowSchemaChange?: boolean | undefined;
}

export interface Imported extends Activated {
  version: string;
  model_type: string;
  sha256: string;
  imported_from: { model_key: unknown; version: unknown };
}

const refuse = (reason: string, message: string, details: Record<string, unknown> = {}) =>
  new ServiceError(422, "validation_failed", `import refused: ${message}`, { reason, ...details });

/** 413 past ML_MAX_IMPORT_BYTES: the route checks the declared length, this the bytes. */
export function importTooLarge(limit: number): ServiceError {
  return new ServiceError(413, "payload_too_large", `the artifact is over ${limit} bytes (ML_MAX_IMPORT_BYTES)`, {
    reason: "too_large",
    limit_bytes: limit,
  });
}

/** The artifact, checked as the module comment says; throws the 413/422 that names the reason. */
export function checkImport(bytes: Uint8Array, sha256: string, limit: number): ModelArtifact {
  if (bytes.length > limit) throw importTooLarge(limit);
  if (!/^[0-9a-fA-F]{64}$/.test(sha256))
    throw refuse("checksum_missing", "send the artifact's sha256 (64 hex digits) in sha256 or X-Artifact-Sha256");
  const actual = sha256Hex(bytes);
  if (actual !== sha256.toLowerCase())
    throw refuse(
      "checksum_mismatch",
      "the artifact's sha256 does not match the one sent: it was changed or cut short",
      {
        expected: sha256.toLowerCase(),
        actual,
      },
    );
  let artifact: ModelArtifact;
  try {
    const type = artifactModelType(artifactHeader(bytes).header);
    if (!isModelType(type))
      throw refuse("unknown_model_kind", `unknown model kind ${JSON.stringify(type)}`, { model_type: type });
    artifact = decodeArtifact(bytes);
  } catch (e) {
    if (e instanceof ArtifactError) throw refuse("invalid_artifact", e.message);
    throw e;
  }
  let problems: ReturnType<typeof modelProblems>;
  try {
    problems = modelProblems(artifact.spec, artifact.model, artifact.target, columnNameProblem);
  } catch (e) {
    problems = [{ path: "model", message: (e as Error).message }];
  }
  if (problems.length) {
    const first = problems[0] as { path: string; message: string };
    throw refuse("unencodable_schema", `the service cannot encode or run it: ${first.path} ${first.message}`, {
      problems: problems.slice(0, 50),
    });
  }
  const baseline = baselineProblems(artifact.baseline);
  if (baseline.length) {
    throw refuse("invalid_baseline", `its drift baseline is unusable: ${baseline[0]?.path} ${baseline[0]?.message}`, {
      problems: baseline.slice(0, 50),
    });
  }
  return artifact;
}

/**
 * Registers the artifact as a new version and makes it serve. 403 unless `actor` is an admin;
 * 413/422 as `checkImport`; 404/409/422 as reserving a fitted version (bad key or version, a
 * version that exists, a schema change without `allowSchemaChange`).
 */
export async function importArtifact(deps: ImportDeps, actor: Actor, by: string, r: ImportRequest): Promise<Imported> {
  if (!isAdmin(actor)) throw new ServiceError(403, "forbidden", "only admins may import models");
  checkModelKey(r.modelKey);
  const artifact = checkImport(r.bytes, r.sha256, deps.config.ML_MAX_IMPORT_BYTES);
  const modelType = artifact.modelType ?? "mlp";
  const description = modelKind(modelType).describe(artifact.model);
  const source = { model_key: artifact.modelKey, version: artifact.version };
  const now = deps.now().toISOString();
  const version = await reserveVersion(deps.db, {
    modelKey: r.modelKey,
    version: r.version,
    taskType: artifact.target.task,
    targetField: artifact.target.field,
    featureFields: artifact.spec.features.map((f) => f.name),
    hyperparameters: {
      model_type: modelType,
      hidden_layer_sizes: description.hidden_layer_sizes,
      activation: artifact.model.activation,
      imported_from: source,
    },
    datasetId: null,
    jobId: null,
    createdBy: actor.userId || null,
    now,
    actor,
    allowSchemaChange: r.allowSchemaChange,
  });
  try {
    const stored = await writeArtifact(artifactStore(deps.config), {
      ...artifact,
      modelKey: r.modelKey,
      version,
      createdAt: now,
    });
    await markVersionReady(deps.db, r.modelKey, version, {
      metrics: {
        model_type: modelType,
        hidden_layer_sizes: description.hidden_layer_sizes,
        epochs: Number.isSafeInteger(artifact.model.nIter) ? artifact.model.nIter : null,
        final_loss: Array.isArray(artifact.model.lossCurve) ? (artifact.model.lossCurve.at(-1) ?? null) : null,
        imported_from: source,
      },
      backend: "imported",
      trainRows: Number.isSafeInteger(artifact.spec.features[0]?.count)
        ? (artifact.spec.features[0]?.count as number)
        : 0,
      trainingTimeS: 0,
      artifactFile: stored.file,
      artifactSha256: stored.sha256,
      now,
    });
    const activated = await activateVersion(deps, { modelKey: r.modelKey, version, actor, by, reason: "imported" });
    return { ...activated, version, model_type: modelType, sha256: stored.sha256, imported_from: source };
  } catch (e) {
    await markVersionFailed(deps.db, r.modelKey, version, (e as Error).message, deps.now().toISOString());
    throw e;
  }
}
