/**
 * The datasets table: lookups, listing, versions of a name, deletion (row and file) and the
 * TTL sweep. A dataset is a file plus its row; the row goes first on delete, so that no row
 * ever points at a missing file (a crash between the two leaves an orphan file, which is
 * harmless and has a generated name).
 *
 * A dataset is its uploader's and the admins': the `…ForUser` functions and those taking an
 * Actor answer anyone else as if it did not exist (404). getDataset is for the system (workers).
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { Config } from "../config";
import { jsonArrayHead, jsonArrayLength } from "../db/dialect";
import type { DB } from "../db/schema";
import type { DatasetsTable } from "../db/tables/models";
import { conflict, notFound } from "../errors";
import { type Actor, canSeeOwnRecord, isAdmin } from "../registry/ownership";
import type { DatasetsConfig } from "../storage/open";
import { DATASET_ID, removeDatasetFile, removeStaleTempFiles } from "./files";
import type { DatasetProfile } from "./reader/profile";

/** What the dataset functions need: the database, five settings and the clock. */
export interface DatasetDeps {
  db: Kysely<DB>;
  config: DatasetsConfig &
    Pick<
      Config,
      "ML_MAX_CSV_UPLOAD_BYTES" | "ML_MAX_CSV_COLUMNS" | "ML_DATASET_TTL_DAYS" | "ML_MAX_DECOMPRESSED_BYTES"
    >;
  now: () => Date;
}

/** A datasets row with `columns` and `profile` decoded (lists leave the profile out: null). */
export type Dataset = Omit<Selectable<DatasetsTable>, "columns" | "profile"> & {
  columns: string[];
  profile: DatasetProfile | null;
};

const DAY_MS = 86_400_000;
/** a temp file this old belongs to no upload in progress (uploads are bounded in size) */
const STALE_TEMP_MS = DAY_MS;

export function toDataset(row: Omit<Selectable<DatasetsTable>, "profile"> & { profile?: string | null }): Dataset {
  const profile = row.profile ? (JSON.parse(row.profile) as DatasetProfile) : null;
  return { ...row, columns: JSON.parse(row.columns) as string[], profile };
}

/** The dataset, or a 404 (also for strings that cannot be an id). For the system: no permission check. */
export async function getDataset(deps: DatasetDeps, id: string): Promise<Dataset> {
  const row = DATASET_ID.test(id)
    ? await deps.db.selectFrom("datasets").selectAll().where("id", "=", id).executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`dataset ${id}`);
  return toDataset(row);
}

/**
 * The dataset as `actor` may reach it: its uploader and admins; a 404 for anyone else, as for
 * an unknown id. Everything a user does with a dataset id (preview, delete, train) starts here.
 */
export async function datasetForUser(deps: DatasetDeps, actor: Actor, id: string): Promise<Dataset> {
  const ds = await getDataset(deps, id);
  if (!canSeeOwnRecord(actor, ds.created_by)) throw notFound(`dataset ${id}`);
  return ds;
}

/** names shown per dataset in lists: a wide file would otherwise make every list page huge */
export const LIST_COLUMNS = 50;

/** A dataset in a list: `columns` holds at most LIST_COLUMNS names, `column_count` all of them. */
export type DatasetSummary = Dataset & { column_count: number };

export interface DatasetPage {
  items: DatasetSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** Newest first, only what `actor` may see; `name` keeps one name's versions. */
export async function listDatasets(
  deps: DatasetDeps,
  actor: Actor,
  opts: { name?: string | undefined; limit?: number; offset?: number } = {},
): Promise<DatasetPage> {
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  let query = deps.db.selectFrom("datasets as d");
  if (opts.name !== undefined) query = query.where("d.name", "=", opts.name);
  if (!isAdmin(actor)) query = query.where("d.created_by", "=", actor.userId);
  const { total } = await query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  // the JSON array of names is cut in SQL: a 700k-column header never reaches JavaScript here
  const rows = await query
    .select([
      "d.id",
      "d.name",
      "d.version",
      "d.format",
      "d.original_filename",
      "d.row_count",
      "d.size_bytes",
      "d.sha256",
      "d.created_by",
      "d.created_at",
      "d.last_used_at",
      jsonArrayLength(deps.db, sql.ref("d.columns")).as("column_count"),
      jsonArrayHead(deps.db, sql.ref("d.columns"), LIST_COLUMNS).as("columns"),
    ])
    .orderBy("d.created_at", "desc")
    .orderBy("d.name")
    .orderBy("d.version", "desc")
    .limit(limit)
    .offset(offset)
    .execute();
  const items = rows.map((r) => ({ ...toDataset(r), column_count: Number(r.column_count) }));
  return { items, total: Number(total), limit, offset };
}

/** Every version of a name that `actor` may see, newest first; empty when there is none. */
export async function datasetVersions(deps: DatasetDeps, actor: Actor, name: string): Promise<Dataset[]> {
  let query = deps.db.selectFrom("datasets").selectAll().where("name", "=", name);
  if (!isAdmin(actor)) query = query.where("created_by", "=", actor.userId);
  const rows = await query.orderBy("version", "desc").execute();
  return rows.map(toDataset);
}

/** The model versions that still need a dataset: training on it, serving, or ready to serve and retrain. */
export async function versionsUsingDataset(
  deps: DatasetDeps,
  id: string,
): Promise<{ model_key: string; version: string; status: string; active: boolean }[]> {
  const rows = await deps.db
    .selectFrom("model_versions as mv")
    .leftJoin("models as m", "m.model_key", "mv.model_key")
    .select(["mv.model_key", "mv.version", "mv.status", "m.active_version"])
    .where("mv.dataset_id", "=", id)
    .where((eb) =>
      eb.or([eb("mv.status", "in", ["training", "ready"]), eb("m.active_version", "=", eb.ref("mv.version"))]),
    )
    .orderBy("mv.model_key")
    .orderBy("mv.id")
    .execute();
  return rows.map((r) => ({
    model_key: r.model_key,
    version: r.version,
    status: r.status,
    active: r.active_version === r.version,
  }));
}

/**
 * Deletes the row and the file, for its uploader or an admin (404 for anyone else). Refused
 * (409 naming the versions) while a model version trains on it, serves from it or could
 * serve and be retrained from it (status ready): retraining reads the original data. A
 * dataset used only by failed or archived versions may go.
 */
export async function deleteDataset(deps: DatasetDeps, actor: Actor, id: string): Promise<Dataset> {
  const ds = await datasetForUser(deps, actor, id);
  const using = await versionsUsingDataset(deps, ds.id);
  if (using.length > 0) {
    const named = using.map((u) => `${u.model_key} ${u.version} (${u.active ? "active" : u.status})`);
    throw conflict(`dataset ${id} is in use by model versions that need it: ${named.join(", ")}`, {
      versions: using.map(({ model_key, version, status, active }) => ({ model_key, version, status, active })),
    });
  }
  return removeDataset(deps, ds);
}

async function removeDataset(deps: DatasetDeps, ds: Dataset): Promise<Dataset> {
  const gone = await deps.db.deleteFrom("datasets").where("id", "=", ds.id).returning("id").executeTakeFirst();
  if (!gone) throw notFound(`dataset ${ds.id}`);
  await removeDatasetFile(deps.config, ds.id, ds.format);
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
export async function cleanupExpiredDatasets(deps: DatasetDeps, now: Date = deps.now()): Promise<CleanupResult> {
  const tempFiles = await removeStaleTempFiles(deps.config, now, STALE_TEMP_MS);
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
