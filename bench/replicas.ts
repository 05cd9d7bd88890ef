/**
 * `bun run bench:replicas [--seconds 5]`
 *
 * Issue #16's figures, side by side in one run on this machine: single-row authenticated, logged
 * `POST /predict` (the digits model of bench:serve) on
 *   - one replica on SQLite (the default),
 *   - one replica on PostgreSQL,
 *   - two replicas on PostgreSQL (two `serve` processes on their own ports, one database, one
 *     artifacts folder; two `wrk`s at once, half the connections each, their req/s summed),
 * at 32 connections (throughput) and at 1 connection (p50: what PostgreSQL adds to the predict
 * path, where the log write is batched and off the request). PostgreSQL is a throw-away cluster
 * (scripts/pg-cluster.ts, fsync off: a bench cluster, not a production one) on loopback; the load
 * generator shares the cores with the servers, so two replicas on two cores cannot double.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build";
import { startPgCluster } from "../scripts/pg-cluster";
import {
  ADMIN,
  csvRows,
  luaScript,
  type Ours,
  parseWrk,
  startOurs,
  trainDigits,
  type WrkResult,
  waitHttp,
  wrk,
} from "./serve";

const argv = process.argv.slice(2);
const SECONDS = Number(argv[argv.indexOf("--seconds") + 1] || 5);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "mls-replicas-bench-"));
  const pg = await startPgCluster();
  const results: WrkResult[] = [];
  try {
    const bin = await buildBinary(join(dir, "bin", "mlservice"));
    const train = csvRows("digits_train.csv");
    const target = Object.keys(train[0] ?? {}).at(-1) as string;
    const probe = csvRows("digits_test.csv").map(({ [target]: _, ...f }) => f);
    const bodies = probe.slice(0, 64).map((f) => JSON.stringify({ model_key: "digits", data: [f] }));
    let port = 24000 + Math.floor(Math.random() * 2000);

    const setups: { name: string; env: Record<string, string>; replicas: number }[] = [
      { name: "sqlite ×1", env: {}, replicas: 1 },
      { name: "postgres ×1", env: { ML_DATABASE_URL: pg.url }, replicas: 1 },
      { name: "postgres ×2", env: { ML_DATABASE_URL: pg.url }, replicas: 2 },
    ];
    const token: Record<string, string> = {};
    for (const s of setups) {
      const running: Ours[] = [];
      try {
        for (let i = 0; i < s.replicas; i++) {
          // one artifacts folder per database: both train digits 1.0.0
          const home = join(dir, s.env.ML_DATABASE_URL ? "pg" : "sqlite");
          mkdirSync(home, { recursive: true });
          const r = startOurs([bin], home, port++, 1, home, s.env);
          running.push(r);
          await waitHttp(`${r.base}/health`);
        }
        const first = running[0] as Ours;
        const has = await fetch(`${first.base}/models/digits`, { headers: { "x-admin-token": ADMIN } });
        if (has.status !== 200 || !token[s.env.ML_DATABASE_URL ?? "sqlite"]) {
          token[s.env.ML_DATABASE_URL ?? "sqlite"] = await trainDigits(first.base, target, train);
        }
        const bearer = token[s.env.ML_DATABASE_URL ?? "sqlite"] as string;
        const script = luaScript(
          dir,
          { "Content-Type": "application/json", Authorization: `Bearer ${bearer}` },
          bodies,
        );
        for (const r of running) await wrk(`${r.base}/predict`, script, 8, 1);
        // 32 connections over the replicas, each wrk its share, at the same time
        const outs = await Promise.all(
          running.map((r) => wrk(`${r.base}/predict`, script, 32 / running.length, SECONDS)),
        );
        const parts = outs.map((o) => parseWrk(s.name, 32 / running.length, o));
        results.push({
          ...(parts[0] as WrkResult),
          connections: 32,
          requests: parts.reduce((a, p) => a + p.requests, 0),
          rps: parts.reduce((a, p) => a + p.rps, 0),
          p99_ms: Math.max(...parts.map((p) => p.p99_ms)),
          non2xx: parts.reduce((a, p) => a + p.non2xx, 0),
        });
        if (s.replicas === 1) results.push(parseWrk(s.name, 1, await wrk(`${first.base}/predict`, script, 1, SECONDS)));
      } finally {
        for (const r of running) await r.stop();
      }
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.log(`load average ${load}; ${SECONDS} s per run`);
  console.log("setup         conn   req/s     p50 ms  p99 ms  non-2xx");
  for (const r of results)
    console.log(
      `${r.name.padEnd(13)} ${String(r.connections).padStart(4)} ${r.rps.toFixed(0).padStart(8)} ${r.p50_ms.toFixed(3).padStart(9)} ${r.p99_ms.toFixed(2).padStart(7)} ${String(r.non2xx).padStart(8)}`,
    );
  const find = (name: string, c: number) => results.find((r) => r.name === name && r.connections === c);
  const sq1 = find("sqlite ×1", 1);
  const pg1 = find("postgres ×1", 1);
  const pg32 = find("postgres ×1", 32);
  const pg2 = find("postgres ×2", 32);
  console.log(
    JSON.stringify(
      {
        postgres_p50_added_ms: sq1 && pg1 ? Number((pg1.p50_ms - sq1.p50_ms).toFixed(3)) : null,
        two_replicas_over_one: pg32 && pg2 ? Number((pg2.rps / pg32.rps).toFixed(2)) : null,
      },
      null,
      2,
    ),
  );
}

await main();
