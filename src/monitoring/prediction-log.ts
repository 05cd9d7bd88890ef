/**
 * Every prediction is logged for drift monitoring without slowing the request: entries wait in
 * a bounded buffer and are written in one transaction every `flushMs` (or when `batch` are
 * waiting). Ids are assigned here so the response can name them; `stop()` flushes what is left,
 * so a clean shutdown loses nothing.
 */
import type { Database } from "bun:sqlite";
import type { Logger } from "../log";

export interface LoggedPrediction {
  model_key: string;
  version: string;
  input: unknown;
  prediction: unknown;
  confidence: number | null;
  latency_ms: number;
  job_id?: string | null;
}

export interface PredictionLogOptions {
  flushMs?: number;
  batch?: number;
  /** entries held at most; beyond it `add` writes synchronously (backpressure, not loss) */
  maxBuffered?: number;
  now?: () => Date;
}

export class PredictionLog {
  readonly #sqlite: Database;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #batch: number;
  readonly #max: number;
  readonly #now: () => Date;
  #buffer: (LoggedPrediction & { id: number; created_at: string })[] = [];
  #nextId: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #written = 0;

  constructor(sqlite: Database, log: Logger, o: PredictionLogOptions = {}) {
    this.#sqlite = sqlite;
    this.#log = log;
    this.#flushMs = o.flushMs ?? 200;
    this.#batch = o.batch ?? 1000;
    this.#max = o.maxBuffered ?? 50_000;
    this.#now = o.now ?? (() => new Date());
    const row = sqlite.query("SELECT COALESCE(MAX(id), 0) AS id FROM predictions").get() as { id: number };
    this.#nextId = row.id + 1;
  }

  /** Queues one entry and returns its prediction id. */
  add(p: LoggedPrediction): number {
    const id = this.#nextId++;
    this.#buffer.push({ ...p, id, created_at: this.#now().toISOString() });
    if (this.#buffer.length >= this.#max) this.flush();
    else if (this.#buffer.length >= this.#batch) queueMicrotask(() => this.flush());
    else this.#timer ??= setTimeout(() => this.flush(), this.#flushMs);
    return id;
  }

  get pending(): number {
    return this.#buffer.length;
  }

  get written(): number {
    return this.#written;
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#buffer.length === 0) return;
    const entries = this.#buffer;
    this.#buffer = [];
    const insert = this.#sqlite.query(
      `INSERT INTO predictions (id, model_key, version, created_at, input, prediction, confidence, latency_ms, job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    try {
      this.#sqlite.transaction(() => {
        for (const e of entries) {
          insert.run(
            e.id,
            e.model_key,
            e.version,
            e.created_at,
            JSON.stringify(e.input),
            JSON.stringify(e.prediction),
            e.confidence,
            e.latency_ms,
            e.job_id ?? null,
          );
        }
      })();
      this.#written += entries.length;
    } catch (err) {
      // keep them for the next attempt rather than dropping them
      this.#buffer = entries.concat(this.#buffer);
      this.#log.error("prediction log write failed", { error: (err as Error).message, pending: this.#buffer.length });
    }
  }

  stop(): void {
    this.flush();
  }
}
