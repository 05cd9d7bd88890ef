/**
 * The datasets table: lookups, listing, versions of a name, deletion (row and file) and the
 * TTL sweep. A dataset is a file plus its row; the row goes first on delete, so that no row
 * ever points at a missing file (a crash between the two leaves an orphan file, which is
 * harmless and has a generated name).
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { DatasetsTable } from "../db/tables/models";
import { notFound, ServiceError } from "../errors";
import { DATASET_ID, datasetPath, removeFile, removeStaleTempFiles } from "./files";

/** What the dataset functions need: the database, four settings and the clock. */
export interface DatasetDeps {
  db: Kysely<DB>;
  config: Pick<Config, "ML_DATASETS_ROOT" | "ML_MAX_CSV_UPLOAD_BYTES" | "ML_MAX_CSV_COLUMNS" | "ML_DATASET_TTL_DAYS">;
  now?: () => Date;
}

/** A datasets row with `columns` decoded. */
export type Dataset = Omit<Selectable<DatasetsTable>, "columns"> & { columns: string[] };

const DAY_MS = 86_400_000;
/** a temp file this old belongs to no upload in progress (uploads are bounded in size) */
const STALE_TEMP_MS = DAY_MS;

export const nowOf = (deps: DatasetDeps) => (deps.now ?? (() => new Date()))();

export function toDataset(row: Selectable<DatasetsTable>): Dataset {
  return { ...row, columns: JSON.parse(row.columns) as string[] };
}

/** The dataset, or a 404 (also for strings that cannot be an id). */
export async function getDataset(deps: DatasetDeps, id: string): Promise<Dataset> {
  const row = DATASET_ID.test(id)
    ? await deps.db.selectFrom("datasets").selectAll().where("id", "=", id).executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`dataset ${id}`);
  return toDataset(row);
}

export interface DatasetPage {
  items: Dataset[];
  total: number;
  limit: number;
  offset: number;
}

/** Newest first; `name` keeps one name's versions. */
export async function listDatasets(
  deps: DatasetDeps,
  opts: { name?: string | undefined; limit?: number; offset?: number } = {},
): Promise<DatasetPage> {
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  let query = deps.db.selectFrom("datasets");
  if (opts.name !== undefined) query = query.where("name", "=", opts.name);
  const { total } = await query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll()
    .orderBy("created_at", "desc")
    .orderBy("name")
    .orderBy("version", "desc")
    .limit(limit)
    .offset(offset)
    .execute();
  return { items: rows.map(toDataset), total: Number(total), limit, offset };
}

/** Every version of a name, newest first; empty when the name is unknown. */
export async function datasetVersions(deps: DatasetDeps, name: string): Promise<Dataset[]> {
  const rows = await deps.db
    .selectFrom("datasets")
    .selectAll()
    .where("name", "=", name)
    .orderBy("version", "desc")
    .execute();
  return rows.map(toDataset);
}

/**
 * Deletes the row and the file. Refused (409) while a model version is training on it; a
 * finished version that names it keeps its dataset_id, and retraining from it then fails
 * with a 404 for the dataset.
 */
export async function deleteDataset(deps: DatasetDeps, id: string): Promise<Dataset> {
  const ds = await getDataset(deps, id);
  const training = await deps.db
    .selectFrom("model_versions")
    .select(["model_key", "version"])
    .where("dataset_id", "=", id)
    .where("status", "=", "training")
    .executeTakeFirst();
  if (training) {
    throw new ServiceError(
      409,
      "conflict",
      `dataset ${id} is in use: model ${training.model_key} version ${training.version} is training on it`,
      { model_key: training.model_key, version: training.version },
    );
  }
  return removeDataset(deps, ds);
}

async function removeDataset(deps: DatasetDeps, ds: Dataset): Promise<Dataset> {
  const gone = await deps.db.deleteFrom("datasets").where("id", "=", ds.id).returning("id").executeTakeFirst();
  if (!gone) throw notFound(`dataset ${ds.id}`);
  await removeFile(datasetPath(deps.config.ML_DATASETS_ROOT, ds.id, ds.format));
  return ds;
}

export interface CleanupResult {
  datasets: Dataset[];
  /** names of temp files left by interrupted uploads */
  tempFiles: string[];
}

/**
 * Removes datasets not used (created or loaded for training) for ML_DATASET_TTL_DAYS days;
 * 0 keeps them forever. A dataset that a model version is training on, or that backs the
 * active version of a model, is in use and kept: retraining needs the original data.
 * The serve command runs this hourly.
 */
export async function cleanupExpiredDatasets(deps: DatasetDeps, now: Date = nowOf(deps)): Promise<CleanupResult> {
  const tempFiles = await removeStaleTempFiles(deps.config.ML_DATASETS_ROOT, now, STALE_TEMP_MS);
  const days = deps.config.ML_DATASET_TTL_DAYS;
  if (days === 0) return { datasets: [], tempFiles };
  const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
  const expired = await deps.db
    .selectFrom("datasets as d")
    .selectAll("d")
    .where(sql<string>`coalesce(d.last_used_at, d.created_at)`, "<", cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("model_versions as mv")
            .leftJoin("models as m", "m.model_key", "mv.model_key")
            .select(sql`1`.as("one"))
            .whereRef("mv.dataset_id", "=", "d.id")
            .where((eb) =>
              eb.or([eb("mv.status", "=", "training"), eb("m.active_version", "=", eb.ref("mv.version"))]),
            ),
        ),
      ),
    )
    .orderBy("d.created_at")
    .execute();
  const datasets: Dataset[] = [];
  for (const row of expired) datasets.push(await removeDataset(deps, toDataset(row)));
  return { datasets, tempFiles };
}
