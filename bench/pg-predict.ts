/**
 * What PostgreSQL adds to the predict path (#16; goal: p50 within +0.3 ms of SQLite, since the
 * log write is batched): one service on SQLite and one on a throw-away PostgreSQL cluster, the
 * same iris model, single-row POST /predict through app.request as a signed-in user (token
 * lookups hit the database), rounds interleaved, p50 and p90 of each.
 *
 *   bun run bench:pg [--requests 1000] [--rounds 3]
 */
import { parseArgs } from "node:util";
import { startPgCluster } from "../scripts/pg-cluster";
import { csvRows, startService } from "../test/ml-service/helpers";
import { signedInUser } from "../test/ml-service/people";

const { values } = parseArgs({ options: { requests: { type: "string" }, rounds: { type: "string" } } });
const REQUESTS = Number(values.requests ?? 1000);
const ROUNDS = Number(values.rounds ?? 3);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

const cluster = await startPgCluster();
const services = {
  sqlite: await startService(),
  postgres: await startService({ ML_DATABASE_URL: cluster.url }),
};
try {
  const items = csvRows("iris_train.csv");
  const rows = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
  const runs: Record<string, () => Promise<number[]>> = {};
  for (const [name, svc] of Object.entries(services)) {
    const user = await signedInUser(svc, "bench");
    const res = await user.send("/train", {
      json: { model_key: "iris", target_field: "species", items, hyperparameters: { max_iter: 50 } },
    });
    const job = await svc.waitJob(res.body.job_id);
    if (job.status !== "completed") throw new Error(`training failed on ${name}: ${JSON.stringify(job)}`);
    const bodies = rows.map((r) => JSON.stringify({ model_key: "iris", data: [r] }));
    const headers = { authorization: `Bearer ${user.token}`, "content-type": "application/json" };
    runs[name] = async () => {
      const ms: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        const r = await svc.app.request("/predict", { method: "POST", headers, body: bodies[i % bodies.length] });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`/predict on ${name} answered ${r.status}`);
        ms.push(performance.now() - t0);
      }
      await svc.runtime.predictionLog.flush();
      return ms;
    };
  }
  for (const run of Object.values(runs)) await run(); // warm-up
  const all: Record<string, number[]> = { sqlite: [], postgres: [] };
  for (let r = 0; r < ROUNDS; r++) for (const [name, run] of Object.entries(runs)) all[name]?.push(...(await run()));
  const table = Object.fromEntries(
    Object.entries(all).map(([name, ms]) => [
      name,
      { p50_ms: Number(quantile(ms, 0.5).toFixed(3)), p90_ms: Number(quantile(ms, 0.9).toFixed(3)) },
    ]),
  );
  console.table(table);
  const added = (all.postgres && all.sqlite && quantile(all.postgres, 0.5) - quantile(all.sqlite, 0.5)) ?? 0;
  console.log(`PostgreSQL adds ${added.toFixed(3)} ms at p50 (goal: ≤ 0.3 ms)`);
} finally {
  await services.postgres.close();
  await services.sqlite.close();
  await cluster.stop();
}
