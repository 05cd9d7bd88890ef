/**
 * `bun run bench:serve [--quick] [--seconds 5] [--warmup 3] [--rss] [--rss-seconds 10] [--processes 1,2] [--source] [--json]`
 *
 * Single-row, authenticated (Bearer API token), logged `POST /predict` on a digits model
 * (64 → 128 → 64 → 10), loaded by Debian's `wrk` (1 thread, a Lua script for the POST bodies) at
 * 32 connections and 1, side by side in this one run with:
 *   - a bare Bun.serve JSON echo (bench/echo-server.ts): the runtime's ceiling;
 *   - FastAPI + uvicorn + scikit-learn (bench/fastapi_predict.py, the seeds' stack) when
 *     /usr/bin/python3 has them (`apt-get install python3-fastapi python3-uvicorn python3-sklearn`).
 * Refusals at 32 connections, which must cost no more than successes: a bad token (401) and a body
 * that fails validation (422), each beside the success run (req/s and server CPU per request).
 * Then: the single-row run with each ML_HTTP_PROCESSES of `--processes` (default 1,2; the load
 * generator shares the cores, so on a 2-core box ×2 competes with wrk); a 1,000-row request's
 * rows/s beside the same request to FastAPI + scikit-learn and beside scikit-learn's
 * predict_proba in-process (bench/sklearn_predict.py), and the served model's own step on those
 * rows in this process (predictRows on the downloaded artifact); RSS (every process of the
 * server summed) at 32 connections, full rate: each second over `--rss-seconds` after 1 s, or with
 * `--rss` every 5 s over 60 s after a 10 s warm-up, with whether it stayed within ±10 % of the first
 * sample (a leak grows it); and, after each server stops, that every answered prediction is in its
 * prediction log.
 * The server is the compiled binary (built into a temp folder) unless `--source`. `--compare DIR`
 * also runs another checkout's source (e.g. `git archive <commit>` unpacked, with node_modules and
 * build/) in the same run: its rows are named "baseline". CPU µs per request (user + system time of
 * the server's processes over the run, from /proc) is less disturbed by a shared machine than req/s.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build";

const ROOT = join(import.meta.dir, "..");
const DATA = join(ROOT, "..", "shared", "data");
const PY = "/usr/bin/python3";
export const ADMIN = "b".repeat(40);

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
/** `--quick`: 2 s runs, a 3 s RSS run, one process (for a loaded machine while developing) */
const QUICK = argv.includes("--quick");
const SECONDS = Number(flag("--seconds") ?? (QUICK ? 2 : 5));
/**
 * `--warmup S`: each server's warm-up before its measured runs, at 32 connections (default 3 s;
 * 1 with --quick): the JIT compiles the hot path during it rather than during the measurement
 */
const WARMUP_S = Number(flag("--warmup") ?? (QUICK ? 1 : 3));
const WARMUP_CONNECTIONS = 32;
/** `--rss`: the leak run the issue asks for: 60 s at full rate after a 10 s warm-up, sampled every 5 s */
const RSS = argv.includes("--rss");
const RSS_SECONDS = Number(flag("--rss-seconds") ?? (RSS ? 60 : QUICK ? 3 : 10));
const RSS_WARMUP_S = RSS ? 10 : 1;
const RSS_EVERY_S = RSS ? 5 : 1;
/** how far from the first sample the RSS may go and still count as flat */
const RSS_TOLERANCE = 0.1;
const PROCESSES = (flag("--processes") ?? (QUICK ? "1" : "1,2")).split(",").map(Number);
const FROM_SOURCE = argv.includes("--source");
const JSON_OUT = argv.includes("--json");
const COMPARE = flag("--compare");
const say = (line: string) => (JSON_OUT ? console.error(line) : console.log(line));

export interface WrkResult {
  name: string;
  connections: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  socket_errors: number;
  /** server CPU time (user + system, all its processes) per answered request, µs */
  cpu_us_per_request?: number;
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * scale;
}

/** `wrk` output → figures; non-2xx counts 3xx too, which /predict never answers. */
export function parseWrk(name: string, connections: number, out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    name,
    connections,
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50_ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    p99_ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socket_errors: errs ? errs.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
  };
}

/** A wrk Lua script that POSTs `bodies` in turn with `headers`. */
export function luaScript(dir: string, headers: Record<string, string>, bodies: string[]): string {
  const file = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const lines = [
    'wrk.method = "POST"',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers["${k}"] = "${v}"`),
    `local bodies = { ${bodies.map((b) => `[==[${b}]==]`).join(",\n")} }`,
    "local i = 0",
    "request = function()",
    "  i = i + 1",
    "  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])",
    "end",
  ];
  writeFileSync(file, lines.join("\n"));
  return file;
}

export async function wrk(url: string, script: string, connections: number, seconds: number): Promise<string> {
  const p = Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`wrk failed: ${await new Response(p.stderr).text()}`);
  return out;
}

export async function waitHttp(url: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await fetch(url);
      return;
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`${url} did not come up`);
}

export function csvRows(file: string): Record<string, number>[] {
  const [header, ...lines] = readFileSync(join(DATA, file), "utf8").trim().split("\n");
  const cols = (header as string).split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i] as string, Number(v)])));
}

/** The pids of a process and its descendants (Linux /proc). */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/))
      if (c) out.push(...processTree(Number(c)));
  } catch {}
  return out;
}

/** User + system CPU seconds of a process tree so far (clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

/** wrk against one of our servers, with its CPU time per answered request (per request when `refused`: all non-2xx). */
async function measured(
  name: string,
  pid: number,
  url: string,
  script: string,
  c: number,
  seconds: number,
  refused = false,
) {
  const before = cpuSeconds(pid);
  const r = parseWrk(name, c, await wrk(url, script, c, seconds));
  const counted = refused ? r.requests : r.requests - r.non2xx;
  return { ...r, cpu_us_per_request: counted ? ((cpuSeconds(pid) - before) * 1e6) / counted : Number.NaN };
}

/** Resident set size of a process and its children, in bytes (Linux /proc). */
function rssTree(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/))
        if (c) visit(Number(c));
    } catch {}
  };
  visit(pid);
  return total;
}

export interface Ours {
  proc: ReturnType<typeof Bun.spawn>;
  base: string;
  stop(): Promise<void>;
}

/** `serve` on `port` with its database and stores in `dir`; `env` adds or overrides settings. */
export function startOurs(
  cmd: string[],
  dir: string,
  port: number,
  processes: number,
  cwd = FROM_SOURCE ? ROOT : dir,
  env: Record<string, string> = {},
): Ours {
  const proc = Bun.spawn([...cmd, "serve", "--port", String(port), "--host", "127.0.0.1"], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dir,
      ML_DB_PATH: join(dir, "store.db"),
      ML_ARTIFACTS_ROOT: join(dir, "artifacts"),
      ML_DATASETS_ROOT: join(dir, "datasets"),
      ML_ADMIN_API_TOKEN: ADMIN,
      ML_ADMIN_PASSWORD: "Bench-pass-2025",
      ML_COMPUTE: "cpu",
      ML_HTTP_PROCESSES: String(processes),
      ...env,
    },
    stdout: "ignore",
    stderr: "inherit",
  });
  return {
    proc,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Predictions the server logged for the bench model (read after it stopped and flushed). */
function loggedPredictions(dir: string): number {
  const db = new Database(join(dir, "store.db"), { readonly: true });
  try {
    return (db.query("SELECT COUNT(*) AS n FROM predictions WHERE model_key = 'digits'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export async function trainDigits(base: string, target: string, items: Record<string, number>[]): Promise<string> {
  const h = { "x-admin-token": ADMIN, "content-type": "application/json" };
  const job = (await (
    await fetch(`${base}/train`, {
      method: "POST",
      headers: h,
      body: JSON.stringify({ model_key: "digits", target_field: target, items }),
    })
  ).json()) as { job_id: string };
  for (;;) {
    const j = (await (await fetch(`${base}/jobs/${job.job_id}`, { headers: h })).json()) as {
      status: string;
      error?: string;
    };
    if (j.status === "completed") break;
    if (j.status === "failed") throw new Error(`training failed: ${j.error}`);
    await Bun.sleep(200);
  }
  const res = await fetch(`${base}/auth/tokens`, {
    method: "POST",
    headers: h,
    body: JSON.stringify({ name: "bench" }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** The artifact of the version `digits` serves, as GET …/artifact gives it. */
async function servedArtifact(base: string): Promise<Uint8Array> {
  const h = { "x-admin-token": ADMIN };
  const model = (await (await fetch(`${base}/models/digits`, { headers: h })).json()) as { active_version: string };
  const res = await fetch(`${base}/models/digits/versions/${model.active_version}/artifact`, { headers: h });
  if (res.status !== 200) throw new Error(`artifact download answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * rows/s of the serving code's own step on `rows` (predictRows: the compiled encoder from the
 * parsed objects, the forward pass on the CPU backend the service serves with, the score objects):
 * what scikit-learn's predict_proba does on its ready matrix, plus the encoding it does not do.
 */
async function modelStepRowsPerSecond(bytes: Uint8Array, rows: Record<string, number>[], seconds: number) {
  const { decodeArtifact } = await import("../src/registry/artifact");
  const { predictRows } = await import("../src/registry/serving");
  const { openCpu } = await import("../src/compute/pick");
  const artifact = decodeArtifact(bytes);
  const backend = openCpu({ compute: "cpu" }).then((c) => c.backend);
  const loaded = { modelKey: artifact.modelKey, version: artifact.version, artifact, loadedAt: new Date() };
  for (let i = 0; i < 50; i++) await predictRows(() => backend, loaded, rows);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await predictRows(() => backend, loaded, rows);
    n++;
  }
  const perSecond = (n * rows.length) / ((performance.now() - t0) / 1000);
  (await backend).dispose();
  return perSecond;
}

/** rows/s of one client posting `body` (1,000 rows) back to back for `seconds`. */
async function batchRowsPerSecond(url: string, token: string, body: string, rows: number, seconds: number) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  await (await fetch(url, { method: "POST", headers, body })).arrayBuffer();
  let n = 0;
  // the warm-up's rows are logged too
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const res = await fetch(url, { method: "POST", headers, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`batch predict answered ${res.status}`);
    n++;
  }
  return { rowsPerSecond: (n * rows) / ((performance.now() - t0) / 1000), logged: (n + 1) * rows };
}

/**
 * wrk at 32 connections for the warm-up and RSS_SECONDS, sampling the server's RSS (its processes
 * summed) at the end of the warm-up and every RSS_EVERY_S after, and once more as wrk ends.
 */
async function rssRun(pid: number, url: string, script: string, name: string) {
  const samples: number[] = [];
  const run = wrk(url, script, 32, RSS_WARMUP_S + RSS_SECONDS);
  const t0 = performance.now();
  const timers: ReturnType<typeof setTimeout>[] = [];
  for (let at = RSS_WARMUP_S; at < RSS_WARMUP_S + RSS_SECONDS; at += RSS_EVERY_S)
    timers.push(setTimeout(() => samples.push(rssTree(pid)), at * 1000 - (performance.now() - t0)));
  const out = await run;
  for (const t of timers) clearTimeout(t);
  samples.push(rssTree(pid));
  const r = parseWrk(name, 32, out);
  const first = samples[0] ?? 0;
  const last = samples.at(-1) ?? 0;
  const deviation = Math.max(...samples.map((x) => Math.abs(x - first) / first));
  const mb = (b: number) => +(b / 2 ** 20).toFixed(1);
  return {
    wrk: r,
    figures: {
      warmup_s: RSS_WARMUP_S,
      seconds: RSS_SECONDS,
      every_s: RSS_EVERY_S,
      rps: Math.round(r.rps),
      requests: r.requests,
      non2xx: r.non2xx,
      socket_errors: r.socket_errors,
      samples_mb: samples.map(mb),
      first_mb: mb(first),
      last_mb: mb(last),
      max_mb: mb(Math.max(...samples)),
      change: (last - first) / first,
      max_deviation: deviation,
      within_10_percent: deviation <= RSS_TOLERANCE,
      // a leak only grows: a collection can drop RSS below the first sample without one
      max_growth: Math.max(...samples) / first - 1,
      growth_within_10_percent: Math.max(...samples) / first - 1 <= RSS_TOLERANCE,
    },
  };
}

function pyHas(modules: string): boolean {
  return existsSync(PY) && Bun.spawnSync([PY, "-c", `import ${modules}`]).exitCode === 0;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "mls-serve-bench-"));
  const results: WrkResult[] = [];
  const extra: Record<string, unknown> = {};
  try {
    const cmd = FROM_SOURCE
      ? [process.execPath, join(ROOT, "src", "main.ts")]
      : [await buildBinary(join(dir, "bin", "mlservice"))];
    const train = csvRows("digits_train.csv");
    const target = Object.keys(train[0] ?? {}).at(-1) as string;
    const probe = csvRows("digits_test.csv").map(({ [target]: _, ...f }) => f);
    const bodies = probe.slice(0, 64).map((f) => JSON.stringify({ model_key: "digits", data: [f] }));
    const port = 22000 + Math.floor(Math.random() * 2000);

    // the echo ceiling
    const echo = Bun.spawn([process.execPath, join(import.meta.dir, "echo-server.ts"), String(port + 1)], {
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      await waitHttp(`http://127.0.0.1:${port + 1}/`);
      const script = luaScript(dir, { "Content-Type": "application/json" }, bodies);
      await wrk(`http://127.0.0.1:${port + 1}/`, script, WARMUP_CONNECTIONS, WARMUP_S);
      for (const c of [32, 1])
        results.push(parseWrk("bun echo", c, await wrk(`http://127.0.0.1:${port + 1}/`, script, c, SECONDS)));
    } finally {
      echo.kill();
      await echo.exited;
    }

    // the 1,000-row request, for ours and for the seed's stack
    const batchBody = JSON.stringify({ model_key: "digits", data: probe.concat(probe, probe).slice(0, 1000) });
    // ours, one process then more, over the same database
    let token = "";
    let answered = 0;
    let artifact: Uint8Array | null = null;
    for (const n of PROCESSES) {
      const ours = startOurs(cmd, dir, port, n);
      try {
        await waitHttp(`${ours.base}/livez`);
        if (!token) token = await trainDigits(ours.base, target, train);
        const script = luaScript(dir, { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, bodies);
        const warm = parseWrk(
          "warm-up",
          WARMUP_CONNECTIONS,
          await wrk(`${ours.base}/predict`, script, WARMUP_CONNECTIONS, WARMUP_S),
        );
        answered += warm.requests - warm.non2xx;
        for (const c of n === 1 ? [32, 1] : [32]) {
          const r = await measured(`mlservice ×${n}`, ours.proc.pid, `${ours.base}/predict`, script, c, SECONDS);
          answered += r.requests - r.non2xx;
          results.push(r);
        }
        if (n === PROCESSES[0]) {
          // refusals: a token that does not exist, and a well-formed request whose rows fail validation
          const badToken = luaScript(
            dir,
            { "Content-Type": "application/json", Authorization: `Bearer mls_${"x".repeat(43)}` },
            bodies,
          );
          results.push(
            await measured("refused: bad token", ours.proc.pid, `${ours.base}/predict`, badToken, 32, SECONDS, true),
          );
          const badBodies = probe
            .slice(0, 64)
            .map((f) => JSON.stringify({ model_key: "digits", data: [{ ...f, px0: [1] }] }));
          const badBody = luaScript(
            dir,
            { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
            badBodies,
          );
          results.push(
            await measured("refused: bad body", ours.proc.pid, `${ours.base}/predict`, badBody, 32, SECONDS, true),
          );
          // the RSS run before the 1,000-row requests, whose garbage the heap returns only later
          const rss = await rssRun(ours.proc.pid, `${ours.base}/predict`, script, `rss run ×${n}`);
          answered += rss.wrk.requests - rss.wrk.non2xx;
          extra.rss = rss.figures;
          const batch = await batchRowsPerSecond(`${ours.base}/predict`, token, batchBody, 1000, 3);
          extra.batch_1000_rows_per_s = batch.rowsPerSecond;
          answered += batch.logged;
          artifact = await servedArtifact(ours.base);
        }
      } finally {
        await ours.stop();
      }
    }
    if (COMPARE) {
      const baseDir = mkdtempSync(join(tmpdir(), "mls-serve-baseline-"));
      const base = startOurs([process.execPath, join(COMPARE, "src", "main.ts")], baseDir, port + 3, 1, COMPARE);
      try {
        await waitHttp(`${base.base}/livez`);
        const t = await trainDigits(base.base, target, train);
        const script = luaScript(dir, { "Content-Type": "application/json", Authorization: `Bearer ${t}` }, bodies);
        await wrk(`${base.base}/predict`, script, WARMUP_CONNECTIONS, WARMUP_S);
        for (const c of [32, 1])
          results.push(await measured("baseline", base.proc.pid, `${base.base}/predict`, script, c, SECONDS));
      } finally {
        await base.stop();
        rmSync(baseDir, { recursive: true, force: true });
      }
    }
    // the served model's own step on the same 1,000 rows, in this process with no server running
    if (artifact) {
      const rows = (JSON.parse(batchBody) as { data: Record<string, number>[] }).data;
      extra.model_step_1000_rows_per_s = await modelStepRowsPerSecond(artifact, rows, 3);
    }
    // every answered prediction must be in the log (a few more: requests in flight when wrk stopped)
    const logged = loggedPredictions(dir);
    extra.log = { answered_rows: answered, logged, all_logged: logged >= answered };

    if (pyHas("fastapi, uvicorn, sklearn")) {
      const py = Bun.spawn(
        [
          PY,
          join(import.meta.dir, "fastapi_predict.py"),
          "--csv",
          join(DATA, "digits_train.csv"),
          "--target",
          target,
          "--port",
          String(port + 2),
          "--token",
          ADMIN,
        ],
        { stdout: "ignore", stderr: "inherit" },
      );
      try {
        await waitHttp(`http://127.0.0.1:${port + 2}/docs`);
        const url = `http://127.0.0.1:${port + 2}/predict`;
        const script = luaScript(dir, { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN}` }, bodies);
        await wrk(url, script, WARMUP_CONNECTIONS, WARMUP_S);
        for (const c of [32, 1]) results.push(parseWrk("fastapi + sklearn", c, await wrk(url, script, c, SECONDS)));
        extra.fastapi_batch_1000_rows_per_s = (await batchRowsPerSecond(url, ADMIN, batchBody, 1000, 3)).rowsPerSecond;
      } finally {
        py.kill();
        await py.exited;
      }
      const sk = Bun.spawnSync([
        PY,
        join(import.meta.dir, "sklearn_predict.py"),
        "--csv",
        join(DATA, "digits_train.csv"),
        "--target",
        target,
      ]);
      extra.sklearn_predict_proba_rows_per_s = JSON.parse(sk.stdout.toString()).rows_per_s;
    } else say("FastAPI comparison skipped: /usr/bin/python3 lacks fastapi, uvicorn or sklearn");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(results, extra);
}

function report(results: WrkResult[], extra: Record<string, unknown>) {
  const find = (name: string, c: number) => results.find((r) => r.name === name && r.connections === c);
  const ratio = (a?: WrkResult, b?: WrkResult) => (a && b ? a.rps / b.rps : null);
  const first = `mlservice ×${PROCESSES[0]}`;
  const ratios = {
    vs_echo_32: ratio(find(first, 32), find("bun echo", 32)),
    vs_fastapi_32: ratio(find(first, 32), find("fastapi + sklearn", 32)),
    vs_fastapi_1: ratio(find(first, 1), find("fastapi + sklearn", 1)),
    processes_2_vs_1: ratio(find("mlservice ×2", 32), find("mlservice ×1", 32)),
    vs_baseline_32: ratio(find(first, 32), find("baseline", 32)),
    cpu_per_request_baseline_over_ours:
      (find("baseline", 32)?.cpu_us_per_request ?? Number.NaN) / (find(first, 32)?.cpu_us_per_request ?? Number.NaN),
    refused_bad_token_vs_success_32: ratio(find("refused: bad token", 32), find(first, 32)),
    refused_bad_body_vs_success_32: ratio(find("refused: bad body", 32), find(first, 32)),
    batch_vs_fastapi:
      typeof extra.fastapi_batch_1000_rows_per_s === "number"
        ? (extra.batch_1000_rows_per_s as number) / extra.fastapi_batch_1000_rows_per_s
        : null,
    batch_vs_sklearn:
      typeof extra.sklearn_predict_proba_rows_per_s === "number"
        ? (extra.batch_1000_rows_per_s as number) / extra.sklearn_predict_proba_rows_per_s
        : null,
    model_step_vs_sklearn:
      typeof extra.sklearn_predict_proba_rows_per_s === "number" && typeof extra.model_step_1000_rows_per_s === "number"
        ? extra.model_step_1000_rows_per_s / extra.sklearn_predict_proba_rows_per_s
        : null,
    // each process count against the echo (ML_HTTP_PROCESSES' default is one per core)
    vs_echo_32_by_processes: Object.fromEntries(
      PROCESSES.map((n) => [n, ratio(find(`mlservice ×${n}`, 32), find("bun echo", 32))]),
    ),
  };
  if (JSON_OUT) {
    console.log(JSON.stringify({ results, ratios, ...extra }));
    return;
  }
  console.table(
    results.map((r) => ({
      ...r,
      rps: Math.round(r.rps),
      p50_ms: +r.p50_ms.toFixed(3),
      p99_ms: +r.p99_ms.toFixed(3),
      cpu_us_per_request: r.cpu_us_per_request === undefined ? "" : Math.round(r.cpu_us_per_request),
    })),
  );
  console.log(JSON.stringify({ ratios, ...extra }, null, 2));
}

if (import.meta.main) await main();
