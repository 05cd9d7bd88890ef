/**
 * Synthetic traffic for a model (seed 004's generator), shared by `POST /demo/generate` and the
 * model page's form: rows drawn for its schema (synthetic.ts), optionally drifted and labelled,
 * fed in as ingested predictions. Only whoever may change the model (owner, maintainer, admin)
 * fills its log with made-up rows.
 */
import { invalid } from "../errors";
import { type Actor, assertCanChangeModel } from "../registry/ownership";
import { type IngestDeps, ingestRows, ingestTarget } from "./ingestion";
import { type DriftInjection, syntheticRows } from "./synthetic";

export interface TrafficRequest {
  modelKey: string;
  rows: number;
  drift: DriftInjection;
  /** label each row (classification: the model's classes in turn), kept as feedback */
  labels: boolean;
  seed: number;
}

export async function generateTraffic(deps: IngestDeps, actor: Actor & { username: string }, r: TrafficRequest) {
  await assertCanChangeModel(deps.db, actor, r.modelKey, "generate traffic for");
  const loaded = await ingestTarget(deps, r.modelKey);
  const { spec, target, model } = loaded.artifact;
  const unknown = r.drift.features.filter((f) => !spec.features.some((s) => s.name === f));
  if (unknown.length) {
    throw invalid(
      `drift.features: ${unknown.join(", ")} not features of ${r.modelKey}`,
      unknown.map((f) => ({ path: "drift.features", message: `${f} is not a feature` })),
    );
  }
  const rows = syntheticRows(spec, r.rows, r.drift, r.seed);
  const classes = model.classes ?? [];
  if (r.labels && classes.length) {
    rows.forEach((row, i) => {
      row[target.field] = classes[(i + r.seed) % classes.length] as string | number;
    });
  }
  const counts = await ingestRows(deps, actor, loaded, rows);
  return { model_key: r.modelKey, version: loaded.version, generated: rows.length, drift: r.drift, ...counts };
}
