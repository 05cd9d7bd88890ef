/**
 * Model artifacts on disk: `<ML_ARTIFACTS_ROOT>/<model_key>/<version>.mlsa`, written atomically
 * (temp file + rename) and checked against the sha256 recorded in the database on every load.
 *
 * Layout: "MLSA" magic (4 bytes) | header length u32 LE | header JSON (UTF-8) | f32 LE tensors
 * as the model's kind writes them (`model_type` in the header; none recorded: an MLP, written
 * before kinds existed), e.g. each layer's weights then bias, as the header's `layers` shapes say.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { FeatureSpec } from "../ml/features";
import { DEFAULT_MODEL_TYPE, isModelType, type ModelType, modelKind } from "../ml/kinds";
import type { MlpModel } from "../ml/model";

export const MODEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Any version a row may hold, including ones stored before versions were canonical ("01.00.000"). */
export const VERSION_PATTERN = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;
/** A new version: canonical MAJOR.MINOR.PATCH, no leading zeros, each part ≤ MAX_VERSION_PART. */
export const CANONICAL_VERSION_PATTERN = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
export const MAX_VERSION_PART = 999_999;

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
}

const MAGIC = new TextEncoder().encode("MLSA");

/** The artifact's path; only validated names reach the filesystem. */
export function artifactPath(root: string, modelKey: string, version: string): string {
  if (!MODEL_KEY_PATTERN.test(modelKey)) throw new ArtifactError(`invalid model_key ${JSON.stringify(modelKey)}`);
  if (!VERSION_PATTERN.test(version)) throw new ArtifactError(`invalid version ${JSON.stringify(version)}`);
  const base = resolve(root);
  const file = resolve(base, modelKey, `${version}.mlsa`);
  if (!file.startsWith(base + sep)) throw new ArtifactError("artifact path escapes the artifacts root");
  return file;
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

export function decodeArtifact(bytes: Uint8Array): ModelArtifact {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ArtifactError("not a model artifact");
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const start = 8 + headerLength;
  const data = new Float32Array(bytes.slice(start).buffer);
  const modelType = header.model_type ?? DEFAULT_MODEL_TYPE;
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

export const sha256Hex = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/** Writes atomically; returns the path relative to the root and the sha256 of the bytes. */
export function writeArtifact(root: string, a: ModelArtifact): { file: string; sha256: string } {
  const path = artifactPath(root, a.modelKey, a.version);
  const bytes = encodeArtifact(a);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, bytes, { flush: true });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { file: join(a.modelKey, `${a.version}.mlsa`), sha256: sha256Hex(bytes) };
}

/** Reads and verifies; a changed or truncated file is an ArtifactError, never a half-loaded model. */
export async function readArtifact(root: string, modelKey: string, version: string, sha256: string) {
  const path = artifactPath(root, modelKey, version);
  const file = Bun.file(path);
  if (!(await file.exists())) throw new ArtifactError(`artifact of ${modelKey} ${version} is missing`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (sha256Hex(bytes) !== sha256) throw new ArtifactError(`artifact of ${modelKey} ${version} fails its sha256 check`);
  return decodeArtifact(bytes);
}

/** What a file looked like when it was last hashed, and what was wrong with it then (null: nothing). */
export type ArtifactCheck = { stamp: string; problem: string | null };

/**
 * Why the stored artifact could not be loaded now (missing, failing its sha256), or null. A file
 * whose size and mtime match `checked` is not hashed again, so a health probe reads only files
 * that changed since the last one.
 */
export async function artifactProblem(
  root: string,
  modelKey: string,
  version: string,
  sha256: string,
  checked: Map<string, ArtifactCheck>,
): Promise<string | null> {
  const path = artifactPath(root, modelKey, version);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return `artifact of ${modelKey} ${version} is missing`;
  const stamp = `${info.size}:${info.mtimeMs}:${sha256}`;
  const last = checked.get(path);
  if (last?.stamp === stamp) return last.problem;
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
  const problem = sha256Hex(bytes) === sha256 ? null : `artifact of ${modelKey} ${version} fails its sha256 check`;
  checked.set(path, { stamp, problem });
  return problem;
}

export function removeArtifact(root: string, modelKey: string, version: string): void {
  rmSync(artifactPath(root, modelKey, version), { force: true });
}
