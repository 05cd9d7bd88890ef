/**
 * Worker threads that run kernels of the one wasm module over the one shared memory.
 *
 * No messages per call: each worker owns a 256-byte slot in a control block at the bottom of the
 * memory (i32: [0] sequence, [1] done, [2] kernel, [3] argc or op count, [4] failed, [5] program
 * address, [6] program length; f64 arguments from byte 64) and sleeps in Atomics.wait on its
 * sequence word. The calling thread writes the arguments (or a program: a list of kernel calls run in
 * order), bumps the sequence, runs its own share, then Atomics.waits for each done word: the whole
 * call is synchronous, so backend operations finish in the order they are issued.
 */

export const SLOT_BYTES = 256;
const MAX_ARGS = 24;
const SEQ = 0;
const DONE = 1;
const KERNEL = 2;
const ARGC = 3;
const FAILED = 4;
const PROGRAM_AT = 5;
const PROGRAM_LENGTH = 6;
/** words[KERNEL] for "run the program at words[PROGRAM_AT]" (-1 stops the worker) */
const RUN_PROGRAM = -2;
/** Every call of a program takes PROGRAM_ARGS arguments (unused ones are 0): no spread per call. */
export const PROGRAM_ARGS = 16;
/** f64 words per call in an encoded program: kernel id, check flag, then the arguments */
export const PROGRAM_STRIDE = PROGRAM_ARGS + 2;

/** One kernel call of a program: `check` makes a non-zero return value an error with that message. */
export interface KernelCall {
  kernel: number;
  args: number[];
  check?: () => Error;
}

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
      if (kernel === -1) return;
      try {
        if (kernel === -2) {
          // a program: words[3] calls of 18 f64 each (kernel, check, 16 arguments) at words[5]
          const p = new Float64Array(memory.buffer, (words[5] as number) >>> 0, words[6]);
          let failed = 0;
          for (let i = 0, at = 0; i < (words[3] as number); i++, at += 18) {
            // p[at + 2 …] as f64 arguments; wasm ignores those past the kernel's own parameters
            const f = fns[p[at] as number] as (...args: number[]) => unknown;
            const r = f.apply(null, p.subarray(at + 2, at + 18) as unknown as number[]);
            if (p[at + 1] && r) {
              failed = i + 2;
              break;
            }
          }
          words[4] = failed;
        } else {
          (fns[kernel] as (...args: number[]) => unknown)(...Array.from(args.subarray(0, words[3])));
          words[4] = 0;
        }
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
   * `base + (w + 1) * SLOT_BYTES`; `kernels` names the exports that `run` and `runPrograms` may call.
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
    if (id < 0) throw new Error(`cpu backend: ${kernel} is not a kernel of the module`);
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
      this.#signal(w, words);
    }
    // the workers read this call's scratch and arguments: wait for them even when the local share throws
    let localError: unknown;
    try {
      if (parts[0]) (this.#local[id] as (...args: number[]) => unknown)(...parts[0]);
    } catch (error) {
      localError = error;
    }
    const failures = this.#wait(parts.length);
    if (localError !== undefined) throw localError;
    if (failures.some((f) => f !== 0)) throw new Error(`cpu backend: kernel ${kernel} failed on a worker thread`);
  }

  /** The ids `run` and `runPrograms` use: the index of each name in the list given to `start`. */
  kernelId(name: string): number {
    const id = this.#kernels.indexOf(name);
    if (id < 0) throw new Error(`cpu backend: ${name} is not a kernel of the module`);
    return id;
  }

  /** Wakes worker w (1-based) for the call just written into its slot. */
  #signal(w: number, words: Int32Array): void {
    const seq = (this.#seq[w - 1] as number) + 1;
    this.#seq[w - 1] = seq;
    Atomics.store(words, SEQ, seq);
    Atomics.notify(words, SEQ);
  }

  /** Waits for workers 1 … parts-1 to finish their current call; their failed words, in order. */
  #wait(parts: number): number[] {
    const buffer = this.#memory.buffer;
    const failures: number[] = [];
    for (let w = 1; w < parts; w++) {
      const words = new Int32Array(buffer, this.#base + w * SLOT_BYTES, 16);
      const seq = this.#seq[w - 1] as number;
      for (;;) {
        const done = Atomics.load(words, DONE);
        if (done === seq) break;
        Atomics.wait(words, DONE, done);
      }
      failures.push(words[FAILED] as number);
    }
    return failures;
  }

  /**
   * Runs programs[t] on thread t (programs[0] here), each program's calls in order, concurrently
   * across threads; returns when all are done. `area` is free memory for programs[1…] encoded
   * (PROGRAM_STRIDE f64 per call). Throws the first failure in thread order, after every thread stops.
   */
  runPrograms(programs: KernelCall[][], area: number): void {
    if (programs.length > this.threads) {
      throw new Error(`cpu backend: ${programs.length} programs for ${this.threads} threads`);
    }
    const buffer = this.#memory.buffer;
    let at = area;
    for (let w = 1; w < programs.length; w++) {
      const program = programs[w] as KernelCall[];
      const encoded = new Float64Array(buffer, at, program.length * PROGRAM_STRIDE).fill(0);
      program.forEach((call, i) => {
        if (call.args.length > PROGRAM_ARGS) throw new Error(`cpu backend: a call of ${call.args.length} arguments`);
        encoded[i * PROGRAM_STRIDE] = call.kernel;
        encoded[i * PROGRAM_STRIDE + 1] = call.check ? 1 : 0;
        encoded.set(call.args, i * PROGRAM_STRIDE + 2);
      });
      const words = new Int32Array(buffer, this.#base + w * SLOT_BYTES, 16);
      words[KERNEL] = RUN_PROGRAM;
      words[ARGC] = program.length;
      words[PROGRAM_AT] = at;
      words[PROGRAM_LENGTH] = encoded.length;
      at += encoded.byteLength;
      this.#signal(w, words);
    }
    let localError: unknown;
    try {
      for (const call of programs[0] ?? []) {
        const r = (this.#local[call.kernel] as (...args: number[]) => unknown)(...call.args);
        if (call.check && r) throw call.check();
      }
    } catch (error) {
      localError = error;
    }
    const failures = this.#wait(programs.length);
    if (localError !== undefined) throw localError;
    for (let w = 1; w < programs.length; w++) {
      const failed = failures[w - 1] as number;
      if (failed === 1) throw new Error("cpu backend: a kernel failed on a worker thread");
      if (failed >= 2) throw ((programs[w] as KernelCall[])[failed - 2] as KernelCall).check?.();
    }
  }

  /** Stops the workers; the pool is unusable afterwards. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}
