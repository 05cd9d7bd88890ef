/**
 * Who sees and cancels which job: its creator, admins, and the owner and maintainers of its
 * model (canSeeJob). Anyone else gets the 404 of an unknown job, so a job id says nothing
 * about other users' work. The API, the dashboard and the WebSocket subscription (maySeeJob)
 * go through these functions.
 *
 * @example
 * const job = await jobForUser(db, identity, id);            // 404 unless identity may see it
 * const { items } = await listJobsForUser(db, identity, { limit: 50, offset: 0 });
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { notFound } from "../errors";
import { type Actor, canSeeJob, isAdmin, maintainedModelKeys } from "../registry/ownership";
import { type JobFilter, type JobRow, listJobs } from "./queue";

/** The job, or a 404 when it does not exist or `actor` may not see it. */
export async function jobForUser(db: Kysely<DB>, actor: Actor, id: string): Promise<JobRow> {
  const job = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!job || !(await canSeeJob(db, actor, job))) throw notFound(`job ${id}`);
  return job;
}

/**
 * True when the job exists and `actor` may see it: for filters that drop rather than refuse
 * (the /ws event stream forwards a job's events only to those who may see the job).
 */
export async function maySeeJob(db: Kysely<DB>, actor: Actor, id: string): Promise<boolean> {
  const job = await db
    .selectFrom("jobs")
    .select(["created_by", "model_key", "type"])
    .where("id", "=", id)
    .executeTakeFirst();
  return job !== undefined && (await canSeeJob(db, actor, job));
}

/** The jobs `actor` may see, newest first: all for admins. */
export async function listJobsForUser(
  db: Kysely<DB>,
  actor: Actor,
  f: Omit<JobFilter, "visibleTo">,
): Promise<{ items: JobRow[]; total: number }> {
  if (isAdmin(actor)) return listJobs(db, f);
  return listJobs(db, {
    ...f,
    visibleTo: { userId: actor.userId, modelKeys: await maintainedModelKeys(db, actor.userId) },
  });
}

/** Cancels a job `actor` may see (the same people may cancel it); a 404 otherwise. */
export async function cancelJobForUser(
  deps: { db: Kysely<DB>; jobs: { cancel(id: string): Promise<JobRow> } },
  actor: Actor,
  id: string,
): Promise<JobRow> {
  await jobForUser(deps.db, actor, id);
  return deps.jobs.cancel(id);
}
