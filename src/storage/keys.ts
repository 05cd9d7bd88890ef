/**
 * The only names that become object keys. A key is built from validated parts by the functions
 * below and checked again by every store operation, so no client-given string can reach a
 * path or an object name (`../x`, absolute paths, hidden names) whatever the caller does.
 *
 * Layout (unchanged from before the stores): model artifacts `<model_key>/<version>.mlsa` under
 * ML_ARTIFACTS_ROOT; datasets `<id>.<csv|json|ndjson|parquet>` under ML_DATASETS_ROOT.
 */

export const MODEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Any version a row may hold, including ones stored before versions were canonical ("01.00.000"). */
export const VERSION_PATTERN = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;
/** A dataset id the service generated: `ds_` + 32 hex digits. */
export const DATASET_ID = /^ds_[0-9a-f]{32}$/;

/** How a dataset file is stored: an upload in its own format (CSV possibly gzip-compressed), or JSON training rows. */
export type DatasetFormat = "csv" | "json" | "ndjson" | "parquet";

const body = (re: RegExp) => re.source.slice(1, -1);
const KEY_SHAPES = [
  new RegExp(`^${body(MODEL_KEY_PATTERN)}/${body(VERSION_PATTERN)}\\.mlsa$`),
  new RegExp(`^${body(DATASET_ID)}\\.(csv|json|ndjson|parquet)$`),
];

export class KeyError extends Error {
  override name = "KeyError";
}

/** True for a key of one of the whitelisted shapes above. */
export function isObjectKey(key: string): boolean {
  return KEY_SHAPES.some((re) => re.test(key));
}

/** Throws KeyError unless `key` has a whitelisted shape; every store calls it first. */
export function checkKey(key: string): string {
  if (!isObjectKey(key)) throw new KeyError(`not an object key: ${JSON.stringify(key.slice(0, 200))}`);
  return key;
}

/** The key of a model version's artifact. */
export function artifactKey(modelKey: string, version: string): string {
  if (!MODEL_KEY_PATTERN.test(modelKey)) throw new KeyError(`invalid model_key ${JSON.stringify(modelKey)}`);
  if (!VERSION_PATTERN.test(version)) throw new KeyError(`invalid version ${JSON.stringify(version)}`);
  return `${modelKey}/${version}.mlsa`;
}

/** The key of a dataset's file. */
export function datasetKey(id: string, format: DatasetFormat): string {
  if (!DATASET_ID.test(id)) throw new KeyError(`not a dataset id: ${JSON.stringify(id)}`);
  return `${id}.${format}`;
}
