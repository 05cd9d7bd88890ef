/**
 * A PostgreSQL server that goes away and comes back (issue #16, "Bad input and faults"): while it
 * is down, a request that needs it ends with 503 `database_unavailable` and `Retry-After` (never
 * a 500, never a hang), /health and /readyz name the database, the process and its background
 * loops stay up, and predictions answered before the outage stay buffered; once it is back the
 * same service answers again and every answered prediction (and the audit event of the refused
 * request) reaches the database, without a restart. A frozen server (SIGSTOP: connections open,
 * no answer) is bounded by ML_DATABASE_TIMEOUT_MS.
 *
 * The service runs in-process (startService) on a throw-away cluster of its own
 * (scripts/pg-cluster.ts), stopped and started again on the same port. Every prediction here
 * needs the database (the token is looked up there), so none is answered during the outage: the
 * rows at risk are the ones answered before it and still waiting in the log's buffer, held there
 * by a long flush interval. Runs where PostgreSQL can be tested (test/pg.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type PgCluster, startPgCluster } from "../../scripts/pg-cluster";
import { csvRows, startService } from "../ml-service/helpers";
import { testDialects } from "../pg";
import { until } from "../until";

const onPostgres = testDialects().includes("postgres");
const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);

let cluster: PgCluster;
let svc: Awaited<ReturnType<typeof startService>>;
const logLines: string[] = [];

beforeAll(async () => {
  if (!onPostgres) return;
  cluster = await startPgCluster();
  svc = await startService(
    // rows wait in the buffer until 4 are there (or a minute passed): the outage meets them unwritten
    {
      ML_DATABASE_URL: cluster.url,
      ML_DATABASE_TIMEOUT_MS: "2000",
      ML_PREDICTION_LOG_FLUSH_MS: "60000",
      ML_PREDICTION_LOG_MAX_ROWS: "4",
    },
    undefined,
    undefined,
    logLines,
  );
});

afterAll(async () => {
  if (!onPostgres) return;
  await cluster.startServer();
  await svc.close();
  await cluster.stop();
});

let token = "";
let url = "";

// biome-ignore lint/suspicious/noExplicitAny: the test reads bodies loosely
type Answer = { status: number; headers: Headers; body: any };

/** POST /predict of one row over HTTP, with the API token (looked up in the database). */
async function predict(row: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${url}/predict`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model_key: "iris", data: [row] }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function get(path: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe.skipIf(!onPostgres)("PostgreSQL goes away and comes back", () => {
  test("503 with Retry-After while down, /health names the database, recovery without a restart", async () => {
    const trained = await svc.request("/train", { json: { model_key: "iris", target_field: "species", items: iris } });
    expect(trained.status).toBe(202);
    expect((await svc.waitJob(trained.body.job_id)).status).toBe("completed");
    const minted = await svc.request("/auth/tokens", { json: { name: "outage" } });
    expect(minted.status).toBe(201);
    token = minted.body.token;
    url = svc.listen().url;

    const answered: number[] = [];
    for (const row of probe.slice(0, 3)) {
      const res = await predict(row);
      expect(res.status).toBe(200);
      answered.push(res.body.predictions[0].prediction_id);
    }
    expect(svc.runtime.predictionLog.pending).toBe(3);
    const healthy = await get("/health");
    expect(healthy.status).toBe(200);
    expect(healthy.body.down).toEqual([]);

    await cluster.stopServer();

    const down = await predict(probe[3] as Record<string, unknown>);
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(down.body.error.code).toBe("database_unavailable");
    expect(down.body.error.message).toContain("database is unavailable");

    const health = await get("/health");
    expect(health.status).toBe(503);
    expect(health.headers.get("retry-after")).toBe("5");
    expect(health.body.down).toEqual(["database"]);
    expect(health.body.database.status).toBe("error");
    expect(health.body.artifacts.status).toBe("ok");
    const ready = await get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("5");
    expect(ready.body.checks.database.status).toBe("error");
    expect(ready.body.reason).toStartWith("database:");

    // the background loops meet the outage too, and carry on (an unhandled rejection would fail this file)
    await until("the job runner met the outage", async () =>
      logLines.some((l) => l.includes("job claim failed")) ? true : undefined,
    );
    await until("following the active versions met the outage", async () =>
      logLines.some((l) => l.includes("following active versions failed")) ? true : undefined,
    );

    // the log's timer fires during the outage: the write fails, the rows stay for the next one
    await svc.runtime.predictionLog.flush();
    expect(svc.runtime.predictionLog.pending).toBe(3);
    expect(logLines.some((l) => l.includes("prediction log write failed"))).toBe(true);

    await cluster.startServer();

    // the pool reconnects on its own: the first request after the server is back may still be refused
    const back = await until("a prediction answered after the database came back", async () => {
      const res = await predict(probe[3] as Record<string, unknown>);
      return res.status === 200 ? res : undefined;
    });
    answered.push(back.body.predictions[0].prediction_id);
    expect((await get("/health")).body.down).toEqual([]);

    // the fourth row fills the batch: all four, the three held through the outage included, are written
    const reader = new SQL(cluster.url, { max: 1 });
    try {
      const logged = await until("every answered prediction in the log", async () => {
        const rows = (await reader.unsafe("SELECT id FROM predictions ORDER BY id")) as { id: string | number }[];
        return rows.length >= answered.length ? rows.map((r) => Number(r.id)) : undefined;
      });
      expect(logged).toEqual([...answered].sort((a, b) => a - b));
      // the audit log kept the request the outage refused, and wrote it once the database was back
      await until("the refused request in the audit log", async () => {
        const [row] = await reader.unsafe("SELECT count(*) AS n FROM events WHERE path = '/predict' AND status = 503");
        return Number(row.n) >= 1 ? true : undefined;
      });
    } finally {
      await reader.close();
    }
  }, 120_000);

  test("a server that stops answering: requests end with 503 after ML_DATABASE_TIMEOUT_MS, then recover", async () => {
    expect((await predict(probe[0] as Record<string, unknown>)).status).toBe(200);
    cluster.pause();
    try {
      const stuck = await predict(probe[1] as Record<string, unknown>);
      expect(stuck.status).toBe(503);
      expect(stuck.headers.get("retry-after")).toBe("5");
      expect(stuck.body.error.code).toBe("database_unavailable");
      expect(stuck.body.error.message).toContain("no answer within 2000 ms");
      const health = await get("/health");
      expect(health.status).toBe(503);
      expect(health.body.down).toEqual(["database"]);
    } finally {
      cluster.resume();
    }
    await until("a prediction answered once the server answers again", async () => {
      const res = await predict(probe[2] as Record<string, unknown>);
      return res.status === 200 ? res : undefined;
    });
    expect((await get("/health")).body.down).toEqual([]);
  }, 120_000);
});
