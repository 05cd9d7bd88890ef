/** One block of simulated checks for bench/drift-decisions.ts, run on a worker thread. */
import { runCell, TARGET_CELLS, trainingBaseline } from "./drift-sim";

declare const self: Worker;

const baseline = trainingBaseline(1);
self.onmessage = (e: MessageEvent<{ cell: number; checks: number; seed: number }>) => {
  const { cell, checks, seed } = e.data;
  const r = runCell(baseline, TARGET_CELLS[cell] as (typeof TARGET_CELLS)[number], checks, seed);
  self.postMessage({ cell, checks, flagged: r.flagged * checks, any: r.any * checks, undecided: r.undecided * checks });
};
