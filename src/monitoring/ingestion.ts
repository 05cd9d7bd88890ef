/**
 * Ingestion (seed 003): client rows for a model, each checked on its own. An accepted row is
 * predicted and logged like any prediction (so drift checks see it); a row that carries the
 * model's target is also kept as feedback on that prediction (client data for retraining). A
 * bad row is rejected with its index and why, and the others still go in. Counts per model per
 * UTC day feed `GET /stats`.
 */
import type { Kysely } from "kysely";
import type { Backend } from "../compute/backend";
import type { DB } from "../db/schema";
import { FeatureError, isMissing, type Row, unrepresentableNumbers } from "../ml/features";
import type { Actor } from "../registry/ownership";
import { type LoadedVersion, type ModelCache, predictRows } from "../registry/serving";
import { checkLabel } from "./feedback";
import type { PredictionLog } from "./prediction-log";

export interface IngestDeps {
  db: Kysely<DB>;
  models: ModelCache;
  predictionLog: PredictionLog;
  backend: () => Promise<Backend>;
  now: () => Date;
}

export interface RowIssue {
  /** the row's index in the request (or the line number of an NDJSON stream, from 1) */
  index: number;
  message: string;
}

export interface IngestCount {
  accepted: number;
  labelled: number;
  rejected: number;
  errors: RowIssue[];
}

/** At most this many row issues are reported per request; the counts cover all. */
export const MAX_REPORTED_ISSUES = 100;

/** The model version rows go to: the named one, or the active one. 404/409/503 as prediction. */
export function ingestTarget(deps: Pick<IngestDeps, "models">, modelKey: string, version?: string) {
  return version ? deps.models.load(modelKey, version) : deps.models.active(modelKey);
}

/**
 * Ingests `rows` (`indexOf(i)` is how a row is named in issues) for `loaded`, as `actor`.
 * Rejected: a row that is not an object, has fields the model cannot read, a number it cannot
 * take, or a label it cannot have.
 */
export async function ingestRows(
  deps: IngestDeps,
  actor: Actor & { username: string },
  loaded: LoadedVersion,
  rows: unknown[],
  indexOf: (i: number) => number = (i) => i,
): Promise<IngestCount> {
  const { target, model } = loaded.artifact;
  const errors: RowIssue[] = [];
  const good: { row: Row; label?: unknown; index: number }[] = [];
  rows.forEach((raw, i) => {
    const index = indexOf(i);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      errors.push({ index, message: "not a JSON object" });
      return;
    }
    const { [target.field]: label, ...row } = raw as Row;
    const odd = Object.entries(row).find(([, v]) => v !== null && typeof v === "object");
    if (odd) {
      errors.push({ index, message: `${odd[0]}: a number, text, true/false or null` });
      return;
    }
    const bad = unrepresentableNumbers([row], "row")[0];
    if (bad) {
      errors.push({ index, message: `${bad.path.replace(/^row\.0\./, "")}: ${bad.message}` });
      return;
    }
    if (isMissing(label)) {
      good.push({ row, index });
      return;
    }
    const checked = checkLabel(model.classes, label, target.field);
    if (checked.issue) errors.push({ index, message: `${target.field}: ${checked.issue.message}` });
    else good.push({ row, label: checked.label, index });
  });

  const started = performance.now();
  const predicted = await predictEach(deps.backend, loaded, good, errors);
  const perRow = predicted.length ? (performance.now() - started) / predicted.length : 0;
  const now = deps.now().toISOString();
  const ids = await Promise.all(
    predicted.map(({ item, out }) =>
      deps.predictionLog.add({
        model_key: loaded.modelKey,
        version: loaded.version,
        input: item.row,
        prediction: out.prediction,
        confidence: out.confidence,
        latency_ms: perRow,
        created_by: actor.userId,
      }),
    ),
  );
  const feedback = predicted.flatMap(({ item }, k) =>
    item.label === undefined ? [] : [{ id: ids[k] as number, label: item.label }],
  );
  if (feedback.length) {
    await deps.db
      .insertInto("feedback")
      .values(
        feedback.map((f) => ({
          prediction_id: f.id,
          model_key: loaded.modelKey,
          version: loaded.version,
          input: null,
          label: JSON.stringify(f.label),
          created_at: now,
          created_by: actor.username,
        })),
      )
      .execute();
  }
  const counts = { accepted: predicted.length, labelled: feedback.length, rejected: errors.length };
  await countIngested(deps.db, loaded.modelKey, counts, now);
  errors.sort((a, b) => a.index - b.index);
  return { ...counts, errors: errors.slice(0, MAX_REPORTED_ISSUES) };
}

type Item = { row: Row; label?: unknown; index: number };

/** The whole batch at once; when a row's fields are wrong, row by row so the others still go in. */
async function predictEach(backend: () => Promise<Backend>, loaded: LoadedVersion, items: Item[], errors: RowIssue[]) {
  if (items.length === 0) return [];
  try {
    const out = await predictRows(
      backend,
      loaded,
      items.map((i) => i.row),
    );
    return items.map((item, k) => ({ item, out: out[k] as (typeof out)[number] }));
  } catch (e) {
    if (!(e instanceof FeatureError)) throw e;
  }
  const done: { item: Item; out: Awaited<ReturnType<typeof predictRows>>[number] }[] = [];
  for (const item of items) {
    try {
      const [out] = await predictRows(backend, loaded, [item.row]);
      if (out) done.push({ item, out });
    } catch (e) {
      if (!(e instanceof FeatureError)) throw e;
      errors.push({ index: item.index, message: e.message });
    }
  }
  return done;
}

/** Adds to today's counts of the model (one upsert per request or stream chunk). */
export async function countIngested(
  db: Kysely<DB>,
  modelKey: string,
  c: { accepted: number; labelled: number; rejected: number },
  at: string,
): Promise<void> {
  if (c.accepted + c.rejected === 0) return;
  await db
    .insertInto("ingest_counts")
    .values({ model_key: modelKey, day: at.slice(0, 10), ...c, last_arrival_at: at })
    .onConflict((oc) =>
      oc.columns(["model_key", "day"]).doUpdateSet((eb) => ({
        accepted: eb("ingest_counts.accepted", "+", eb.ref("excluded.accepted")),
        labelled: eb("ingest_counts.labelled", "+", eb.ref("excluded.labelled")),
        rejected: eb("ingest_counts.rejected", "+", eb.ref("excluded.rejected")),
        last_arrival_at: eb.ref("excluded.last_arrival_at"),
      })),
    )
    .execute();
}

/** `GET /stats`: per model, the totals, the last arrival and the per-day counts (newest day first). */
export async function ingestStats(db: Kysely<DB>, q: { modelKey?: string | undefined; days: number }) {
  let rows = db.selectFrom("ingest_counts").selectAll();
  if (q.modelKey) rows = rows.where("model_key", "=", q.modelKey);
  const all = await rows.orderBy("model_key").orderBy("day", "desc").execute();
  const models = new Map<string, typeof all>();
  for (const r of all) models.set(r.model_key, [...(models.get(r.model_key) ?? []), r]);
  const sum = (rs: typeof all, k: "accepted" | "labelled" | "rejected") => rs.reduce((s, r) => s + r[k], 0);
  return {
    models: [...models.entries()].map(([model_key, rs]) => ({
      model_key,
      accepted: sum(rs, "accepted"),
      labelled: sum(rs, "labelled"),
      rejected: sum(rs, "rejected"),
      last_arrival_at:
        rs
          .map((r) => r.last_arrival_at)
          .sort()
          .at(-1) ?? null,
      days: rs.slice(0, q.days).map(({ day, accepted, labelled, rejected }) => ({ day, accepted, labelled, rejected })),
    })),
  };
}
