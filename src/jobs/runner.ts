/**
 * Runs queued jobs, at most ML_MAX_WORKERS_LIMIT at a time, each through the handler of its
 * type. Progress goes to the job row and to the event bus (`queue:task_*`); cancellation aborts
 * the handler's signal; a handler's error fails the job with its message.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { JobType } from "../db/tables/models";
import type { EventBus } from "../events/bus";
import type { Logger } from "../log";
import {
  claimNext,
  finishJob,
  getJob,
  type JobRow,
  jobView,
  recoverInterrupted,
  requestCancel,
  setProgress,
} from "./queue";

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

declare module "../events/bus" {
  interface BusEvents {
    "queue:task_started": JobEvent;
    "queue:task_progress": JobEvent;
    "queue:task_completed": JobEvent;
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
}

export class JobRunner {
  readonly #deps: RunnerDeps;
  readonly #handlers = new Map<JobType, JobHandler>();
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #stopped = true;
  #kicking: Promise<void> | null = null;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  handle(type: JobType, handler: JobHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  /** Fails what a dead process left running, then starts taking jobs. */
  async start(): Promise<string[]> {
    const recovered = await recoverInterrupted(this.#deps.db, this.#now());
    for (const id of recovered) this.#deps.log.warn("job failed: interrupted by a restart", { job_id: id });
    this.#stopped = false;
    this.kick();
    return recovered;
  }

  /** Looks for queued jobs now (called after enqueue; cheap when nothing waits). */
  kick(): void {
    if (this.#stopped || this.#kicking) return;
    this.#kicking = this.#fill().finally(() => {
      this.#kicking = null;
    });
  }

  get busy(): number {
    return this.#running.size;
  }

  async cancel(id: string): Promise<JobRow> {
    const row = await requestCancel(this.#deps.db, id, this.#now());
    this.#running.get(id)?.controller.abort(new Error("cancelled by request"));
    if (row.status === "cancelled") this.#publish("queue:task_completed", row);
    return row;
  }

  /** Waits for every running job to end (they are aborted after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    const all = [...this.#running.values()];
    const timer = setTimeout(() => {
      for (const r of all) r.controller.abort(new Error("the service is shutting down"));
    }, graceMs);
    await Promise.all(all.map((r) => r.done));
    clearTimeout(timer);
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
      const job = await claimNext(this.#deps.db, this.#now());
      if (!job) return;
      const controller = new AbortController();
      const done = this.#run(job, controller).finally(() => {
        this.#running.delete(job.id);
        this.kick();
      });
      this.#running.set(job.id, { controller, done });
    }
  }

  async #run(job: JobRow, controller: AbortController): Promise<void> {
    const { db, log } = this.#deps;
    this.#publish("queue:task_started", job);
    log.info("job started", { job_id: job.id, type: job.type, model_key: job.model_key });
    const handler = this.#handlers.get(job.type);
    try {
      if (!handler) throw new Error(`no handler for ${job.type} jobs`);
      const result = await handler(job, {
        signal: controller.signal,
        progress: async (p) => {
          await setProgress(db, job.id, p);
          this.#deps.bus.publish("queue:task_progress", { ...this.#event(job), ...p, status: "running" });
        },
      });
      const cancelled = controller.signal.aborted;
      await finishJob(
        db,
        job.id,
        cancelled ? { status: "cancelled", now: this.#now() } : { status: "completed", result, now: this.#now() },
      );
    } catch (e) {
      const latest = await getJob(db, job.id);
      const cancelled = latest.cancel_requested === 1;
      const message = cancelled ? "cancelled while running" : (e as Error).message;
      await finishJob(db, job.id, { status: cancelled ? "cancelled" : "failed", error: message, now: this.#now() });
      log[cancelled ? "info" : "warn"]("job ended", {
        job_id: job.id,
        status: cancelled ? "cancelled" : "failed",
        error: message,
      });
    }
    this.#publish("queue:task_completed", await getJob(db, job.id));
  }

  #event(job: JobRow): JobEvent {
    return { job_id: job.id, type: job.type, model_key: job.model_key, version: job.version, status: job.status };
  }

  #publish(type: "queue:task_started" | "queue:task_completed", job: JobRow) {
    const v = jobView(job);
    this.#deps.bus.publish(type, {
      ...this.#event(job),
      stage: v.stage,
      progress: v.progress,
      result: v.result,
      error: v.error,
    });
  }

  #now(): string {
    return this.#deps.now().toISOString();
  }
}
