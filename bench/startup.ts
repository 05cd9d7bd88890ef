/**
 * The operator's view of the binary: its size, cold start to the first /health answer, and
 * idle memory (RSS). Builds dist/mlservice first unless --no-build.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build";

export interface StartupFigures {
  binary_mb: number;
  /** a fresh directory: creates the database, migrates, hashes the admin password (argon2id) */
  first_start_ms_median: number;
  /** the same directory again: the usual restart */
  cold_start_ms_median: number;
  cold_start_ms_max: number;
  idle_rss_mb: number;
  runs: number;
}

async function firstHealth(binary: string, cwd: string): Promise<{ ms: number; rssMb: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const proc = Bun.spawn([binary, "serve", "--port", String(port)], {
    cwd,
    // one process: the figures are one process's start-up time and RSS
    env: {
      PATH: process.env.PATH ?? "",
      ML_SERVICE_HOST: "127.0.0.1",
      ML_LOG_LEVEL: "warn",
      ML_COMPUTE: "cpu",
      ML_HTTP_PROCESSES: "1",
    },
    stdout: "ignore",
    stderr: "ignore",
  });
  let ms = Number.NaN;
  while (performance.now() - t0 < 20_000) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      await Bun.sleep(2);
    }
  }
  await Bun.sleep(2000); // idle, after start-up work settles
  const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  proc.kill("SIGTERM");
  await proc.exited;
  return { ms, rssMb: rssKb / 1024 };
}

export async function benchStartup(opts: { build?: boolean; runs?: number } = {}): Promise<StartupFigures> {
  const binary = opts.build === false ? join(import.meta.dir, "..", "dist", "mlservice") : await buildBinary();
  const runs = opts.runs ?? 5;
  const first: number[] = [];
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cwd = mkdtempSync(join(tmpdir(), "mls-start-"));
    first.push((await firstHealth(binary, cwd)).ms);
    const r = await firstHealth(binary, cwd);
    rmSync(cwd, { recursive: true, force: true });
    times.push(r.ms);
    rss.push(r.rssMb);
  }
  times.sort((a, b) => a - b);
  first.sort((a, b) => a - b);
  return {
    binary_mb: Math.round((statSync(binary).size / 1e6) * 10) / 10,
    first_start_ms_median: Math.round(first[Math.floor(runs / 2)] ?? Number.NaN),
    cold_start_ms_median: Math.round(times[Math.floor(runs / 2)] ?? Number.NaN),
    cold_start_ms_max: Math.round(times.at(-1) ?? Number.NaN),
    idle_rss_mb: Math.round(Math.max(...rss) * 10) / 10,
    runs,
  };
}

if (import.meta.main) {
  const figures = await benchStartup({ build: !process.argv.includes("--no-build") });
  if (process.argv.includes("--json")) console.log(JSON.stringify(figures));
  else console.table(figures);
}
