/**
 * Shadow traffic: the rows the serving version answered are predicted again by the model's
 * shadow (the version its shadow alias names, src/registry/shadow.ts) and logged in
 * `shadow_predictions` beside the live answer, never returned. A request only hands its rows
 * over (`offer`, an array push); the shadow predicts them in a later task, so it can neither
 * slow nor change the answer. Its failures (a feature it cannot encode, a missing artifact)
 * are logged and cost the client nothing. At most MAX_QUEUED_ROWS wait; beyond that copies are
 * dropped and counted rather than let memory grow.
 *
 * ```ts
 * runtime.shadow.offer(loaded, rows, predictions); // in the request, after predicting
 * await runtime.shadow.drain();                      // tests and shutdown: everything offered is written
 * ```
 */
import type { Insertable, Kysely } from "kysely";
import type { Backend } from "../compute/backend";
import type { DB } from "../db/schema";
import type { ShadowPredictionsTable } from "../db/tables/aliases";
import type { Logger } from "../log";
import type { Row } from "../ml/features";
import { type LoadedVersion, type ModelCache, predictRows } from "../registry/serving";
import { shadowVersion } from "../registry/shadow";
import { shadowChanges } from "../registry/shadow-changes";

/** How long a model's shadow version is trusted without reading it again. */
const SHADOW_RECHECK_MS = 1000;

/** Rows waiting for their shadow at most; a burst beyond it is dropped (and counted). */
export const MAX_QUEUED_ROWS = 50_000;
/** shadow_predictions rows per INSERT (9 bound values each, well under SQLite's limit) */
const INSERT_CHUNK = 500;

/** The live answer for one row, as the request returned it. */
export interface LiveAnswer {
  prediction_id: number;
  prediction: unknown;
}

type NewShadowRow = Insertable<ShadowPredictionsTable>;

interface Offer {
  modelKey: string;
  liveVersion: string;
  rows: Row[];
  answers: LiveAnswer[];
}

export interface ShadowTrafficDeps {
  db: Kysely<DB>;
  models: ModelCache;
  servingBackend: () => Promise<Backend>;
  log: Logger;
  now: () => Date;
}

export class ShadowTraffic {
  readonly #deps: ShadowTrafficDeps;
  #queue: Offer[] = [];
  /** per model, its shadow version as last read, with shadowChanges() and the time then */
  readonly #known = new Map<string, { version: string | null; changes: number; at: number }>();
  #queuedRows = 0;
  #running: Promise<void> | null = null;
  #dropped = 0;
  #written = 0;

  constructor(deps: ShadowTrafficDeps) {
    this.#deps = deps;
  }

  /**
   * False when the model is known, as of less than a second ago, to have no shadow: the caller
   * then need not build the copy it would offer. True when it has one or it is not known.
   */
  wants(modelKey: string): boolean {
    return this.#knownVersion(modelKey) !== null;
  }

  /** The model's shadow version as last read, while it may be trusted; undefined when it must be read again. */
  #knownVersion(modelKey: string): string | null | undefined {
    const known = this.#known.get(modelKey);
    if (!known || known.changes !== shadowChanges() || performance.now() - known.at >= SHADOW_RECHECK_MS)
      return undefined;
    return known.version;
  }

  /** Hands the rows `live` answered to the model's shadow, if it has one. Never throws, never waits. */
  offer(live: LoadedVersion, rows: Row[], answers: LiveAnswer[]): void {
    if (this.#queuedRows + rows.length > MAX_QUEUED_ROWS) {
      this.#dropped += rows.length;
      return;
    }
    this.#queue.push({ modelKey: live.modelKey, liveVersion: live.version, rows, answers });
    this.#queuedRows += rows.length;
    this.#start();
  }

  /** Resolves once everything offered so far has been predicted and written (or failed and logged). */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** rows dropped because the queue was full, and shadow predictions written, since start */
  get counts() {
    return { dropped: this.#dropped, written: this.#written };
  }

  #start(): void {
    if (this.#running) return;
    // a macrotask later: the request that offered has answered by then
    this.#running = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.#work())
      .finally(() => {
        this.#running = null;
        // an offer that came after the last round and before this line
        if (this.#queue.length > 0) this.#start();
      });
  }

  async #work(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      this.#queuedRows = 0;
      // one look-up per model per round, one write per round
      const shadows = new Map<string, Promise<LoadedVersion | null>>();
      const rows: NewShadowRow[] = [];
      for (const offer of batch) {
        try {
          let shadow = shadows.get(offer.modelKey);
          if (!shadow) {
            shadow = this.#shadowOf(offer.modelKey);
            shadows.set(offer.modelKey, shadow);
          }
          const loaded = await shadow;
          if (loaded && loaded.version !== offer.liveVersion) rows.push(...(await this.#predict(loaded, offer)));
        } catch (err) {
          this.#deps.log.warn("shadow prediction failed", {
            model_key: offer.modelKey,
            rows: offer.rows.length,
            error: (err as Error).message,
          });
        }
      }
      await this.#write(rows);
    }
  }

  async #shadowOf(modelKey: string): Promise<LoadedVersion | null> {
    const version = await this.#shadowVersion(modelKey);
    return version === null ? null : this.#deps.models.version(modelKey, version);
  }

  /** The model's shadow version, read at most once a second (src/registry/shadow-changes.ts). */
  async #shadowVersion(modelKey: string): Promise<string | null> {
    const known = this.#knownVersion(modelKey);
    if (known !== undefined) return known;
    const changes = shadowChanges();
    const version = await shadowVersion(this.#deps.db, modelKey);
    this.#known.set(modelKey, { version, changes, at: performance.now() });
    return version;
  }

  async #predict(shadow: LoadedVersion, offer: Offer): Promise<NewShadowRow[]> {
    const out = await predictRows(this.#deps.servingBackend, shadow, offer.rows);
    const at = this.#deps.now().toISOString();
    return out.map((o, i) => ({
      prediction_id: (offer.answers[i] as LiveAnswer).prediction_id,
      model_key: offer.modelKey,
      version: shadow.version,
      live_version: offer.liveVersion,
      prediction: JSON.stringify(o.prediction),
      confidence: o.confidence,
      live_prediction: JSON.stringify((offer.answers[i] as LiveAnswer).prediction),
      created_at: at,
    }));
  }

  async #write(rows: NewShadowRow[]): Promise<void> {
    try {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await this.#deps.db
          .insertInto("shadow_predictions")
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      this.#written += rows.length;
    } catch (err) {
      this.#deps.log.error("shadow predictions not written", { rows: rows.length, error: (err as Error).message });
    }
  }
}
