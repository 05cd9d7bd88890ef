/**
 * The versions that serve, kept in memory. A switch (activation after a fit, rollback) loads and
 * verifies the new artifact completely before one Map.set replaces the old entry, so a request
 * sees either the old version or the new one, never a half-loaded model.
 */
import type { Kysely } from "kysely";
import type { Backend } from "../compute/backend";
import type { DB } from "../db/schema";
import { notFound, ServiceError } from "../errors";
import type { Row } from "../ml/features";
import { modelKind } from "../ml/kinds";
import type { Label } from "../ml/model";
import { HOST_PREDICT_MAX_ROWS, predictLabels } from "../ml/predict";
import type { ArtifactStore } from "../storage/artifact-store";
import { type ArtifactCheck, ArtifactError, artifactProblem, type ModelArtifact, readArtifact } from "./artifact";
import { getModel, getVersion } from "./registry";
import { type OnePrediction, predictOnePlanned, prepareServingPlan, servingPlan, smallPass } from "./serving-plan";

/** Non-serving versions kept loaded at once (aliases, shadows); the least recently used goes first. */
const PINNED_VERSIONS = 8;

export interface LoadedVersion {
  modelKey: string;
  version: string;
  artifact: ModelArtifact;
  loadedAt: Date;
}

export interface Prediction {
  prediction: Label | number;
  confidence: number | null;
  all_scores: Record<string, number> | null;
}

/** An active version that cannot serve from its artifact (GET /health lists them). */
export interface UnavailableVersion {
  model_key: string;
  version: string;
  reason: string;
}

export class ModelCache {
  readonly #db: Kysely<DB>;
  readonly #artifacts: ArtifactStore;
  readonly #live = new Map<string, LoadedVersion>();
  readonly #loading = new Map<string, Promise<LoadedVersion>>();
  readonly #checked = new Map<string, ArtifactCheck>();
  /** versions loaded by `version()`, least recently used first */
  readonly #pinned = new Map<string, { loaded: LoadedVersion; sha256: string | null }>();
  /** per model, the active version refresh() could not load (not retried until it changes) */
  readonly #failed = new Map<string, string>();

  constructor(db: Kysely<DB>, artifacts: ArtifactStore) {
    this.#db = db;
    this.#artifacts = artifacts;
  }

  /** The serving version of a model when it is already in memory (no lookup, no await); else undefined. */
  serving(modelKey: string): LoadedVersion | undefined {
    return this.#live.get(modelKey);
  }

  /** The serving version of a model: 404 unknown, 503 while its first version trains. */
  async active(modelKey: string): Promise<LoadedVersion> {
    const live = this.#live.get(modelKey);
    if (live) return live;
    const pending = this.#loading.get(modelKey);
    if (pending) return pending;
    const load = this.#loadActive(modelKey).finally(() => this.#loading.delete(modelKey));
    this.#loading.set(modelKey, load);
    return load;
  }

  async #loadActive(modelKey: string): Promise<LoadedVersion> {
    const model = await getModel(this.#db, modelKey);
    if (!model.active_version) {
      const training = await this.#db
        .selectFrom("model_versions")
        .select("version")
        .where("model_key", "=", modelKey)
        .where("status", "=", "training")
        .executeTakeFirst();
      if (training) {
        throw new ServiceError(503, "not_ready", `model ${modelKey} is still training`, null, { "Retry-After": "5" });
      }
      throw notFound(`a ready version of model ${modelKey}`);
    }
    const loaded = await this.load(modelKey, model.active_version);
    // a switch may have happened while this load ran: keep the newer entry
    const current = this.#live.get(modelKey);
    if (current) return current;
    this.#live.set(modelKey, loaded);
    return loaded;
  }

  /**
   * A ready version other than the serving one (an alias's, a shadow's), kept loaded so that
   * each prediction does not re-read its artifact: the row is read every time, so a version
   * that stopped being ready, or whose artifact changed, is not answered from memory.
   */
  async version(modelKey: string, version: string): Promise<LoadedVersion> {
    const live = this.#live.get(modelKey);
    if (live?.version === version) return live;
    const row = await getVersion(this.#db, modelKey, version);
    const key = `${modelKey}\u0000${version}`;
    const hit = this.#pinned.get(key);
    if (hit && row.status === "ready" && hit.sha256 === row.artifact_sha256) {
      this.#pinned.delete(key); // most recently used last
      this.#pinned.set(key, hit);
      return hit.loaded;
    }
    const loaded = await this.load(modelKey, version);
    this.#pinned.set(key, { loaded, sha256: row.artifact_sha256 });
    for (const old of this.#pinned.keys()) {
      if (this.#pinned.size <= PINNED_VERSIONS) break;
      this.#pinned.delete(old);
    }
    return loaded;
  }

  /** Reads and verifies one version's artifact without making it serve. */
  async load(modelKey: string, name: string): Promise<LoadedVersion> {
    const row = await getVersion(this.#db, modelKey, name);
    const version = row.version;
    if (row.status !== "ready" || !row.artifact_sha256) {
      throw new ServiceError(409, "conflict", `version ${version} of ${modelKey} is ${row.status}, not servable`);
    }
    let artifact: ModelArtifact;
    try {
      artifact = await readArtifact(this.#artifacts, modelKey, version, row.artifact_sha256);
    } catch (e) {
      // a bad file is not transient (restore it or retrain), so no Retry-After; a store that did not answer is
      const reason = (e as Error).message;
      const transient = e instanceof ArtifactError && e.transient;
      throw new ServiceError(
        503,
        "not_ready",
        `version ${version} of model ${modelKey} cannot serve: ${reason}`,
        { model_key: modelKey, version, reason },
        transient ? { "Retry-After": "5" } : undefined,
      );
    }
    // the encoder compiled and the weights copied into native memory now, not on the first request
    await prepareServingPlan(artifact);
    return { modelKey, version, artifact, loadedAt: new Date() };
  }

  /** Resolves when the artifact store is reachable (readable and writable); rejects with why not. */
  storeReachable(): Promise<void> {
    return this.#artifacts.probe();
  }

  /**
   * The active versions whose artifact is missing or fails its sha256 check now. One still
   * answering from memory is listed too: the next restart or rollback would find it broken.
   */
  async unavailable(): Promise<UnavailableVersion[]> {
    const active = await this.#db
      .selectFrom("models as m")
      .innerJoin("model_versions as v", (j) =>
        j.onRef("v.model_key", "=", "m.model_key").onRef("v.version", "=", "m.active_version"),
      )
      .select(["m.model_key", "v.version", "v.artifact_sha256"])
      .where("v.artifact_sha256", "is not", null)
      .orderBy("m.model_key")
      .execute();
    const out: UnavailableVersion[] = [];
    for (const a of active) {
      const problem = await artifactProblem(
        this.#artifacts,
        a.model_key,
        a.version,
        a.artifact_sha256 as string,
        this.#checked,
      );
      if (problem) {
        const live = this.#live.get(a.model_key)?.version === a.version;
        out.push({
          model_key: a.model_key,
          version: a.version,
          reason: live ? `${problem} (served from memory until restart)` : problem,
        });
      }
    }
    return out;
  }

  /**
   * Brings the models this process serves in line with the database: another process (a serving
   * sibling under ML_HTTP_PROCESSES, the CLI, a replica) may have activated or rolled back a
   * version. One small read of `models`; a changed version is loaded and verified before it
   * replaces the old one, a model with no active version stops serving. A version that cannot be
   * loaded is reported once through `onError` and the old one keeps serving.
   */
  async refresh(onError?: (modelKey: string, version: string, error: Error) => void): Promise<void> {
    const keys = [...this.#live.keys()];
    if (keys.length === 0) return;
    const rows = await this.#db
      .selectFrom("models")
      .select(["model_key", "active_version"])
      .where("model_key", "in", keys)
      .execute();
    const active = new Map(rows.map((r) => [r.model_key, r.active_version]));
    for (const key of keys) {
      const live = this.#live.get(key);
      const wanted = active.get(key) ?? null;
      if (!live || live.version === wanted) continue;
      if (wanted === null) {
        this.#live.delete(key);
        continue;
      }
      if (this.#failed.get(key) === wanted) continue;
      try {
        const loaded = await this.load(key, wanted);
        // a local switch during the load wins: it is at least as new
        if (this.#live.get(key) === live) this.#live.set(key, loaded);
        this.#failed.delete(key);
      } catch (e) {
        this.#failed.set(key, wanted);
        onError?.(key, wanted, e as Error);
      }
    }
  }

  /** Makes an already-loaded version serve: one atomic replacement. */
  swap(loaded: LoadedVersion): void {
    this.#live.set(loaded.modelKey, loaded);
  }

  forget(modelKey: string): void {
    this.#live.delete(modelKey);
  }
}

/**
 * Rows → predictions with confidence and every class score. Up to HOST_PREDICT_MAX_ROWS rows go
 * through the version's serving plan (compiled encoder, native or host pass: serving-plan.ts);
 * `backend` is used only for batches larger than that.
 */
export async function predictRows(
  backend: () => Promise<Backend>,
  v: LoadedVersion,
  rows: Row[],
): Promise<Prediction[]> {
  if (rows.length === 0) return [];
  const { model } = v.artifact;
  const plan = servingPlan(v.artifact);
  let out: Float32Array;
  if (rows.length <= HOST_PREDICT_MAX_ROWS && plan.hostPass) out = smallPass(plan, model, rows);
  else {
    const x = plan.encoder.encode(rows, new Float32Array(rows.length * plan.encoder.width));
    // predict() takes the host path for small batches and never touches the backend then
    const device = rows.length <= HOST_PREDICT_MAX_ROWS ? (null as unknown as Backend) : await backend();
    out = await modelKind(v.artifact.modelType).predict(device, model, x);
  }
  return predictionsOf(v.artifact, out);
}

/** The float32 scores (rows × classes, in model.classes' order) behind a classification's predictions. */
const scoresBehind = new WeakMap<readonly Prediction[], Float32Array>();

/**
 * The scores predictionsOf read each prediction's all_scores from, for a writer that formats them
 * without walking the objects; undefined for predictions made any other way.
 */
export function rawScores(predictions: readonly Prediction[]): Float32Array | undefined {
  return scoresBehind.get(predictions);
}

/** Each class list's all_scores keys (String of each label), made once per loaded version. */
const scoreKeysFor = new WeakMap<readonly unknown[], string[]>();

function scoreKeysOf(classes: readonly unknown[]): string[] {
  let keys = scoreKeysFor.get(classes);
  if (!keys) {
    keys = classes.map(String);
    scoreKeysFor.set(classes, keys);
  }
  return keys;
}

/** A model's raw outputs (rows × nOutputs) → predictions: regression on the target's scale, classes with every score. */
export function predictionsOf({ model, target }: ModelArtifact, out: Float32Array): Prediction[] {
  if (model.task === "regression") {
    const mean = target.mean ?? 0;
    const std = target.std ?? 1;
    return Array.from(out, (y) => ({ prediction: y * std + mean, confidence: null, all_scores: null }));
  }
  const classes = model.classes ?? [];
  const keys = scoreKeysOf(classes);
  const k = keys.length;
  const labels = predictLabels(model, out);
  const predictions = labels.map((label, r) => {
    const scores: Record<string, number> = {};
    let best = 0;
    for (let j = 0; j < k; j++) {
      const p = out[r * k + j] as number;
      scores[keys[j] as string] = p;
      best = Math.max(best, p);
    }
    return { prediction: label, confidence: best, all_scores: scores };
  });
  // `out` is this call's own array (smallPass and the kinds' predict copy out of their buffers)
  scoresBehind.set(predictions, out);
  return predictions;
}

export type { OnePrediction } from "./serving-plan";

/**
 * One row's prediction as predictRows gives it, synchronously and without the all_scores object.
 * The service does not call it yet (the fast path uses predictRows); bench/serve-breakdown.ts
 * measures it against predictRows. `scores` (classification) is a
 * buffer of the version's, valid until the next call for the same version. Throws encodeRows's
 * FeatureError for a bad row, and a TypeError for a model type with no host pass (use predictRows).
 */
export function predictOne(v: LoadedVersion, row: Row): OnePrediction {
  return predictOnePlanned(servingPlan(v.artifact), v.artifact, row);
}
