/**
 * The fit itself, on a worker thread so that the API stays responsive during training (the
 * CPU backend blocks its calling thread while its kernels run). Messages:
 *   in:  {type: "train", modelType, x, rows, cols, y, options, compute, cancel}
 *   out: {type: "progress", progress} | {type: "done", model, device, reason} | {type: "error", code, message}
 *        | {type: "native-output", line} (what the GPU library printed, src/compute/native-output.ts)
 * `cancel` is an Int32Array(1) over shared memory that the parent sets to 1: a message could not
 * reach a thread whose event loop the fit keeps busy, a flag read before every step does.
 */
import { onNativeOutput } from "../compute/native-output";
import { type PickOptions, pickBackend } from "../compute/pick";
import { TrainingError } from "../ml/errors";
import { type ModelType, modelKind } from "../ml/kinds";
import type { Label, MlpOptions, Progress } from "../ml/model";

declare const self: Worker;

// what Dawn prints while this thread opens its device goes to the parent's log, not to stdout
onNativeOutput((line) => self.postMessage({ type: "native-output", line }));

export interface TrainRequest {
  type: "train";
  modelType: ModelType;
  x: Float32Array;
  rows: number;
  cols: number;
  y: Label[] | Float32Array;
  options: Omit<MlpOptions, "onProgress" | "signal">;
  compute: PickOptions;
  cancel: Int32Array;
}

/** at most ~4 progress messages a second: each becomes a row update and a /ws event */
const PROGRESS_EVERY_MS = 250;

self.onmessage = async (event: MessageEvent<TrainRequest>) => {
  const msg = event.data;
  const cancel = msg.cancel;
  let backend: Awaited<ReturnType<typeof pickBackend>>["backend"] | undefined;
  try {
    const picked = await pickBackend(msg.compute);
    backend = picked.backend;
    // the first epoch is always reported, then the throttle holds back the latest for the end:
    // a fit of a fraction of a second still shows its progress
    let last = Number.NEGATIVE_INFINITY;
    let held: Progress | null = null;
    const post = (p: Progress) => {
      held = null;
      last = performance.now();
      self.postMessage({ type: "progress", progress: p });
    };
    const model = await modelKind(msg.modelType).fit(
      backend,
      { x: msg.x, rows: msg.rows, cols: msg.cols, y: msg.y },
      {
        ...msg.options,
        signal: {
          get aborted() {
            return Atomics.load(cancel, 0) === 1;
          },
        },
        onProgress: (p) => {
          if (p.epoch === 1 || performance.now() - last >= PROGRESS_EVERY_MS) post(p);
          else held = p;
        },
      },
    );
    if (held) post(held);
    const { device, kind } = backend.info;
    // dispose before answering: the parent terminates this worker on the answer, and the CPU
    // backend's own worker threads must not outlive it (they would keep the process alive)
    backend.dispose();
    backend = undefined;
    self.postMessage({ type: "done", model, device, kind, reason: picked.reason });
  } catch (e) {
    backend?.dispose();
    const code = e instanceof TrainingError ? e.code : "error";
    self.postMessage({ type: "error", code, message: (e as Error).message });
  }
};
