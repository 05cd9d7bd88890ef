/**
 * The `drift` job (one model, or every model when params.model_key is null) and the wiring a
 * drift check needs inside a process: `serve` kicks its runner after queueing a retrain, the
 * drift-check CLI only queues it (the server's runner picks it up, see scheduler.ts).
 */
import { type DriftCheckDeps, runAllDriftChecks, runDriftCheck } from "../monitoring/check";
import { SYSTEM } from "../registry/ownership";
import { DriftParams, readParams } from "./params";
import type { JobRow } from "./queue";
import { enqueueRetrain } from "./retrain";

/** What a drift check needs, plus how this process queues the retrain a drift calls for. */
export type DriftWiring = Omit<DriftCheckDeps, "retrain"> & {
  /** starts queued jobs now (the runner's kick); absent in a process without a runner */
  kick?: (() => void) | undefined;
  /** false: report drift, never queue a retrain (drift-check --no-retrain) */
  retrain?: boolean;
};

export function driftCheckDeps(w: DriftWiring): DriftCheckDeps {
  const { retrain, kick: _, ...rest } = w;
  const deps: DriftCheckDeps = rest;
  if (retrain !== false) {
    deps.retrain = async (modelKey, window) => {
      const job = await enqueueRetrain(w, { modelKey, trigger: "drift", window, createdBy: null, actor: SYSTEM });
      if (job) w.kick?.();
      return job?.id ?? null;
    };
  }
  return deps;
}

export function driftHandler(deps: DriftCheckDeps) {
  return async (job: JobRow) => {
    const p = readParams(DriftParams, job);
    const strip = ({ report: _, ...r }: Awaited<ReturnType<typeof runDriftCheck>>) => r;
    if (p.model_key) return strip(await runDriftCheck(deps, p.model_key));
    const all = await runAllDriftChecks(deps);
    return { results: all.results.map(strip), errors: all.errors };
  };
}
