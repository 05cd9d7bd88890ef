/**
 * ML_HTTP_PROCESSES: `Bun.serve` runs on one JavaScript thread, so one process leaves every other
 * core idle; by default there is one per core, capped by memory. The process `serve` starts (the
 * first) migrates, runs the schedules, binds the port with SO_REUSEPORT and then starts its
 * siblings: the same program with `serve --sibling K`. Each opens the same database and artifact
 * store, binds the same port (the kernel spreads connections across them), serves HTTP and
 * writes its own prediction-log batches. Only the first ML_JOB_PROCESSES of them run jobs (each
 * job claimed by one process under a lease: src/jobs/lease.ts), since a fit wants every core;
 * the others hand their enqueues to those over the event relay (JobRunner.forward).
 * A sibling leaves when the first process is gone, even after kill -9; the first restarts a
 * sibling that dies while it serves.
 */
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { inCompiledBinary } from "../bundled";
import type { Logger } from "../log";
import type { SiblingHub } from "./serve-relay";

/** What one serving process may take (runtime, loaded models, buffers): the automatic count's cap. */
export const MEMORY_PER_PROCESS = 512 * 2 ** 20;
/** how often a sibling checks that the first process still runs */
const PARENT_CHECK_MS = 250;
const RESTART_DELAY_MS = 1000;

/** What the automatic process count is sized from. */
export interface HostSize {
  cores: number;
  memoryBytes: number;
}

/** This machine: its usable cores, and its memory or the container's limit when lower. */
export function thisHost(): HostSize {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return { cores: availableParallelism(), memoryBytes: limit > 0 && limit < total ? limit : total };
}

/**
 * How many processes serve: the setting, or with 0 one per core capped by memory. An in-memory
 * database cannot be shared, so it always gets one.
 */
export function servingProcesses(configured: number, dbPath: string, host: HostSize = thisHost()): number {
  if (dbPath === ":memory:") return 1;
  if (configured > 0) return configured;
  return Math.max(1, Math.min(host.cores, Math.floor(host.memoryBytes / MEMORY_PER_PROCESS)));
}

/**
 * Whether serving process `index` (the first is 0, `--sibling K` is K) runs the job runner: the
 * first ML_JOB_PROCESSES of a box do; 0 leaves every job to other boxes' processes.
 */
export function runsJobs(index: number, jobProcesses: number): boolean {
  return index < jobProcesses;
}

/** The command that runs this program again: the compiled binary itself, or Bun with src/main.ts. */
export function selfCommand(): string[] {
  return inCompiledBinary(import.meta.url)
    ? [process.execPath]
    : [process.execPath, join(import.meta.dir, "..", "main.ts")];
}

export interface Siblings {
  /** SIGTERM to every sibling; resolves when all have exited */
  stop(): Promise<void>;
}

/**
 * Starts `count` siblings serving `port` on `host`, with this process's environment; their log
 * lines go to the same stdout. A sibling that exits while not stopping is started again.
 */
export function startSiblings(o: {
  count: number;
  port: number;
  host: string;
  env: Record<string, string | undefined>;
  cwd: string;
  log: Logger;
  /** relays bus events between the processes (serve-relay.ts) */
  hub?: SiblingHub;
}): Siblings {
  let stopping = false;
  const running = new Set<ReturnType<typeof Bun.spawn>>();
  const start = (k: number) => {
    const proc = Bun.spawn(
      [...selfCommand(), "serve", "--sibling", String(k), "--port", String(o.port), "--host", o.host],
      {
        cwd: o.cwd,
        env: o.env as Record<string, string>,
        stdin: "ignore",
        stdout: "inherit",
        stderr: "inherit",
        serialization: "json",
        ipc: (message, from) => o.hub?.fromSibling(message, from),
      },
    );
    running.add(proc);
    o.hub?.add(proc);
    void proc.exited.then((code) => {
      running.delete(proc);
      o.hub?.remove(proc);
      if (stopping) return;
      o.log.error("serving process exited; starting it again", { sibling: k, pid: proc.pid, exit_code: code });
      setTimeout(() => {
        if (!stopping) start(k);
      }, RESTART_DELAY_MS).unref();
    });
  };
  for (let k = 1; k <= o.count; k++) start(k);
  return {
    stop: async () => {
      stopping = true;
      const all = [...running];
      for (const p of all) p.kill("SIGTERM");
      await Promise.all(all.map((p) => p.exited));
    },
  };
}

/**
 * In a sibling: calls `gone` once the first process has exited (this process is then re-parented,
 * so its parent id changes), so that no sibling keeps the port after the service was killed.
 */
export function watchParent(gone: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      gone();
    }
  }, PARENT_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
