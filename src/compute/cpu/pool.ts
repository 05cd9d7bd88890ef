/**
 * Worker threads that run kernels of the one wasm module over the one shared memory.
 *
 * No messages per call: each worker owns a 256-byte slot in a control block at the bottom of the
 * memory (i32: [0] sequence, [1] done, [2] kernel, [3] argc, [4] failed; f64 arguments from byte 64)
 * and sleeps in Atomics.wait on its sequence word. The calling thread writes the arguments, bumps
 * the sequence, runs its own share, then Atomics.waits for each done word: the whole call is
 * synchronous, so backend operations finish in the order they are issued.
 */

export const SLOT_BYTES = 256;
const MAX_ARGS = 24;
const SEQ = 0;
const DONE = 1;
const KERNEL = 2;
const ARGC = 3;
const FAILED = 4;

/**
 * The body of every worker, shipped as source text (a Blob URL) so that it survives
 * `bun build --compile` without a second entry point. It must not refer to anything outside itself.
 */
function cpuWorkerMain() {
  /** how long an idle worker keeps watching before it sleeps (ms); see the loop below */
  const SPIN_MS = 1;
  self.onmessage = async (event: MessageEvent) => {
    const { module, memory, slot, kernels } = event.data as {
      module: WebAssembly.Module;
      memory: WebAssembly.Memory;
      slot: number;
      kernels: string[];
    };
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const fns = kernels.map((name) => instance.exports[name] as (...args: number[]) => unknown);
    // the control block sits below every allocation, so views made now stay valid after the memory grows
    const words = new Int32Array(memory.buffer, slot, 16);
    const args = new Float64Array(memory.buffer, slot + 64, 24);
    postMessage("ready");
    let seen = 0;
    for (;;) {
      // A training step issues its matmuls microseconds apart; a worker that went to sleep in
      // between wakes 50–100 µs late, which ate the whole gain of the second thread on
      // batch-200 layers. So it watches for the next call for SPIN_MS before sleeping.
      const until = performance.now() + SPIN_MS;
      while (Atomics.load(words, 0) === seen && performance.now() < until);
      Atomics.wait(words, 0, seen);
      const seq = Atomics.load(words, 0);
      if (seq === seen) continue;
      seen = seq;
      const kernel = words[2] as number;
      if (kernel < 0) return;
      try {
        (fns[kernel] as (...args: number[]) => unknown)(...Array.from(args.subarray(0, words[3])));
        words[4] = 0;
      } catch (error) {
        words[4] = 1;
        console.error(`cpu backend worker: kernel ${kernels[kernel]} failed:`, error);
      }
      Atomics.store(words, 1, seq);
      Atomics.notify(words, 1);
    }
  };
}

export class WorkerPool {
  readonly #workers: Worker[];
  readonly #memory: WebAssembly.Memory;
  readonly #kernels: string[];
  readonly #local: ((...args: number[]) => unknown)[];
  readonly #base: number;
  readonly #seq: number[];

  private constructor(
    workers: Worker[],
    memory: WebAssembly.Memory,
    kernels: string[],
    local: WebAssembly.Exports,
    base: number,
  ) {
    this.#workers = workers;
    this.#memory = memory;
    this.#kernels = kernels;
    this.#local = kernels.map((name) => local[name] as (...args: number[]) => unknown);
    this.#base = base;
    this.#seq = workers.map(() => 0);
  }

  /**
   * Starts `threads - 1` workers (the calling thread is the first of `threads`), each with its slot at
   * `base + (w + 1) * SLOT_BYTES`; `kernels` names the exports that `run` may call.
   */
  static async start(opts: {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    local: WebAssembly.Exports;
    threads: number;
    base: number;
    kernels: string[];
  }): Promise<WorkerPool> {
    const source = `(${cpuWorkerMain.toString()})();`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const workers: Worker[] = [];
    try {
      for (let w = 1; w < opts.threads; w++) {
        const worker = new Worker(url);
        workers.push(worker);
        const ready = new Promise<void>((resolve, reject) => {
          worker.onmessage = () => resolve();
          worker.onerror = (event) => reject(new Error(`cpu backend worker failed to start: ${event.message}`));
        });
        worker.postMessage({
          module: opts.module,
          memory: opts.memory,
          slot: opts.base + w * SLOT_BYTES,
          kernels: opts.kernels,
        });
        await ready;
        // an idle worker sleeps in Atomics.wait and must not keep the process alive
        (worker as Worker & { unref(): void }).unref();
      }
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    } finally {
      URL.revokeObjectURL(url);
    }
    return new WorkerPool(workers, opts.memory, opts.kernels, opts.local, opts.base);
  }

  get threads(): number {
    return this.#workers.length + 1;
  }

  /** Runs `kernel` once per entry of `parts` (at most `threads`): parts[0] here, the rest on workers; returns when all are done. */
  run(kernel: string, parts: number[][]): void {
    const id = this.#kernels.indexOf(kernel);
    if (id < 0) throw new Error(`cpu backend: ${kernel} is not a threaded kernel`);
    if (parts.length > this.threads) throw new Error(`cpu backend: ${parts.length} parts for ${this.threads} threads`);
    const buffer = this.#memory.buffer;
    for (let w = 1; w < parts.length; w++) {
      const part = parts[w] as number[];
      if (part.length > MAX_ARGS) throw new Error(`cpu backend: ${kernel} takes more than ${MAX_ARGS} arguments`);
      const slot = this.#base + w * SLOT_BYTES;
      const words = new Int32Array(buffer, slot, 16);
      new Float64Array(buffer, slot + 64, MAX_ARGS).set(part);
      words[KERNEL] = id;
      words[ARGC] = part.length;
      const seq = (this.#seq[w - 1] as number) + 1;
      this.#seq[w - 1] = seq;
      Atomics.store(words, SEQ, seq);
      Atomics.notify(words, SEQ);
    }
    // the workers read this call's scratch and arguments: wait for them even when the local share throws
    let localError: unknown;
    try {
      if (parts[0]) (this.#local[id] as (...args: number[]) => unknown)(...parts[0]);
    } catch (error) {
      localError = error;
    }
    let failed = false;
    for (let w = 1; w < parts.length; w++) {
      const words = new Int32Array(buffer, this.#base + w * SLOT_BYTES, 16);
      const seq = this.#seq[w - 1] as number;
      for (;;) {
        const done = Atomics.load(words, DONE);
        if (done === seq) break;
        Atomics.wait(words, DONE, done);
      }
      failed ||= words[FAILED] !== 0;
    }
    if (localError !== undefined) throw localError;
    if (failed) throw new Error(`cpu backend: kernel ${kernel} failed on a worker thread`);
  }

  /** Stops the workers; the pool is unusable afterwards. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}
