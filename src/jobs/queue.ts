/**
 * The persistent job queue: one `jobs` table for train, predict, drift and retrain jobs.
 * Rows move queued → running → completed | failed | cancelled; which process runs a job, and
 * what happens when that process dies, is src/jobs/lease.ts.
 */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { JobStatus, JobsTable, JobType } from "../db/tables/models";
import { notFound, ServiceError } from "../errors";
import { TRACE_ID } from "../trace";

export type JobRow = Selectable<JobsTable>;

export const newJobId = () => `job_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

export interface NewJob {
  id?: string;
  type: JobType;
  modelKey: string | null;
  version: string | null;
  params: unknown;
  createdBy: number | null;
  now: string;
  /** the W3C trace id of the request that started it: its log lines carry it (src/trace.ts) */
  traceId?: string | null | undefined;
}

/** `trace_id` rides last in the params JSON (no column for it); handlers' schemas ignore it. */
const TRACE_TAIL = /,?"trace_id":"([0-9a-f]{32})"\}$/;

function paramsText(params: unknown, traceId: string | null | undefined): string {
  const plain = typeof params === "object" && params !== null && !Array.isArray(params);
  if (!plain || !traceId || !TRACE_ID.test(traceId)) return JSON.stringify(params);
  const { trace_id: _, ...rest } = params as Record<string, unknown>;
  return JSON.stringify({ ...rest, trace_id: traceId });
}

/** The trace id a job was started under, or null (a scheduled job, or one from before traces). */
export function traceIdOf(job: Pick<JobRow, "params">): string | null {
  return TRACE_TAIL.exec(job.params)?.[1] ?? null;
}

export async function enqueue(db: Kysely<DB>, j: NewJob): Promise<JobRow> {
  const row = {
    id: j.id ?? newJobId(),
    type: j.type,
    status: "queued" as const,
    model_key: j.modelKey,
    version: j.version,
    params: paramsText(j.params, j.traceId),
    stage: "queued",
    created_by: j.createdBy,
    created_at: j.now,
  };
  await db.insertInto("jobs").values(row).execute();
  return getJob(db, row.id);
}

export async function getJob(db: Kysely<DB>, id: string): Promise<JobRow> {
  const row = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound(`job ${id}`);
  return row;
}

export interface JobFilter {
  status?: JobStatus | readonly JobStatus[] | undefined;
  type?: JobType | undefined;
  modelKey?: string | undefined;
  createdBy?: number | undefined;
  /** only jobs this user created, or of these models except prediction jobs (src/jobs/visibility.ts) */
  visibleTo?: { userId: number; modelKeys: readonly string[] } | undefined;
  limit: number;
  offset: number;
}

export async function listJobs(db: Kysely<DB>, f: JobFilter): Promise<{ items: JobRow[]; total: number }> {
  let q = db.selectFrom("jobs");
  if (typeof f.status === "string") q = q.where("status", "=", f.status);
  else if (f.status) q = q.where("status", "in", [...f.status]);
  if (f.type) q = q.where("type", "=", f.type);
  if (f.modelKey) q = q.where("model_key", "=", f.modelKey);
  if (f.createdBy !== undefined) q = q.where("created_by", "=", f.createdBy);
  const visible = f.visibleTo;
  if (visible) {
    q = q.where((eb) =>
      visible.modelKeys.length
        ? eb.or([
            eb("created_by", "=", visible.userId),
            eb.and([eb("model_key", "in", [...visible.modelKeys]), eb("type", "!=", "predict")]),
          ])
        : eb("created_by", "=", visible.userId),
    );
  }
  const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const items = await q
    .selectAll()
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return { items, total: Number(total.n) };
}

/**
 * Records a running job's progress; false (nothing written) once the job has ended or a cancel
 * was asked for, so that a late report cannot hide how the job ended.
 */
export async function setProgress(
  db: Kysely<DB>,
  id: string,
  p: { stage: string; progress: number; detail?: unknown },
  owner?: string,
): Promise<boolean> {
  const updated = await db
    .updateTable("jobs")
    .set({
      stage: p.stage,
      progress: Math.max(0, Math.min(1, p.progress)),
      progress_detail: p.detail === undefined ? null : JSON.stringify(p.detail),
    })
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("cancel_requested", "=", 0)
    .$if(owner !== undefined, (q) => q.where("claimed_by", "=", owner as string))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Writes how a job ended. With `owner`, only while that process still holds it: a process whose
 * lease ran out (another took the job over) cannot overwrite the new run's outcome; false then.
 */
export async function finishJob(
  db: Kysely<DB>,
  id: string,
  outcome: { status: "completed" | "failed" | "cancelled"; result?: unknown; error?: string; now: string },
  owner?: string,
): Promise<boolean> {
  const done = await db
    .updateTable("jobs")
    .set({
      status: outcome.status,
      stage: outcome.status,
      progress: outcome.status === "completed" ? 1 : undefined,
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.error ?? null,
      finished_at: outcome.now,
      lease_until: null,
    })
    .where("id", "=", id)
    .$if(owner !== undefined, (q) => q.where("claimed_by", "=", owner as string).where("status", "=", "running"))
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/**
 * Asks a job to stop: a queued one is cancelled at once, a running one is flagged and its
 * runner aborts it; a finished one is a 409.
 */
export async function requestCancel(db: Kysely<DB>, id: string, now: string): Promise<JobRow> {
  const job = await getJob(db, id);
  if (job.status === "queued") {
    await finishJob(db, id, { status: "cancelled", error: "cancelled before it started", now });
  } else if (job.status === "running") {
    await db.updateTable("jobs").set({ cancel_requested: 1, stage: "cancelling" }).where("id", "=", id).execute();
  } else {
    throw new ServiceError(409, "conflict", `job ${id} is already ${job.status}`);
  }
  return getJob(db, id);
}

/** Why a job failed when the service stopped under it: at shutdown, or found at the next start. */
export const INTERRUPTED_BY_SHUTDOWN = "the service stopped while this job was running";

/** How many jobs there are of each type and status, for the `/metrics` gauges. */
export async function countJobsByState(db: Kysely<DB>): Promise<{ status: JobStatus; type: string; n: number }[]> {
  const rows = await db
    .selectFrom("jobs")
    .select(["status", "type", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy(["status", "type"])
    .execute();
  return rows.map((r) => ({ status: r.status, type: r.type, n: Number(r.n) }));
}

/** A job row as the API shows it (JSON columns parsed). */
export function jobView(j: JobRow) {
  const parse = (s: string | null) => (s === null ? null : JSON.parse(s));
  return {
    job_id: j.id,
    type: j.type,
    status: j.status,
    model_key: j.model_key,
    version: j.version,
    stage: j.stage,
    progress: j.progress,
    progress_detail: parse(j.progress_detail),
    result: parse(j.result),
    error: j.error,
    created_at: j.created_at,
    started_at: j.started_at,
    finished_at: j.finished_at,
  };
}
