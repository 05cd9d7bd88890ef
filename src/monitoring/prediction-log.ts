/**
 * Every prediction is logged for drift monitoring without slowing the request: entries wait in
 * a bounded buffer and are written every `flushMs` (or when `batch` are waiting), in slices of
 * at most SLICE_ROWS per transaction with the event loop free between them (#drain); an explicit
 * `flush()` writes all in one. Ids are assigned here so the response can name them, from blocks reserved in the
 * database (prediction-ids.ts), so no id is ever issued twice; `stop()` flushes what is left,
 * so a clean shutdown loses nothing (a crash loses the buffer, and its ids stay unused).
 *
 * The same transaction also writes the columnar copy the drift check reads: one
 * prediction_batches row per (model_key, version) in the slice (layout in columns.ts). A batch
 * spans at most one flush interval (`flushMs`, 200 ms by default) unless writes were failing.
 * An input the batch gives back exactly is stored there only (the row's `input` is '', and it
 * names its batch and place: batched-inputs.ts reads it back); the others keep their JSON text.
 *
 * What a kill -9 can lose is bounded by the settings: at most `batch` rows
 * (ML_PREDICTION_LOG_MAX_ROWS) or `flushMs` (ML_PREDICTION_LOG_FLUSH_MS) of predictions, whichever
 * comes first; /metrics reports both and what waits now (`pending`: buffered, and handed to a
 * write not yet committed, e.g. on SQLite's writer thread). A caller that needs zero loss
 * (ML_PREDICTION_LOG=sync) awaits `committed()` before it answers: requests that arrive together
 * share one commit.
 */
import type { PredictionBatchRow, PredictionLogStore, PredictionRow } from "../db/stores";
import { isoPerMillisecond } from "../iso-time";
import type { Logger } from "../log";
import { BATCHED_INPUT } from "./batched-inputs";
import { encodeBatch, inputObject } from "./columns";
import { PredictionIds } from "./prediction-ids";

export interface LoggedPrediction {
  model_key: string;
  version: string;
  input: unknown;
  /** `input` as JSON text when the caller already wrote it (the answer of POST /predict): not written twice */
  input_json?: string;
  prediction: unknown;
  confidence: number | null;
  latency_ms: number;
  job_id?: string | null;
  /** users.id of who asked: prediction results are theirs and the admins' */
  created_by?: number | null;
}

/** rows written per transaction by the timer's flush (#drain): ~3 ms of writing here, not one 1,000-row block */
const SLICE_ROWS = 256;

type Entry = LoggedPrediction & { id: number; created_at: string };

/** One (model_key, version) of a flush: entries in id order, so first/last are the id range. */
interface Group {
  first: Entry;
  last: Entry;
  from: string;
  to: string;
  /** the entries' inputs as objects, and the predictions rows they belong to */
  rows: Record<string, unknown>[];
  logged: PredictionRow[];
}

export interface PredictionLogOptions {
  flushMs?: number;
  batch?: number;
  /** entries held at most; beyond it `add` writes synchronously (backpressure, not loss) */
  maxBuffered?: number;
  now?: () => Date;
  /** ids reserved in the database at a time (one write per block) */
  idBlock?: number;
}

export class PredictionLog {
  readonly #store: PredictionLogStore;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #batch: number;
  /** rows the flush under way still has to write (those waiting when it began) */
  #owed = 0;
  readonly #max: number;
  readonly #now: () => Date;
  #buffer: Entry[] = [];
  readonly #ids: PredictionIds;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #written = 0;
  /** rows handed to the store and not yet committed: a kill -9 loses them like the buffer */
  #inFlight = 0;
  /** callers of committed() waiting for the entries now in #buffer */
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #commitSoon = false;
  /** a slice of the buffer is due to be written after the waiting I/O (#drain) */
  #draining = false;
  /** every write started so far, settled: writes never overlap, so each takes the buffer as it then is */
  #writing: Promise<void> = Promise.resolve();
  /** rows added per model since start (the predictions counter of /metrics) */
  readonly #added = new Map<string, number>();
  readonly #isoText = isoPerMillisecond();

  constructor(store: PredictionLogStore, log: Logger, o: PredictionLogOptions = {}) {
    this.#store = store;
    this.#log = log;
    this.#flushMs = o.flushMs ?? 200;
    this.#batch = o.batch ?? 1000;
    this.#max = o.maxBuffered ?? 50_000;
    this.#now = o.now ?? (() => new Date());
    this.#ids = new PredictionIds(store, o.idBlock);
  }

  /**
   * Queues one entry and returns its prediction id: at once while the process holds ids (nearly
   * always), otherwise once the next id block is reserved.
   */
  add(p: LoggedPrediction): number | Promise<number> {
    const id = this.#ids.next();
    if (typeof id === "number") {
      this.#push(p, id);
      return id;
    }
    return id.then((id) => {
      this.#push(p, id);
      return id;
    });
  }

  #push(p: LoggedPrediction, id: number): void {
    // one shape for every entry, written out rather than spread (this runs once per prediction)
    this.#buffer.push({
      id,
      model_key: p.model_key,
      version: p.version,
      input: p.input,
      input_json: p.input_json,
      prediction: p.prediction,
      confidence: p.confidence,
      latency_ms: p.latency_ms,
      job_id: p.job_id,
      created_by: p.created_by,
      created_at: this.#createdAt(),
    });
    this.#added.set(p.model_key, (this.#added.get(p.model_key) ?? 0) + 1);
    if (this.#buffer.length >= this.#max) void this.flush();
    else if (this.#buffer.length + this.#inFlight >= this.#batch) this.#drainSoon();
    else this.#timer ??= setTimeout(() => this.#drainSoon(), this.#flushMs);
  }

  /** The time now as ISO text (a 1,000-row request shares one millisecond's). */
  #createdAt(): string {
    return this.#isoText(this.#now().getTime());
  }

  /** Rows answered and not yet committed: buffered, or in a write under way. */
  get pending(): number {
    return this.#buffer.length + this.#inFlight;
  }

  get written(): number {
    return this.#written;
  }

  /** Rows added per model since this log started. */
  get added(): ReadonlyMap<string, number> {
    return this.#added;
  }

  /** The loss window on kill -9: most rows and longest time a prediction waits unwritten. */
  get window(): { rows: number; ms: number } {
    return { rows: this.#batch, ms: this.#flushMs };
  }

  /**
   * Resolves once every entry added so far is committed; rejects when that write fails. Calls in
   * the same turn of the event loop share one transaction.
   */
  committed(): Promise<void> {
    if (this.#buffer.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#commitSoon) {
      this.#commitSoon = true;
      setImmediate(() => {
        this.#commitSoon = false;
        void this.flush();
      });
    }
    return done;
  }

  /** Runs `write` after every write started before it: one writer at a time, in order. */
  #serial(write: () => Promise<void>): Promise<void> {
    const done = this.#writing.then(write);
    this.#writing = done;
    return done;
  }

  /**
   * Writes everything buffered (when its turn comes) in one transaction; settles once that and
   * every earlier write settled, so a reader that awaits it sees every prediction added before.
   * Never rejects: a failed write keeps its rows for the next and rejects the committed() waiters.
   */
  flush(): Promise<void> {
    return this.#serial(async () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      const waiters = this.#waiters;
      this.#waiters = [];
      if (this.#buffer.length === 0) {
        for (const w of waiters) w.resolve();
        return;
      }
      const entries = this.#buffer;
      this.#buffer = [];
      try {
        await this.#write(entries);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err as Error);
      }
    });
  }

  #drainSoon(): void {
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => void this.#serial(() => this.#drain()));
  }

  /**
   * The timer's and the batch size's flush: at most SLICE_ROWS in one transaction, then the
   * rest after the requests that wait, slice by slice, so a big flush never holds the event loop
   * for long (a 1,000-row write took 12–17 ms here; requests that arrived meanwhile waited that long).
   */
  async #drain(): Promise<void> {
    this.#draining = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // the rows waiting when this flush began are all written, slice by slice
    if (this.#owed <= 0) this.#owed = this.#buffer.length;
    // one slice, or as many as bring the backlog under `batch`: writing never falls behind adding
    do {
      if (this.#buffer.length === 0) {
        this.#owed = 0;
        return;
      }
      const entries = this.#buffer.splice(0, SLICE_ROWS);
      try {
        await this.#write(entries);
        this.#owed -= entries.length;
      } catch {
        // #write put them back and logged; the timer retries
        this.#owed = 0;
        this.#timer ??= setTimeout(() => this.#drainSoon(), this.#flushMs);
        return;
      }
    } while (this.#buffer.length >= this.#batch);
    // rows that came during the flush wait for the timer, as any row does, unless they fill a
    // slice: a write after each write would cost a message and a transaction for a handful of rows
    if (this.#owed > 0 || this.#buffer.length >= SLICE_ROWS) this.#drainSoon();
    else if (this.#buffer.length > 0) this.#timer ??= setTimeout(() => this.#drainSoon(), this.#flushMs);
  }

  /** Writes `entries` (in id order) and their columnar copy in one transaction; on failure puts them back first and throws. */
  async #write(entries: Entry[]): Promise<void> {
    // an entry that waited for an id block can be queued just after one with a later id
    if (!entries.every((e, i) => i === 0 || (entries[i - 1] as Entry).id < e.id)) entries.sort((x, y) => x.id - y.id);
    try {
      const rows: PredictionRow[] = [];
      const groups = new Map<string, Group>();
      for (const e of entries) {
        const input = e.input_json ?? JSON.stringify(e.input);
        const logged: PredictionRow = {
          id: e.id,
          model_key: e.model_key,
          version: e.version,
          created_at: e.created_at,
          input,
          prediction: JSON.stringify(e.prediction),
          confidence: e.confidence,
          latency_ms: e.latency_ms,
          job_id: e.job_id ?? null,
          created_by: e.created_by ?? null,
          batch_first_id: null,
          batch_row: null,
        };
        rows.push(logged);
        const key = `${e.model_key}\u0000${e.version}`;
        let g = groups.get(key);
        if (!g) {
          g = { first: e, last: e, from: e.created_at, to: e.created_at, rows: [], logged: [] };
          groups.set(key, g);
        }
        g.last = e;
        if (e.created_at < g.from) g.from = e.created_at;
        if (e.created_at > g.to) g.to = e.created_at;
        const row = inputObject(e.input, input);
        if (row) {
          g.rows.push(row);
          g.logged.push(logged);
        }
      }
      // a batch is written even with no object rows, so every id from the first batch on is covered
      const batches: PredictionBatchRow[] = [];
      for (const g of groups.values()) {
        const b = encodeBatch(g.rows);
        // each input is stored once: in the batch when it gives the row back exactly, else as text
        for (let k = 0; k < g.logged.length; k++) {
          const logged = g.logged[k] as PredictionRow;
          logged.batch_first_id = g.first.id;
          logged.batch_row = k;
          if (b.exact[k] === 1) logged.input = BATCHED_INPUT;
        }
        batches.push({
          model_key: g.first.model_key,
          version: g.first.version,
          first_prediction_id: g.first.id,
          last_prediction_id: g.last.id,
          created_from: g.from,
          created_to: g.to,
          row_count: b.row_count,
          columns: b.columns,
          data: b.data,
        });
      }
      this.#inFlight += entries.length;
      try {
        await this.#store.write(rows, batches);
      } finally {
        this.#inFlight -= entries.length;
      }
      this.#written += entries.length;
    } catch (err) {
      // keep them for the next attempt rather than dropping them
      this.#buffer = entries.concat(this.#buffer);
      this.#log.error("prediction log write failed", { error: (err as Error).message, pending: this.#buffer.length });
      throw err;
    }
  }

  /** Writes what is left, then lets the store release its writer (SQLite's thread). */
  async stop(): Promise<void> {
    await this.flush();
    await this.#store.close?.();
  }
}
