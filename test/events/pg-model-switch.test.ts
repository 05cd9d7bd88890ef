/**
 * A model switch on one replica is served by another at once on PostgreSQL: the
 * `models:activated` event crosses LISTEN/NOTIFY and the other replica re-reads its active
 * versions then. Replica B's poll is set an hour apart, so only the event can move it; B trains
 * nothing (ML_ROLES=serve), so every switch happens on A.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { openDatabase } from "../../src/db/open";
import { type ClosableEventRelay, openNotifyRelay } from "../../src/db/postgres/notify-relay";
import type { OpenDatabase } from "../../src/db/stores";
import { EventBus } from "../../src/events/bus";
import { connectRelay } from "../../src/events/relay";
import { silentLogger } from "../../src/log";
import { createRuntime, type Runtime } from "../../src/runtime";
import { csvRows, startService } from "../ml-service/helpers";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { tempDir } from "../temp-dir";
import { until } from "../until";

const onPostgres = testDialects().includes("postgres");
const iris = csvRows("iris_train.csv");
let pg: TestPostgres;
let a: Awaited<ReturnType<typeof startService>>;
let b: { store: OpenDatabase; runtime: Runtime };
const relays: ClosableEventRelay[] = [];
const artifacts = tempDir("mls-switch-");

async function replica(bus: EventBus) {
  const relay = await openNotifyRelay(pg.url, { log: silentLogger });
  relays.push(relay);
  connectRelay(bus, relay);
}

async function fit(): Promise<string> {
  const res = await a.request("/train", {
    json: { model_key: "iris", target_field: "species", items: iris, hyperparameters: { max_iter: 20 } },
  });
  expect(res.status).toBe(202);
  const job = await a.waitJob(res.body.job_id, 120_000);
  expect(job.status).toBe("completed");
  return job.version;
}

beforeAll(async () => {
  if (!onPostgres) return;
  pg = await freshPostgres();
  a = await startService({ ML_DATABASE_URL: pg.url, ML_ARTIFACTS_ROOT: artifacts });
  await replica(a.bus);
  const store = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: pg.url });
  const bus = new EventBus();
  await replica(bus);
  const config = { ...a.config, ML_ROLES: ["serve" as const] };
  const runtime = createRuntime({
    config,
    db: store.db,
    stores: store.stores,
    log: silentLogger,
    bus,
    now: () => new Date(),
    followMs: 3_600_000,
  });
  await runtime.start({ primary: false });
  b = { store, runtime };
}, 60_000);

afterAll(async () => {
  if (!onPostgres) return;
  for (const r of relays) await r.close();
  await b?.runtime.stop(0);
  await b?.store.close();
  await a?.close();
  await pg.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

describe.skipIf(!onPostgres)("model switches across replicas on PostgreSQL", () => {
  test("a fit and a rollback on replica A are served by replica B as soon as the event arrives", async () => {
    const first = await fit();
    expect((await b.runtime.models.active("iris")).version).toBe(first);
    const second = await fit();
    expect(second).not.toBe(first);
    await until("B serves the new fit", async () =>
      (await b.runtime.models.active("iris")).version === second ? true : undefined,
    );
    const back = await a.request(`/models/iris/rollback/${first}`, { json: {} });
    expect(back.status).toBe(200);
    await until("B serves the rolled-back version", async () =>
      (await b.runtime.models.active("iris")).version === first ? true : undefined,
    );
  }, 120_000);
});
