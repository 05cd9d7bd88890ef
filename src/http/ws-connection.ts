/**
 * One /ws client: who it is, the jobs it follows, and what it may see. Queue events of one job
 * leave in order through a per-job lane (replies, replays and bus events alike); a subscription
 * replays the job's latest state at once, and ends with the job's final state. Everything a
 * client can make the server hold or send is bounded: ids are job ids of at most 64 characters,
 * never echoed when malformed, at most MAX_SUBSCRIPTIONS at a time, replies carry counts, not lists.
 */
import type { WSContext } from "hono/ws";
import type { AuthContext } from "../auth/context";
import { hasRole, type Identity } from "../auth/identity";
import { JOB_ID, jobState } from "../jobs/follow";
import type { JobEvent } from "../jobs/runner";
import { maySeeJob } from "../jobs/visibility";
import { acknowledgeAlert } from "../monitoring/alerts";

const FORWARDED = new Set([
  "queue:task_started",
  "queue:task_progress",
  "queue:task_completed",
  "models:metrics_updated",
]);
const isForwarded = (type: string) => FORWARDED.has(type) || type.startsWith("alerts:") || type.startsWith("drift:");
/** jobs one socket follows at once */
export const MAX_SUBSCRIPTIONS = 100;
/** the largest message a client may send (the server's messages are a few hundred bytes) */
export const MAX_MESSAGE_BYTES = 4096;
/** job ids whose visibility a connection remembers; bounded so a long-lived socket does not grow */
const VISIBILITY_CACHE = 1000;

/** What a subscriber was last sent about a job. */
interface Followed {
  progress: number;
}

export class Connection {
  readonly #followed = new Map<string, Followed>();
  /** once the client subscribed, queue events of the jobs it follows only (until it unsubscribes from all) */
  #narrowed = false;
  readonly #sees = new Map<string, Promise<boolean>>();
  readonly #lanes = new Map<string, Promise<void>>();
  #off: (() => void) | null = null;

  constructor(
    readonly auth: AuthContext,
    readonly identity: Identity,
    readonly ws: WSContext,
  ) {}

  open(): void {
    // events raised in other processes too: a job may run in a sibling (src/events/relay.ts)
    this.#off = this.auth.bus.subscribeAll((payload, type) => this.#forward(type, payload), { remote: true });
  }

  close(): void {
    this.#off?.();
    this.#off = null;
  }

  /** Closes the socket from the server's side: 1008 when its credential was withdrawn, 1001 at shutdown. */
  end(code: number, reason: string): void {
    this.close();
    if (this.ws.readyState === 1) this.ws.close(code, reason);
  }

  send(type: string, data: unknown): void {
    // a client that went away between the event and the send is not an error
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify({ type, data, time: this.auth.now().toISOString() }));
  }

  receive(text: string): void {
    if (text.length > MAX_MESSAGE_BYTES) {
      this.#error("message_too_large", `messages are at most ${MAX_MESSAGE_BYTES} bytes`);
      return;
    }
    let msg: { type?: unknown; job_id?: unknown; alert_id?: unknown } | null = null;
    try {
      msg = JSON.parse(text);
    } catch {}
    if (msg === null || typeof msg !== "object") {
      this.#error("bad_message", "messages are JSON objects with a type");
      return;
    }
    if (msg.type === "ping") this.send("pong", {});
    else if (msg.type === "queue:subscribe") this.#subscribe(msg.job_id);
    else if (msg.type === "queue:unsubscribe") this.#unsubscribe(msg.job_id);
    else if (msg.type === "alerts:acknowledge") this.#acknowledge(msg.alert_id);
    else {
      const named = typeof msg.type === "string" && msg.type.length <= 64 ? ` ${JSON.stringify(msg.type)}` : "";
      this.#error(
        "unknown_type",
        `unknown message type${named}; use ping, queue:subscribe, queue:unsubscribe or alerts:acknowledge`,
      );
    }
  }

  #error(code: string, message: string, extra: Record<string, unknown> = {}): void {
    this.send("error", { code, message, ...extra });
  }

  #acknowledge(alertId: unknown): void {
    // a malformed id still counts as an acknowledge request: it gets a 404-style error reply
    const id = typeof alertId === "number" && Number.isSafeInteger(alertId) ? alertId : 0;
    // the broadcast `alerts:acknowledged` confirms it, to this client as to the others
    const deps = { db: this.auth.db, bus: this.auth.bus, now: this.auth.now };
    acknowledgeAlert(deps, id, this.identity.username).catch((e: Error) =>
      this.send("error", { code: "not_acknowledged", message: e.message, alert_id: id }),
    );
  }

  /** A job id from a message, or undefined after answering why it is not one (without echoing it). */
  #jobId(type: string, jobId: unknown): string | undefined {
    if (typeof jobId === "string" && JOB_ID.test(jobId)) return jobId;
    this.#error("invalid_job_id", `${type} needs a job_id as the API returns it: job_… (at most 64 characters)`);
    return undefined;
  }

  #subscribe(raw: unknown): void {
    const jobId = this.#jobId("queue:subscribe", raw);
    if (jobId === undefined) return;
    if (!this.#followed.has(jobId) && this.#followed.size >= MAX_SUBSCRIPTIONS) {
      this.#error("too_many_subscriptions", `at most ${MAX_SUBSCRIPTIONS} jobs at once: unsubscribe from one first`, {
        job_id: jobId,
      });
      return;
    }
    const wasNarrowed = this.#narrowed;
    if (!this.#followed.has(jobId)) this.#followed.set(jobId, { progress: -1 });
    this.#narrowed = true;
    // in the job's lane: its events published from now on leave after this reply and replay
    this.#inLane(jobId, async () => {
      const state = await jobState(this.auth.db, this.identity, jobId).catch(() => null);
      if (state === null) {
        // a refused subscription changes nothing
        this.#followed.delete(jobId);
        if (!wasNarrowed && this.#followed.size === 0) this.#narrowed = false;
        this.#error("not_found", `job ${jobId} not found`, { job_id: jobId });
        return;
      }
      this.send("queue:subscribed", {
        job_id: jobId,
        status: state.data.status,
        subscriptions: this.#followed.size,
      });
      if (state.type) this.#deliver(jobId, state.type, state.data);
    });
  }

  #unsubscribe(raw: unknown): void {
    const jobId = this.#jobId("queue:unsubscribe", raw);
    if (jobId === undefined) return;
    this.#followed.delete(jobId);
    if (this.#followed.size === 0) this.#narrowed = false;
    this.send("queue:unsubscribed", { job_id: jobId, subscriptions: this.#followed.size });
  }

  #forward(type: string, payload: unknown): void {
    if (!isForwarded(type)) return;
    if (!type.startsWith("queue:")) {
      this.send(type, payload);
      return;
    }
    const event = payload as JobEvent;
    const jobId = String(event?.job_id ?? "");
    if (this.#narrowed && !this.#followed.has(jobId)) return;
    const admin = hasRole(this.identity.role, "admin");
    if (admin && !this.#lanes.has(jobId)) {
      this.#deliver(jobId, type, event);
      return;
    }
    this.#inLane(jobId, async () => {
      if (admin || (await this.#maySee(jobId))) this.#deliver(jobId, type, event);
    });
  }

  /** Sends a queue event unless the client stopped following the job or already has newer news of it. */
  #deliver(jobId: string, type: string, event: JobEvent): void {
    const followed = this.#followed.get(jobId);
    if (this.#narrowed && !followed) return;
    if (followed) {
      const progress = event.progress ?? 0;
      if (type === "queue:task_progress" && progress < followed.progress) return;
      followed.progress = Math.max(followed.progress, progress);
      // the final state is the last thing a job has to say: the subscription ends with it
      if (type === "queue:task_completed") this.#followed.delete(jobId);
    }
    this.send(type, event);
  }

  #inLane(jobId: string, task: () => Promise<void>): void {
    const next = (this.#lanes.get(jobId) ?? Promise.resolve()).then(task).catch(() => {});
    this.#lanes.set(jobId, next);
    void next.then(() => {
      if (this.#lanes.get(jobId) === next) this.#lanes.delete(jobId);
    });
  }

  #maySee(jobId: string): Promise<boolean> {
    let known = this.#sees.get(jobId);
    if (known === undefined) {
      if (this.#sees.size >= VISIBILITY_CACHE) this.#sees.clear();
      known = maySeeJob(this.auth.db, this.identity, jobId).catch(() => false);
      this.#sees.set(jobId, known);
    }
    return known;
  }
}
