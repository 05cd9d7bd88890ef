/**
 * The one place that picks an ArtifactStore implementation for a configured location: a
 * directory (FsArtifactStore) or `s3://bucket/prefix` (S3ArtifactStore, with the S3_* / AWS_*
 * settings). One store per location and process, so every caller of a location shares it.
 */
import { type Config, ConfigError } from "../config";
import { type ArtifactStore, sha256Hex } from "./artifact-store";
import { FsArtifactStore } from "./fs/fs-store";
import { storeLocation } from "./location";
import { S3ArtifactStore } from "./s3/s3-store";

/** The settings an S3 location is opened with. */
export type S3Settings = Pick<
  Config,
  "S3_ENDPOINT" | "AWS_ENDPOINT_URL" | "AWS_REGION" | "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY"
>;
/** What artifactStore needs of the configuration. */
export type ArtifactsConfig = Pick<Config, "ML_ARTIFACTS_ROOT" | "ML_ARTIFACTS_URL"> & S3Settings;
/** What datasetStore needs of the configuration. */
export type DatasetsConfig = Pick<Config, "ML_DATASETS_ROOT" | "ML_DATASETS_URL"> & S3Settings;

const opened = new Map<string, ArtifactStore>();

function storeAt(url: string, root: string, s3: S3Settings): ArtifactStore {
  const where = storeLocation(url, root);
  const id =
    where.kind === "fs"
      ? `fs:${where.root}`
      : `s3:${s3.S3_ENDPOINT || s3.AWS_ENDPOINT_URL}:${s3.AWS_REGION}:${where.bucket}/${where.prefix}:${s3.AWS_ACCESS_KEY_ID}:${sha256Hex(new TextEncoder().encode(s3.AWS_SECRET_ACCESS_KEY))}`;
  let store = opened.get(id);
  if (!store) {
    store =
      where.kind === "fs"
        ? new FsArtifactStore(where.root)
        : new S3ArtifactStore({
            bucket: where.bucket,
            prefix: where.prefix,
            endpoint: s3.S3_ENDPOINT || s3.AWS_ENDPOINT_URL || undefined,
            region: s3.AWS_REGION || undefined,
            accessKeyId: s3.AWS_ACCESS_KEY_ID || undefined,
            secretAccessKey: s3.AWS_SECRET_ACCESS_KEY || undefined,
          });
    opened.set(id, store);
  }
  return store;
}

/** Model artifacts (ML_ARTIFACTS_URL, else the directory ML_ARTIFACTS_ROOT). */
export const artifactStore = (config: ArtifactsConfig) =>
  storeAt(config.ML_ARTIFACTS_URL, config.ML_ARTIFACTS_ROOT, config);

/** Uploaded and saved datasets (ML_DATASETS_URL, else the directory ML_DATASETS_ROOT). */
export const datasetStore = (config: DatasetsConfig) =>
  storeAt(config.ML_DATASETS_URL, config.ML_DATASETS_ROOT, config);

/** A readable description of where a store is, for logs and errors (never credentials). */
export function describeStore(url: string, root: string): string {
  const where = storeLocation(url, root);
  return where.kind === "fs" ? where.root : `s3://${where.bucket}/${where.prefix}`;
}

/**
 * At start-up: every S3 location answers with the configured credentials, else a ConfigError
 * naming the setting (a wrong bucket, endpoint or key stops the service at once instead of
 * failing the first fit). Directories are created on first use, as before, and not probed here.
 */
export async function checkRemoteStores(config: ArtifactsConfig & DatasetsConfig): Promise<void> {
  const remote: [string, string, ArtifactStore][] = [];
  if (storeLocation(config.ML_ARTIFACTS_URL, config.ML_ARTIFACTS_ROOT).kind === "s3")
    remote.push(["ML_ARTIFACTS_URL", config.ML_ARTIFACTS_URL, artifactStore(config)]);
  if (storeLocation(config.ML_DATASETS_URL, config.ML_DATASETS_ROOT).kind === "s3")
    remote.push(["ML_DATASETS_URL", config.ML_DATASETS_URL, datasetStore(config)]);
  for (const [name, url, store] of remote) {
    try {
      await store.probe();
    } catch (e) {
      const why = (e as { code?: string }).code ?? (e as Error).message ?? String(e);
      throw new ConfigError(`${name}=${url}: the store cannot be listed with the S3_*/AWS_* settings (${why})`);
    }
  }
}
