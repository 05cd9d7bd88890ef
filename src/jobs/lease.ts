/**
 * Jobs across processes and replicas sharing one database: a job is claimed by exactly one
 * process with a compare-and-set UPDATE (… WHERE status = 'queued' … RETURNING), held under a
 * lease its process renews while it runs, and put back in the queue when the lease runs out
 * (its process died or hung) until it has been claimed `maxAttempts` times, then failed with
 * that reason. Every statement is Kysely's builder, the same on SQLite and PostgreSQL.
 */
import { hostname } from "node:os";
import type { Kysely, SelectQueryBuilder } from "kysely";
import type { DB } from "../db/schema";
import type { JobType } from "../db/tables/models";
import type { JobRow } from "./queue";

/** `host:pid:random`: unique to this process even when a pid is reused or hosts share a name. */
export function processId(): string {
  return `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

export interface ClaimOptions {
  /** this process (processId) */
  owner: string;
  /** seconds a claim holds without renewal (ML_JOB_LEASE_S) */
  leaseS: number;
  /** the job types this process runs (ML_ROLES: a serve-only process leaves fits to others) */
  types: readonly JobType[];
  /**
   * Lock the candidate row and skip rows other claimers hold (PostgreSQL's FOR UPDATE SKIP
   * LOCKED), so that concurrent claimers take different jobs instead of racing for one. SQLite
   * has no row locks and needs none: a write holds the whole database.
   */
  skipLocked?: boolean;
}

/** An ISO time `seconds` after `now`. */
export function leaseEnd(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/**
 * The oldest queued job of `types`, as the subquery the claim updates.
 * PostgreSQL: FOR UPDATE SKIP LOCKED — with `skipLocked` a claimer passes over a row another
 * claimer is taking rather than waiting for it and then finding it taken.
 */
function nextCandidate(db: Kysely<DB>, o: Pick<ClaimOptions, "types" | "skipLocked">) {
  const q: SelectQueryBuilder<DB, "jobs", { id: string }> = db
    .selectFrom("jobs")
    .select("id")
    .where("status", "=", "queued")
    .where("type", "in", [...o.types])
    .orderBy("created_at")
    .orderBy("id")
    .limit(1);
  return o.skipLocked ? q.forUpdate().skipLocked() : q;
}

/**
 * Takes the oldest queued job this process may run, atomically: one UPDATE whose WHERE repeats
 * `status = 'queued'`, so of two processes claiming the same row one gets it and the other
 * nothing. Null when none waits (or another process took it first; the next look finds the rest).
 */
export async function claimNext(db: Kysely<DB>, now: Date, o: ClaimOptions): Promise<JobRow | null> {
  if (o.types.length === 0) return null;
  // every process looks every second: a read when nothing waits, not a write that takes the lock
  if (!(await nextCandidate(db, { types: o.types }).executeTakeFirst())) return null;
  const row = await claimStatement(db, now, o).executeTakeFirst();
  return row ?? null;
}

/** The claim as one UPDATE … WHERE id = (candidate) AND status = 'queued' RETURNING * (tests compile it per dialect). */
export function claimStatement(db: Kysely<DB>, now: Date, o: ClaimOptions) {
  return db
    .updateTable("jobs")
    .set((eb) => ({
      status: "running",
      stage: "starting",
      started_at: now.toISOString(),
      claimed_by: o.owner,
      lease_until: leaseEnd(now, o.leaseS),
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", nextCandidate(db, o))
    .where("status", "=", "queued")
    .returningAll();
}

/**
 * Extends the leases of the jobs `owner` runs; returns the ids it no longer holds (the job
 * ended, was cancelled, or its lease ran out and another process took it): their runs must stop
 * and write nothing more.
 */
export async function renewLeases(
  db: Kysely<DB>,
  owner: string,
  ids: readonly string[],
  now: Date,
  leaseS: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const held = await db
    .updateTable("jobs")
    .set({ lease_until: leaseEnd(now, leaseS) })
    .where("id", "in", [...ids])
    .where("claimed_by", "=", owner)
    .where("status", "=", "running")
    .returning("id")
    .execute();
  const still = new Set(held.map((r) => r.id));
  return ids.filter((id) => !still.has(id));
}

/** Why a job was given up: every process that took it stopped renewing its lease. */
export function leaseLostReason(attempts: number): string {
  return `its worker stopped renewing its lease ${attempts} time${attempts === 1 ? "" : "s"} (the process running it died or hung); not retried after ML_JOB_MAX_ATTEMPTS`;
}

export interface Reclaimed {
  /** back in the queue for another process */
  requeued: string[];
  /** claimed `maxAttempts` times already, now failed (their training versions too) */
  failed: JobRow[];
  /** a cancel was asked for before the holder died: cancelled, not retried */
  cancelled: JobRow[];
}

/**
 * Running jobs whose lease ran out before `now` (a lease of a process from before leases, NULL,
 * counts as run out): cancelled if a cancel was asked for, re-queued while they have attempts
 * left, failed after. Each UPDATE repeats its condition, so processes doing this at once each
 * move a job only once.
 */
export async function reclaimExpired(db: Kysely<DB>, now: Date, maxAttempts: number): Promise<Reclaimed> {
  const at = now.toISOString();
  const expired = () =>
    db
      .updateTable("jobs")
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("lease_until", "<", at), eb("lease_until", "is", null)]));
  const cancelled = await expired()
    .set({ status: "cancelled", stage: "cancelled", error: "cancelled while running", finished_at: at })
    .where("cancel_requested", "=", 1)
    .returningAll()
    .execute();
  const requeued = await expired()
    .set({
      status: "queued",
      stage: "queued",
      progress: 0,
      progress_detail: null,
      claimed_by: null,
      lease_until: null,
      started_at: null,
    })
    .where("attempts", "<", maxAttempts)
    .returning("id")
    .execute();
  // what is left has used its attempts; each row's reason names its own count
  const spent = await db
    .selectFrom("jobs")
    .select(["id", "attempts"])
    .where("status", "=", "running")
    .where((eb) => eb.or([eb("lease_until", "<", at), eb("lease_until", "is", null)]))
    .execute();
  const failed: JobRow[] = [];
  for (const job of spent) {
    const reason = leaseLostReason(job.attempts);
    const row = await expired()
      .set({ status: "failed", stage: "failed", error: reason, finished_at: at })
      .where("id", "=", job.id)
      .returningAll()
      .executeTakeFirst();
    if (!row) continue;
    failed.push(row);
    await failTrainingVersion(db, job.id, reason, at);
  }
  for (const job of cancelled) await failTrainingVersion(db, job.id, "cancelled while running", at);
  return { requeued: requeued.map((r) => r.id), failed, cancelled };
}

/** The version a fit was making, when its job ended without it (the serving version stays). */
async function failTrainingVersion(db: Kysely<DB>, jobId: string, reason: string, at: string): Promise<void> {
  await db
    .updateTable("model_versions")
    .set({ status: "failed", error: reason, completed_at: at })
    .where("status", "=", "training")
    .where("job_id", "=", jobId)
    .execute();
}
