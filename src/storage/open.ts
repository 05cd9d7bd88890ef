/**
 * The one place that picks an ArtifactStore implementation for a configured location. Today
 * every location is a local folder; an `s3://` location will map to the S3 store here.
 * One store per location and process, so every caller of a root shares it.
 */
import type { Config } from "../config";
import type { ArtifactStore } from "./artifact-store";
import { FsArtifactStore } from "./fs/fs-store";

const opened = new Map<string, ArtifactStore>();

function storeAt(location: string): ArtifactStore {
  let store = opened.get(location);
  if (!store) {
    store = new FsArtifactStore(location);
    opened.set(location, store);
  }
  return store;
}

/** Model artifacts (ML_ARTIFACTS_ROOT). */
export const artifactStore = (config: Pick<Config, "ML_ARTIFACTS_ROOT">) => storeAt(config.ML_ARTIFACTS_ROOT);

/** Uploaded and saved datasets (ML_DATASETS_ROOT). */
export const datasetStore = (config: Pick<Config, "ML_DATASETS_ROOT">) => storeAt(config.ML_DATASETS_ROOT);
