/**
 * Dataset files in the dataset store (storage/): key `<id>.<format>`, with an id the service
 * generated (`ds_` + 32 hex digits). No client-given name ever becomes part of a key; an id
 * from a URL is checked against the same pattern first. A file is written through the store's
 * writer, so a reader never sees half a file.
 */
import type { ObjectWriter } from "../storage/artifact-store";
import { DATASET_ID, type DatasetFormat, datasetKey } from "../storage/keys";
import { type DatasetsConfig, datasetStore } from "../storage/open";

export { DATASET_ID, type DatasetFormat, datasetKey };

type Roots = DatasetsConfig;

export function newDatasetId(): string {
  return `ds_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")}`;
}

/** A new dataset's file being written, under a fresh id; commit makes it visible, discard drops it. */
export type StagedFile = ObjectWriter & { readonly id: string; readonly format: DatasetFormat };

export async function stageFile(config: Roots, format: DatasetFormat): Promise<StagedFile> {
  const id = newDatasetId();
  const writer = await datasetStore(config).writer(datasetKey(id, format));
  return Object.assign(writer, { id, format });
}

/** The whole file of a dataset, checked against the sha256 recorded when it was saved. */
export function readDatasetFile(config: Roots, id: string, format: DatasetFormat, sha256: string): Promise<Uint8Array> {
  return datasetStore(config).get(datasetKey(id, format), sha256);
}

/** Removes a dataset's file; an absent one is not an error. */
export function removeDatasetFile(config: Roots, id: string, format: DatasetFormat): Promise<void> {
  return datasetStore(config).delete(datasetKey(id, format));
}

/** Files of uploads that never completed (a crash mid-upload), older than `olderThanMs`; removed, returned by name. */
export function removeStaleTempFiles(config: Roots, now: Date, olderThanMs: number): Promise<string[]> {
  return datasetStore(config).sweepIncomplete(now, olderThanMs);
}
