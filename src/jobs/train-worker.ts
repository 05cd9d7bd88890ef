/**
 * The fit itself, on a worker thread so that the API stays responsive during training (the
 * CPU backend blocks its calling thread while its kernels run). Messages:
 *   in:  {type: "train", x, rows, cols, y, options, compute}  |  {type: "cancel"}
 *   out: {type: "progress", progress} | {type: "done", model, device, reason} | {type: "error", code, message}
 */
import { type PickOptions, pickBackend } from "../compute/pick";
import { TrainingError, trainMlp } from "../ml/mlp";
import type { Label, MlpOptions } from "../ml/model";

declare const self: Worker;

export interface TrainRequest {
  type: "train";
  x: Float32Array;
  rows: number;
  cols: number;
  y: Label[] | Float32Array;
  options: Omit<MlpOptions, "onProgress" | "signal">;
  compute: PickOptions;
}

const controller = new AbortController();

self.onmessage = async (event: MessageEvent<TrainRequest | { type: "cancel" }>) => {
  const msg = event.data;
  if (msg.type === "cancel") {
    controller.abort();
    return;
  }
  let backend: Awaited<ReturnType<typeof pickBackend>>["backend"] | undefined;
  try {
    const picked = await pickBackend(msg.compute);
    backend = picked.backend;
    // the first epoch's progress always goes out: a native fit can end within the 250 ms of a worker's start
    let last = Number.NEGATIVE_INFINITY;
    const model = await trainMlp(
      backend,
      { x: msg.x, rows: msg.rows, cols: msg.cols, y: msg.y },
      {
        ...msg.options,
        signal: controller.signal,
        onProgress: (p) => {
          // at most ~4 progress messages a second: each becomes a row update and a /ws event
          if (performance.now() - last < 250) return;
          last = performance.now();
          self.postMessage({ type: "progress", progress: p });
        },
      },
    );
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
