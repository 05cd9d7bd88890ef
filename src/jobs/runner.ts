/**
 * Runs queued jobs, at most ML_MAX_WORKERS_LIMIT at a time, each through the handler of its
 * type. Progress goes to the job row and to the event bus (`queue:task_*`); cancellation aborts
 * the handler's signal; a handler's error fails the job with its message. Any number of
 * processes may run one each on the same database: a job is claimed by one of them under a
 * lease this runner renews (src/jobs/lease.ts); a job whose holder died is taken up again.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { JobType } from "../db/tables/models";
import type { EventBus } from "../events/bus";
import type { Logger } from "../log";
import { type JobEvent, jobEvent } from "./follow";
import { claimNext, processId, type Reclaimed, reclaimExpired, renewLeases } from "./lease";
import {
  finishJob,
  getJob,
  INTERRUPTED_BY_SHUTDOWN,
  type JobRow,
  requestCancel,
  setProgress,
  traceIdOf,
} from "./queue";

export type { JobEvent };

declare module "../events/bus" {
  interface BusEvents {
    "queue:task_started": JobEvent;
    "queue:task_progress": JobEvent;
    "queue:task_completed": JobEvent;
    /** a job was queued in a process that runs none (forward): the runners look now */
    "jobs:kick": Record<string, never>;
    /** a running job was cancelled in a process that does not run it: its runner aborts it now */
    "jobs:cancel": { job_id: string };
  }
}

export interface JobContext {
  signal: AbortSignal;
  /** records progress on the row (throttled by the caller) and publishes queue:task_progress */
  progress(p: { stage: string; progress: number; detail?: unknown }): Promise<void>;
}

export type JobHandler = (job: JobRow, ctx: JobContext) => Promise<unknown>;

export interface RunnerDeps {
  db: Kysely<DB>;
  log: Logger;
  bus: EventBus;
  maxWorkers: number;
  now: () => Date;
  /**
   * The seconds a job may run, or null for no limit (ML_TRAIN_TIMEOUT_S, a fit's
   * max_training_time_s); past it the job is aborted and fails with that reason.
   */
  timeLimitS?: (job: JobRow) => number | null;
  /** how this process holds the jobs it runs; defaults: its own id, 30 s, 3 attempts */
  lease?: Partial<LeaseSettings>;
  /** the job types this process takes (ML_ROLES); default every type */
  types?: readonly JobType[];
  /** how often it looks for jobs others queued (POLL_MS; a test sets it far off to see a kick alone) */
  pollMs?: number;
}

export interface LeaseSettings {
  /** this process (processId()) */
  owner: string;
  /** ML_JOB_LEASE_S: renewed every third of it */
  leaseS: number;
  /** ML_JOB_MAX_ATTEMPTS: claims of one job before a lost lease fails it */
  maxAttempts: number;
  /** PostgreSQL: claim with FOR UPDATE SKIP LOCKED (lease.ts) */
  skipLocked: boolean;
}

export const ALL_JOB_TYPES: readonly JobType[] = ["train", "retrain", "predict", "drift"];

/** how often the runner looks for jobs other processes queued (its own it starts at once) */
const POLL_MS = 1000;

/** A job this process runs; `finished` once its final state is written (nothing is written after). */
interface Running {
  controller: AbortController;
  done: Promise<void>;
  finished: boolean;
}

/** how long aborted jobs get to end on their own at shutdown (a fit stops within a step) before the runner fails them */
const ABORT_SETTLE_MS = 2500;

/** True when `p` settles within `ms` (the timer does not outlive the wait). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class JobRunner {
  readonly #deps: RunnerDeps;
  readonly #handlers = new Map<JobType, JobHandler>();
  readonly #running = new Map<string, Running>();
  #stopped = true;
  /** this process runs no jobs: a kick is passed to the processes that do */
  #forwarding = false;
  #offKick = () => {};
  #offCancel = () => {};
  #stopping: Promise<void> | null = null;
  #kicking: Promise<void> | null = null;
  readonly #lease: LeaseSettings;
  readonly #types: readonly JobType[];
  #timers: ReturnType<typeof setInterval>[] = [];
  #beating: Promise<void> | null = null;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    this.#lease = { owner: processId(), leaseS: 30, maxAttempts: 3, skipLocked: false, ...deps.lease };
    this.#types = deps.types ?? ALL_JOB_TYPES;
  }

  /** the id this process claims jobs under */
  get owner(): string {
    return this.#lease.owner;
  }

  handle(type: JobType, handler: JobHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  /**
   * Takes back the jobs of processes whose leases ran out (never another live process's), then
   * starts taking jobs: at once after an enqueue here (`kick`), every POLL_MS for jobs other
   * processes queued, and renews its leases every third of ML_JOB_LEASE_S.
   */
  async start(): Promise<Reclaimed> {
    const reclaimed = await this.reclaim();
    this.#stopped = false;
    this.#stopping = null;
    this.#forwarding = false;
    // a job queued in a process that runs none (forward) starts here at once, not at the next poll
    this.#offKick();
    this.#offKick = this.#deps.bus.subscribe("jobs:kick", () => this.kick(), { remote: true });
    // a cancel asked of another process stops the run here at once, not at the next lease beat
    this.#offCancel();
    this.#offCancel = this.#deps.bus.subscribe(
      "jobs:cancel",
      (e) => this.#running.get(e.job_id)?.controller.abort(new Error("cancelled by request")),
      { remote: true },
    );
    const beat = Math.max(50, (this.#lease.leaseS * 1000) / 3);
    this.#timers = [
      setInterval(() => this.kick(), Math.min(this.#deps.pollMs ?? POLL_MS, beat)),
      setInterval(() => {
        this.#beating ??= this.#heartbeat().finally(() => {
          this.#beating = null;
        });
      }, beat),
    ];
    for (const t of this.#timers) t.unref();
    this.kick();
    return reclaimed;
  }

  /**
   * Jobs whose holder stopped renewing: back in the queue, or failed after ML_JOB_MAX_ATTEMPTS
   * claims (their end is published and logged here, as this process found it).
   */
  async reclaim(): Promise<Reclaimed> {
    const r = await reclaimExpired(this.#deps.db, this.#deps.now(), this.#lease.maxAttempts);
    for (const row of [...r.failed, ...r.cancelled]) {
      this.#publish("queue:task_completed", row);
      this.#logFinished(row, null);
    }
    for (const id of r.requeued) this.#deps.log.warn("job lease expired; queued again", { job_id: id });
    if (r.requeued.length > 0) this.kick();
    return r;
  }

  /** Renews this process's leases, stops runs it no longer holds or that were cancelled elsewhere, reclaims expired ones. */
  async #heartbeat(): Promise<void> {
    try {
      const { db } = this.#deps;
      const mine = [...this.#running.keys()];
      const lost = await renewLeases(db, this.#lease.owner, mine, this.#deps.now(), this.#lease.leaseS);
      for (const id of lost) {
        const run = this.#running.get(id);
        if (!run || run.finished) continue;
        // another process owns the row now (or it ended): this run must not write to it again
        run.finished = true;
        run.controller.abort(new Error("this process lost the job's lease"));
        this.#deps.log.warn("job lease lost; run abandoned", { job_id: id });
      }
      const held = mine.filter((id) => !lost.includes(id));
      if (held.length > 0) {
        const cancelled = await db
          .selectFrom("jobs")
          .select("id")
          .where("id", "in", held)
          .where("cancel_requested", "=", 1)
          .execute();
        for (const { id } of cancelled) this.#running.get(id)?.controller.abort(new Error("cancelled by request"));
      }
      if (!this.#stopped) await this.reclaim();
    } catch (e) {
      this.#deps.log.error("job lease renewal failed", { error: (e as Error).message });
    }
  }

  /**
   * Instead of `start`, in a process that runs no jobs (past ML_JOB_PROCESSES): it claims nothing
   * and takes nobody's expired leases; each `kick` goes over the event relay to the processes
   * that run jobs, so what is queued here starts as soon as it would in theirs.
   */
  forward(): void {
    this.#forwarding = true;
  }

  /** Looks for queued jobs now (called after enqueue; cheap when nothing waits). */
  kick(): void {
    if (this.#forwarding) {
      this.#deps.bus.publish("jobs:kick", {});
      return;
    }
    if (this.#stopped || this.#kicking) return;
    // a database outage ends this round of claims; the next poll tries again
    this.#kicking = this.#fill()
      .catch((e) => this.#deps.log.warn("job claim failed", { error: (e as Error).message }))
      .finally(() => {
        this.#kicking = null;
      });
  }

  get busy(): number {
    return this.#running.size;
  }

  async cancel(id: string): Promise<JobRow> {
    const row = await requestCancel(this.#deps.db, id, this.#now());
    const here = this.#running.get(id);
    here?.controller.abort(new Error("cancelled by request"));
    if (!here && row.status === "running") this.#deps.bus.publish("jobs:cancel", { job_id: id });
    if (row.status === "cancelled") {
      this.#publish("queue:task_completed", row);
      this.#logFinished(row, null);
    }
    return row;
  }

  /**
   * Stops taking jobs; the running ones have until `graceMs` is nearly over (ABORT_SETTLE_MS
   * before), then are aborted, and whatever has not ended by `graceMs` (at least ABORT_SETTLE_MS)
   * is failed with the reason a restart would give it: the caller can exit within its grace.
   */
  stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    this.#forwarding = false;
    this.#offKick();
    this.#offKick = () => {};
    this.#offCancel();
    this.#offCancel = () => {};
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#stopping ??= this.#stopAll(graceMs);
    return this.#stopping;
  }

  async #stopAll(graceMs: number): Promise<void> {
    const all = [...this.#running.entries()];
    if (all.length === 0) return;
    const ended = Promise.all(all.map(([, r]) => r.done));
    if (await settlesWithin(ended, Math.max(0, graceMs - ABORT_SETTLE_MS))) return;
    for (const [, r] of all) r.controller.abort(new Error(INTERRUPTED_BY_SHUTDOWN));
    if (await settlesWithin(ended, ABORT_SETTLE_MS)) return;
    for (const [id, r] of all) {
      if (r.finished) continue;
      // its handler may still write after this; the row already says how the job ended
      r.finished = true;
      const failed = { status: "failed" as const, error: INTERRUPTED_BY_SHUTDOWN, now: this.#now() };
      if (!(await finishJob(this.#deps.db, id, failed, this.#lease.owner))) continue;
      const row = await getJob(this.#deps.db, id);
      this.#publish("queue:task_completed", row);
      this.#logFinished(row, null);
    }
  }

  /** Resolves when no job is running or queued (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.#kicking;
      const running = [...this.#running.values()];
      if (running.length === 0) {
        const queued = await this.#deps.db
          .selectFrom("jobs")
          .select("id")
          .where("status", "=", "queued")
          .where("type", "in", [...this.#types])
          .executeTakeFirst();
        if (!queued || this.#stopped) return;
        this.kick();
        await Bun.sleep(5);
        continue;
      }
      await Promise.all(running.map((r) => r.done));
    }
  }

  async #fill(): Promise<void> {
    while (!this.#stopped && this.#running.size < this.#deps.maxWorkers) {
      const job = await claimNext(this.#deps.db, this.#deps.now(), { ...this.#lease, types: this.#types });
      if (!job) return;
      const running: Running = { controller: new AbortController(), done: Promise.resolve(), finished: false };
      running.done = this.#run(job, running)
        // the outcome could not be written (database outage): the lease, no longer renewed, runs
        // out and the job is queued again (or failed past ML_JOB_MAX_ATTEMPTS)
        .catch((e) => this.#deps.log.warn("job end not recorded", { job_id: job.id, error: (e as Error).message }))
        .finally(() => {
          this.#running.delete(job.id);
          this.kick();
        });
      this.#running.set(job.id, running);
    }
  }

  async #run(job: JobRow, running: Running): Promise<void> {
    const { db, log } = this.#deps;
    const { controller } = running;
    const started = performance.now();
    const trace = { trace_id: traceIdOf(job) };
    this.#publish("queue:task_started", job);
    log.info("job started", { job_id: job.id, type: job.type, model_key: job.model_key, ...trace });
    const handler = this.#handlers.get(job.type);
    // progress is written and published in the order it was reported, and never after the job ended
    let progressed = Promise.resolve();
    const progress = (p: { stage: string; progress: number; detail?: unknown }) => {
      const next = progressed.then(async () => {
        if (running.finished) return;
        const recorded = await setProgress(db, job.id, p, this.#lease.owner);
        if (recorded && !running.finished)
          this.#deps.bus.publish("queue:task_progress", { ...this.#event(job), ...p, status: "running" });
      });
      progressed = next.catch(() => {});
      return next;
    };
    let outcome: { status: "completed" | "failed" | "cancelled"; result?: unknown; error?: string };
    const limitS = this.#timeLimit(job);
    const limit =
      limitS === null
        ? null
        : setTimeout(
            () => controller.abort(new Error(`stopped: the job ran past its time limit of ${limitS} s`)),
            limitS * 1000,
          );
    try {
      if (!handler) throw new Error(`no handler for ${job.type} jobs`);
      const result = await handler(job, { signal: controller.signal, progress });
      const cancelled = controller.signal.aborted && (await getJob(db, job.id)).cancel_requested === 1;
      outcome = cancelled ? { status: "cancelled", error: "cancelled while running" } : { status: "completed", result };
    } catch (e) {
      const latest = await getJob(db, job.id);
      const cancelled = latest.cancel_requested === 1;
      const message = cancelled
        ? "cancelled while running"
        : controller.signal.aborted
          ? String((controller.signal.reason as Error)?.message ?? controller.signal.reason)
          : (e as Error).message;
      outcome = { status: cancelled ? "cancelled" : "failed", error: message };
    }
    if (limit) clearTimeout(limit);
    if (running.finished) return;
    running.finished = true;
    await progressed;
    if (!(await finishJob(db, job.id, { ...outcome, now: this.#now() }, this.#lease.owner))) return;
    this.#logFinished({ ...job, status: outcome.status, error: outcome.error ?? null }, performance.now() - started);
    this.#publish("queue:task_completed", await getJob(db, job.id));
  }

  /**
   * The one line each job ends with, however it ended (run, cancelled while queued, failed by a
   * shutdown or a restart). `ranMs`: how long this process ran it; null when it did not.
   */
  #logFinished(job: JobRow, ranMs: number | null): void {
    this.#deps.log[job.status === "failed" ? "warn" : "info"]("job finished", {
      job_id: job.id,
      type: job.type,
      model_key: job.model_key,
      version: job.version,
      status: job.status,
      duration_ms: ranMs === null ? null : Math.round(ranMs),
      error: job.error,
      trace_id: traceIdOf(job),
    });
  }

  #timeLimit(job: JobRow): number | null {
    try {
      return this.#deps.timeLimitS?.(job) ?? null;
    } catch {
      return null;
    }
  }

  #event(job: JobRow): JobEvent {
    return { job_id: job.id, type: job.type, model_key: job.model_key, version: job.version, status: job.status };
  }

  #publish(type: "queue:task_started" | "queue:task_completed", job: JobRow) {
    this.#deps.bus.publish(type, jobEvent(job));
  }

  #now(): string {
    return this.#deps.now().toISOString();
  }
}
