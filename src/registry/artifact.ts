/**
 * Model artifacts: key `<model_key>/<version>.mlsa` in the artifact store (storage/keys.ts),
 * written atomically by the store and checked against the sha256 recorded in the database on
 * every load.
 *
 * Layout: "MLSA" magic (4 bytes) | header length u32 LE | header JSON (UTF-8) | f32 LE tensors
 * as the model's kind writes them (`model_type` in the header; none recorded: an MLP, written
 * before kinds existed), e.g. each layer's weights then bias, as the header's `layers` shapes say.
 */
import type { FeatureSpec } from "../ml/features";
import { DEFAULT_MODEL_TYPE, isModelType, type ModelType, modelKind } from "../ml/kinds";
import type { MlpModel } from "../ml/model";
import { type ArtifactStore, StorageError, sha256Hex } from "../storage/artifact-store";
import { artifactKey, KeyError } from "../storage/keys";

export { MODEL_KEY_PATTERN, VERSION_PATTERN } from "../storage/keys";
export { sha256Hex };
/** A new version: canonical MAJOR.MINOR.PATCH, no leading zeros, each part ≤ MAX_VERSION_PART. */
export const CANONICAL_VERSION_PATTERN = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
export const MAX_VERSION_PART = 999_999;

/**
 * A version name as stored: seed 000's clients write `v1.0.0`, so one leading `v` before a
 * canonical MAJOR.MINOR.PATCH is dropped; anything else is returned unchanged (and judged by
 * whoever checks it).
 */
export function canonicalVersion(version: string): string {
  const c = version.charCodeAt(0);
  if (c !== 118 && c !== 86) return version;
  const rest = version.slice(1);
  return CANONICAL_VERSION_PATTERN.test(rest) ? rest : version;
}

export interface TargetSpec {
  field: string;
  task: "classification" | "regression";
  /** regression targets are standardised for training; predictions are scaled back */
  mean?: number;
  std?: number;
}

/** Everything needed to serve a version, independent of the database. */
export interface ModelArtifact {
  modelKey: string;
  version: string;
  createdAt: string;
  spec: FeatureSpec;
  target: TargetSpec;
  /** the kind that fitted `model` and reads it back (src/ml/kinds); absent: an MLP */
  modelType?: ModelType;
  model: MlpModel;
  /** drift reference saved with the version (see src/monitoring/baseline.ts) */
  baseline?: unknown;
}

export class ArtifactError extends Error {
  override name = "ArtifactError";
  /** true when the store did not answer (try again soon), false when the artifact itself is bad */
  constructor(
    message: string,
    readonly transient = false,
  ) {
    super(message);
  }
}

const MAGIC = new TextEncoder().encode("MLSA");

/** The artifact's key; only validated names reach the store. */
function keyOf(modelKey: string, version: string): string {
  try {
    return artifactKey(modelKey, version);
  } catch (e) {
    if (e instanceof KeyError) throw new ArtifactError(e.message);
    throw e;
  }
}

export function encodeArtifact(a: ModelArtifact): Uint8Array {
  const encoded = modelKind(a.modelType).encode(a.model);
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: 1,
      modelKey: a.modelKey,
      version: a.version,
      createdAt: a.createdAt,
      spec: a.spec,
      target: a.target,
      model_type: a.modelType ?? DEFAULT_MODEL_TYPE,
      model: encoded.meta,
      baseline: a.baseline ?? null,
    }),
  );
  const floats = encoded.tensors.reduce((s, t) => s + t.length, 0);
  // the weights start on a 4-byte boundary so they can be viewed as Float32Array without a copy
  const pad = (4 - ((8 + header.length) % 4)) % 4;
  const out = new Uint8Array(8 + header.length + pad + floats * 4);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length + pad, true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + header.length + pad); // JSON tolerates trailing spaces
  const weights = new Float32Array(out.buffer, 8 + header.length + pad, floats);
  let at = 0;
  for (const t of encoded.tensors) {
    weights.set(t, at);
    at += t.length;
  }
  return out;
}

/**
 * The JSON header of an artifact and where its tensors start; an ArtifactError when the bytes are
 * not an artifact (no magic, a header running past the end, not JSON, tensors not whole floats).
 */
export function artifactHeader(bytes: Uint8Array): { header: Record<string, unknown>; start: number } {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ArtifactError("not a model artifact");
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const start = 8 + headerLength;
  if (start > bytes.length) throw new ArtifactError("the artifact's header runs past its end");
  if ((bytes.length - start) % 4 !== 0) throw new ArtifactError("the artifact's tensors are not whole float32 values");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, start)));
  } catch {
    throw new ArtifactError("the artifact's header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw new ArtifactError("the artifact's header is not a JSON object");
  return { header: header as Record<string, unknown>, start };
}

/** The kind an artifact header names (none: an MLP, written before kinds existed); not checked. */
export const artifactModelType = (header: Record<string, unknown>): unknown => header.model_type ?? DEFAULT_MODEL_TYPE;

export function decodeArtifact(bytes: Uint8Array): ModelArtifact {
  const { header: json, start } = artifactHeader(bytes);
  // the fields encodeArtifact writes; an imported artifact's are checked by src/registry/import.ts
  const header = json as unknown as {
    modelKey: string;
    version: string;
    createdAt: string;
    spec: FeatureSpec;
    target: TargetSpec;
    model: Record<string, unknown>;
    baseline?: unknown;
  };
  const data = new Float32Array(bytes.slice(start).buffer);
  const modelType = artifactModelType(json);
  if (!isModelType(modelType)) throw new ArtifactError(`artifact of unknown model_type ${JSON.stringify(modelType)}`);
  let model: MlpModel;
  try {
    model = modelKind(modelType).decode(header.model, data);
  } catch (e) {
    throw new ArtifactError((e as Error).message);
  }
  return {
    modelKey: header.modelKey,
    version: header.version,
    createdAt: header.createdAt,
    spec: header.spec,
    target: header.target,
    modelType,
    model,
    baseline: header.baseline ?? undefined,
  };
}

/** Stores atomically; returns the key (the path relative to the root) and the sha256 of the bytes. */
export async function writeArtifact(store: ArtifactStore, a: ModelArtifact): Promise<{ file: string; sha256: string }> {
  const stored = await store.put(keyOf(a.modelKey, a.version), encodeArtifact(a));
  return { file: stored.key, sha256: stored.sha256 };
}

/** Reads and verifies; a changed or truncated file is an ArtifactError, never a half-loaded model. */
export async function readArtifact(store: ArtifactStore, modelKey: string, version: string, sha256: string) {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(keyOf(modelKey, version), sha256);
  } catch (e) {
    throw asArtifactError(e, modelKey, version);
  }
  return decodeArtifact(bytes);
}

/**
 * The stored bytes of a version's artifact, verified against `sha256`: what GET
 * /models/{key}/versions/{v}/artifact sends. Missing or changed bytes are an ArtifactError.
 */
export async function readArtifactBytes(
  store: ArtifactStore,
  modelKey: string,
  version: string,
  sha256: string,
): Promise<Uint8Array> {
  try {
    return await store.get(keyOf(modelKey, version), sha256);
  } catch (e) {
    throw asArtifactError(e, modelKey, version);
  }
}

function asArtifactError(e: unknown, modelKey: string, version: string): unknown {
  if (!(e instanceof StorageError)) return e;
  if (e.kind === "unavailable") return new ArtifactError(`artifact of ${modelKey} ${version}: ${e.message}`, true);
  const what = e.kind === "missing" ? "is missing" : "fails its sha256 check";
  return new ArtifactError(`artifact of ${modelKey} ${version} ${what}`);
}

/** What an object looked like when it was last hashed, and what was wrong with it then (null: nothing). */
export type ArtifactCheck = { stamp: string; problem: string | null };

/**
 * Why the stored artifact could not be loaded now (missing, failing its sha256), or null. An
 * object whose version (size, mtime) matches `checked` is not hashed again, so a health probe
 * reads only artifacts that changed since the last one.
 */
export async function artifactProblem(
  store: ArtifactStore,
  modelKey: string,
  version: string,
  sha256: string,
  checked: Map<string, ArtifactCheck>,
): Promise<string | null> {
  const key = keyOf(modelKey, version);
  const info = await store.stat(key);
  if (!info) return `artifact of ${modelKey} ${version} is missing`;
  const stamp = `${info.version}:${sha256}`;
  const last = checked.get(key);
  if (last?.stamp === stamp) return last.problem;
  let problem: string | null = null;
  try {
    await store.get(key, sha256);
  } catch (e) {
    const err = asArtifactError(e, modelKey, version);
    if (!(err instanceof ArtifactError)) throw err;
    problem = err.message;
  }
  checked.set(key, { stamp, problem });
  return problem;
}

/** Removes a version's artifact; an absent one is not an error. */
export function removeArtifact(store: ArtifactStore, modelKey: string, version: string): Promise<void> {
  return store.delete(keyOf(modelKey, version));
}
