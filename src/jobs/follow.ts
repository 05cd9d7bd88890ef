/**
 * Following a job from outside (the /ws queue events): who may see its events, and the event
 * that tells a newcomer where the job stands now. A client that subscribes after the job moved
 * on (or ended) learns its latest progress or final state instead of waiting for events that
 * already went out.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { JobType } from "../db/tables/models";
import { notFound } from "../errors";
import type { Actor } from "../registry/ownership";
import { type JobRow, jobView } from "./queue";
import { jobForUser } from "./visibility";

/** Job ids as the queue issues them (`job_` + hex); anything else names no job. */
export const JOB_ID = /^job_[A-Za-z0-9_-]{1,60}$/;

/** What the bus says about a job (`queue:*` events) and /ws forwards. */
export interface JobEvent {
  job_id: string;
  type: JobType;
  model_key: string | null;
  version: string | null;
  status: string;
  stage?: string | null;
  progress?: number;
  detail?: unknown;
  result?: unknown;
  error?: string | null;
}

/** A job's row as the payload of a `queue:*` event. */
export function jobEvent(row: JobRow): JobEvent {
  const v = jobView(row);
  return {
    job_id: row.id,
    type: row.type,
    model_key: row.model_key,
    version: row.version,
    status: row.status,
    stage: v.stage,
    progress: v.progress,
    ...(row.status === "running" ? { detail: v.progress_detail } : { result: v.result, error: v.error }),
  };
}

export type JobState =
  | { type: "queue:task_progress" | "queue:task_completed"; data: JobEvent; ended: boolean }
  | { type: null; data: JobEvent; ended: false };

/**
 * Where a job stands, as the event a follower would have seen last: `queue:task_progress` while
 * it runs, `queue:task_completed` once it ended, none while it waits. 404 for a job `actor` may
 * not see, worded as for one that does not exist.
 */
export async function jobState(db: Kysely<DB>, actor: Actor, jobId: string): Promise<JobState> {
  if (!JOB_ID.test(jobId)) throw notFound(`job ${jobId}`);
  const row = await jobForUser(db, actor, jobId);
  const data = jobEvent(row);
  if (row.status === "queued") return { type: null, data, ended: false };
  if (row.status === "running") return { type: "queue:task_progress", data, ended: false };
  return { type: "queue:task_completed", data, ended: true };
}
