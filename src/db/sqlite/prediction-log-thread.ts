/**
 * The prediction log's writer thread, seen from the serving thread: `write` packs a slice into
 * one message and resolves once the thread committed it (rejects with its error), so the log's
 * retry, `committed()` and shutdown flush work as with an in-thread write, while the ~15–20 µs
 * per row of SQLite work leaves the thread that answers HTTP. The thread starts with the first
 * write; one that dies fails the writes it held (the log puts those rows back) and the next write
 * starts a new one. It holds the process open only while a write is in flight.
 */
import { workerUrl } from "../../bundled";
import type { PredictionBatchRow, PredictionRow } from "../stores";
import { packSlice } from "./prediction-log-cells";
import type { LogWorkerReply, LogWorkerRequest } from "./prediction-log-messages";

/** Bun's Worker, whose ref/unref the DOM typings lack */
type ThreadWorker = Worker & { ref(): void; unref(): void };

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** One started thread and the writes it was sent and has not answered. */
interface Thread {
  worker: ThreadWorker;
  waiting: Map<number, Waiter>;
}

export class PredictionLogThread {
  readonly #file: string;
  readonly #url: string;
  /** the thread new writes go to */
  #current: Thread | undefined;
  #seq = 0;
  /** threads started so far (a restart after a death adds one) */
  started = 0;

  /** `url`: the worker script, for tests that need one that misbehaves */
  constructor(file: string, url: string = workerUrl(import.meta.url, "db/sqlite/prediction-log-worker.ts")) {
    this.#file = file;
    this.#url = url;
  }

  /** Rows and batches sent now: they are in flight until the promise settles. */
  write(rows: readonly PredictionRow[], batches: readonly PredictionBatchRow[]): Promise<void> {
    const slice = packSlice(rows, batches);
    return this.#send(this.#start(), (seq) => ({ type: "write", seq, ...slice }));
  }

  /**
   * Closes the thread's connection after the writes it was sent and ends the thread; a write
   * that comes later starts a new one.
   */
  async close(): Promise<void> {
    const thread = this.#current;
    if (!thread) return;
    this.#current = undefined;
    try {
      await this.#send(thread, (seq) => ({ type: "close", seq }));
    } catch {
      // it died on the way: nothing left to close
    }
    thread.worker.terminate();
  }

  #send(thread: Thread, message: (seq: number) => LogWorkerRequest): Promise<void> {
    const seq = ++this.#seq;
    const { worker, waiting } = thread;
    return new Promise<void>((resolve, reject) => {
      waiting.set(seq, { resolve, reject });
      if (waiting.size === 1) worker.ref();
      try {
        worker.postMessage(message(seq));
      } catch (e) {
        // a message that cannot be cloned never reaches the thread: nothing will answer it
        waiting.delete(seq);
        if (waiting.size === 0) worker.unref();
        reject(e as Error);
      }
    });
  }

  #start(): Thread {
    if (this.#current) return this.#current;
    const worker = new Worker(this.#url) as ThreadWorker;
    const thread: Thread = { worker, waiting: new Map() };
    this.started++;
    worker.onmessage = (event: MessageEvent<LogWorkerReply>) => {
      const reply = event.data;
      const waiter = thread.waiting.get(reply.seq);
      if (!waiter) return;
      thread.waiting.delete(reply.seq);
      if (thread.waiting.size === 0) worker.unref();
      if (reply.type === "done") waiter.resolve();
      else waiter.reject(new Error(reply.message));
    };
    worker.onerror = (event) =>
      this.#died(thread, new Error(`the prediction log writer thread crashed: ${event.message}`));
    worker.addEventListener("close", () => this.#died(thread, new Error("the prediction log writer thread stopped")));
    worker.postMessage({ type: "open", file: this.#file } satisfies LogWorkerRequest);
    worker.unref();
    this.#current = thread;
    return thread;
  }

  /** A thread that crashed or stopped: what it held fails (the log keeps those rows), the next write starts another. */
  #died(thread: Thread, error: Error): void {
    if (this.#current === thread) this.#current = undefined;
    thread.worker.terminate();
    const waiting = [...thread.waiting.values()];
    thread.waiting.clear();
    for (const w of waiting) w.reject(error);
  }
}
