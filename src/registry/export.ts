/**
 * A version leaving the service: its `.mlsa` artifact as stored (GET
 * /models/{key}/versions/{v}/artifact, re-importable with POST /models/import) and its ONNX
 * export (GET /models/{key}/versions/{v}/onnx, `mlservice export`). Whoever may read a model may
 * download it: anyone signed in, as for predicting with it and reading its metadata
 * (ownership.ts); the CLI acts as the operator.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { ServiceError } from "../errors";
import { toOnnx } from "../ml/onnx/export";
import { type ArtifactsConfig, artifactStore } from "../storage/open";
import { VERSION } from "../version";
import { ArtifactError, decodeArtifact, readArtifactBytes, sha256Hex } from "./artifact";
import { getModel, getVersion } from "./registry";

export interface ExportDeps {
  db: Kysely<DB>;
  config: ArtifactsConfig;
}

/** A file to hand over: its bytes, a file name for Content-Disposition and its hex sha256. */
export interface ExportedFile {
  bytes: Uint8Array;
  filename: string;
  sha256: string;
  model_key: string;
  version: string;
}

/**
 * The stored artifact of a ready version, verified against the sha256 recorded when it was
 * written. 404 unknown model or version; 409 a version that has no artifact (training, failed,
 * archived); 503 an artifact that is missing or fails its check.
 */
export async function versionArtifact(deps: ExportDeps, modelKey: string, version: string): Promise<ExportedFile> {
  await getModel(deps.db, modelKey);
  const row = await getVersion(deps.db, modelKey, version);
  if (row.status !== "ready" || !row.artifact_sha256) {
    const why = row.status === "archived" ? "archived: its artifact was removed" : row.status;
    throw new ServiceError(409, "conflict", `version ${row.version} of ${modelKey} is ${why}; it has no artifact`, {
      model_key: modelKey,
      version: row.version,
      status: row.status,
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readArtifactBytes(artifactStore(deps.config), modelKey, row.version, row.artifact_sha256);
  } catch (e) {
    if (!(e instanceof ArtifactError)) throw e;
    throw new ServiceError(503, "not_ready", e.message, { model_key: modelKey, version: row.version });
  }
  return {
    bytes,
    filename: `${modelKey}-${row.version}.mlsa`,
    sha256: row.artifact_sha256,
    model_key: modelKey,
    version: row.version,
  };
}

/** The version that serves now; 404 when the model has none. */
export async function activeVersionOf(db: Kysely<DB>, modelKey: string): Promise<string> {
  const model = await getModel(db, modelKey);
  if (!model.active_version) throw new ServiceError(404, "not_found", `model ${modelKey} has no active version`);
  return model.active_version;
}

/**
 * The version as an ONNX model taking the raw feature columns (src/ml/onnx/export.ts; text
 * features take their hashed encoding). Errors as `versionArtifact`.
 */
export async function versionOnnx(deps: ExportDeps, modelKey: string, version: string): Promise<ExportedFile> {
  const stored = await versionArtifact(deps, modelKey, version);
  const a = decodeArtifact(stored.bytes);
  const bytes = toOnnx({
    spec: a.spec,
    model: a.model,
    target: a.target,
    name: `${modelKey} ${stored.version}`,
    producerVersion: VERSION,
    metadata: {
      model_key: modelKey,
      version: stored.version,
      model_type: a.modelType ?? "mlp",
      task: a.target.task,
      target: a.target.field,
      features: JSON.stringify(a.spec.features.map((f) => ({ name: f.name, kind: f.kind }))),
      artifact_sha256: stored.sha256,
    },
  });
  return {
    bytes,
    filename: `${modelKey}-${stored.version}.onnx`,
    sha256: sha256Hex(bytes),
    model_key: modelKey,
    version: stored.version,
  };
}
