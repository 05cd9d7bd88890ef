/**
 * Single-row POST /predict over HTTP, authenticated (bearer API token) and logged, at 1 and 32
 * concurrent connections: p50/p99 latency and throughput, side by side with the seed's stack
 * (FastAPI + uvicorn + scikit-learn, bench/fastapi_predict.py) on the same model and data.
 *   bun bench/predict-http.ts [--seconds 5] [--json]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const DATA = join(ROOT, "..", "shared", "data");
const PY = "/usr/bin/python3";

export interface LoadResult {
  server: string;
  connections: number;
  requests: number;
  errors: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

function digitsRows(file: string) {
  const [header, ...lines] = readFileSync(join(DATA, file), "utf8").trim().split("\n");
  const cols = (header as string).split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i] as string, Number(v)])));
}

async function waitHttp(url: string, ms = 60_000) {
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

/** `connections` loops, each sending one request after the other for `seconds`. */
export async function load(url: string, token: string, bodies: string[], connections: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async (k: number) => {
    let i = k;
    while (performance.now() < end) {
      const body = bodies[i++ % bodies.length] as string;
      const t0 = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, k) => loop(k)));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { requests: latencies.length, errors, rps: latencies.length / elapsed, p50_ms: q(0.5), p99_ms: q(0.99) };
}

export async function benchPredictHttp(seconds = 5): Promise<LoadResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "mls-predict-bench-"));
  const admin = "b".repeat(40);
  const port = 21000 + Math.floor(Math.random() * 1000);
  // run from the repository (its tsconfig sets the JSX runtime); state goes to the temp dir
  const ours = Bun.spawn(
    [process.execPath, join(ROOT, "src", "main.ts"), "serve", "--port", String(port), "--host", "127.0.0.1"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ML_DB_PATH: join(dir, "store.db"),
        ML_ARTIFACTS_ROOT: join(dir, "artifacts"),
        ML_DATASETS_ROOT: join(dir, "datasets"),
        ML_ADMIN_API_TOKEN: admin,
        ML_ADMIN_PASSWORD: "Bench-pass-2025",
        ML_COMPUTE: "cpu",
        ML_HTTP_PROCESSES: "1",
      },
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  const results: LoadResult[] = [];
  const train = digitsRows("digits_train.csv");
  const probe = digitsRows("digits_test.csv").map(({ label: _, ...f }) => f);
  const target = Object.keys(train[0] ?? {}).at(-1) as string;
  const bodies = probe.map((row) => {
    const { [target]: _, ...features } = row as Record<string, number>;
    return JSON.stringify({ model_key: "digits", data: [features] });
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitHttp(`${base}/health`);
    const h = { "x-admin-token": admin, "content-type": "application/json" };
    const job = (await (
      await fetch(`${base}/train`, {
        method: "POST",
        headers: h,
        body: JSON.stringify({ model_key: "digits", target_field: target, items: train }),
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
    const token = (
      (await (
        await fetch(`${base}/auth/tokens`, { method: "POST", headers: h, body: JSON.stringify({ name: "bench" }) })
      ).json()) as { token: string }
    ).token;
    await load(`${base}/predict`, token, bodies, 8, 1); // warm-up
    for (const c of [1, 32])
      results.push({
        server: "mlservice (bun)",
        connections: c,
        ...(await load(`${base}/predict`, token, bodies, c, seconds)),
      });
  } finally {
    ours.kill("SIGTERM");
    await ours.exited;
  }

  if (existsSync(PY)) {
    const pyPort = port + 1;
    const py = Bun.spawn(
      [
        PY,
        join(ROOT, "bench", "fastapi_predict.py"),
        "--csv",
        join(DATA, "digits_train.csv"),
        "--target",
        target,
        "--port",
        String(pyPort),
        "--token",
        admin,
      ],
      { stdout: "ignore", stderr: "inherit" },
    );
    try {
      await waitHttp(`http://127.0.0.1:${pyPort}/docs`, 120_000);
      const url = `http://127.0.0.1:${pyPort}/predict`;
      await load(url, admin, bodies, 8, 1);
      for (const c of [1, 32])
        results.push({ server: "fastapi + sklearn", connections: c, ...(await load(url, admin, bodies, c, seconds)) });
    } catch (e) {
      console.error(`FastAPI comparison skipped: ${(e as Error).message}`);
    } finally {
      py.kill();
      await py.exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return results;
}

if (import.meta.main) {
  const i = process.argv.indexOf("--seconds");
  const results = await benchPredictHttp(i > 0 ? Number(process.argv[i + 1]) : 5);
  if (process.argv.includes("--json")) console.log(JSON.stringify(results));
  else {
    console.table(
      results.map((r) => ({
        ...r,
        rps: Math.round(r.rps),
        p50_ms: +r.p50_ms.toFixed(2),
        p99_ms: +r.p99_ms.toFixed(2),
      })),
    );
    for (const c of [1, 32]) {
      const a = results.find((r) => r.connections === c && r.server.startsWith("mlservice"));
      const b = results.find((r) => r.connections === c && r.server.startsWith("fastapi"));
      if (a && b)
        console.log(
          `${c} connection(s): throughput ×${(a.rps / b.rps).toFixed(1)}, p99 ${a.p99_ms.toFixed(2)} ms vs ${b.p99_ms.toFixed(2)} ms`,
        );
    }
  }
}
