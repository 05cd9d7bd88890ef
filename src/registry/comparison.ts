/**
 * Runs side by side: one version in full (`GET /models/{key}/versions/{v}`: parameters, metrics,
 * notes, tags, the aliases naming it) and two or more versions with their per-epoch curves for
 * the comparison page and `GET /models/{key}/compare`. Read-only; anyone signed in.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { listAliases } from "./aliases";
import { type VersionCurves, versionCurves } from "./curves";
import { versionView } from "./queries";
import { getModel, getVersion } from "./registry";
import type { ModelCache } from "./serving";

/** Versions one comparison shows at most: one colour each on the chart. */
export const MAX_COMPARED = 4;

/** One version as the API shows it, with its notes, tags and the aliases naming it. 404 unknown. */
export async function versionDetail(db: Kysely<DB>, modelKey: string, version: string) {
  const model = await getModel(db, modelKey);
  const row = await getVersion(db, modelKey, version);
  const aliases = (await listAliases(db, modelKey)).filter((a) => a.version === row.version).map((a) => a.alias);
  return { model_key: modelKey, ...versionView(row, model.active_version), aliases };
}

export type ComparedVersion = Awaited<ReturnType<typeof versionDetail>> & { curves: VersionCurves };

/**
 * 2–MAX_COMPARED distinct versions in the order asked (`min: 1` for one version's page), each
 * with its curves. 422 for fewer or more, 404 for an unknown one.
 */
export async function versionComparison(
  deps: { db: Kysely<DB>; models: ModelCache },
  modelKey: string,
  versions: string[],
  o: { min: number } = { min: 2 },
): Promise<{ model_key: string; task_type: string; versions: ComparedVersion[] }> {
  const model = await getModel(deps.db, modelKey);
  const asked = [...new Set(versions)];
  if (asked.length < o.min || asked.length > MAX_COMPARED) {
    throw invalid(`compare ${o.min} to ${MAX_COMPARED} distinct versions; got ${asked.length}`, [
      { path: "versions", message: `${o.min} to ${MAX_COMPARED} distinct versions` },
    ]);
  }
  const out: ComparedVersion[] = [];
  for (const v of asked) {
    const detail = await versionDetail(deps.db, modelKey, v);
    out.push({ ...detail, curves: await versionCurves(deps, modelKey, detail.version) });
  }
  return { model_key: modelKey, task_type: model.task_type, versions: out };
}
