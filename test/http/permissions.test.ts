/**
 * The permission matrix: every API route that touches a model, walked as its owner, another
 * user, a maintainer, an admin and anonymous, with the status each must get. A request that is
 * refused must change nothing (no version, no job, the same active version, settings and
 * maintainers). The dashboard's forms go through the same domain operations (test/ui).
 *
 * The table is data: routes of jobs, datasets and predictions (their creator, admins, and a
 * model's maintainers for its jobs) are meant to be added as more rows of MATRIX, with `prepare`
 * for rows whose success changes what the next actor would meet.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rollbackModel } from "../../src/registry/activation";
import { addMaintainer } from "../../src/registry/maintainers";
import { SYSTEM } from "../../src/registry/ownership";
import { csvRows, startService } from "../ml-service/helpers";
import { anonymous, type Client, signedInUser } from "../ml-service/people";

type Who = "owner" | "other" | "maintainer" | "admin" | "anonymous";
type Expect = Record<Who, number>;

interface Row {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  json?: unknown;
  expect: Expect;
  /** runs before each actor's request: undoes what the previous actor's success changed */
  prepare?: () => Promise<void>;
}

/** anyone signed in */
const read = (ok = 200): Expect => ({ owner: ok, other: ok, maintainer: ok, admin: ok, anonymous: 401 });
/** the owner, its maintainers and admins */
const change = (ok = 200): Expect => ({ owner: ok, other: 403, maintainer: ok, admin: ok, anonymous: 401 });
/** the owner and admins */
const manage = (ok = 200): Expect => ({ owner: ok, other: 403, maintainer: 403, admin: ok, anonymous: 401 });
/** a model that does not exist: 404 for everyone signed in, never 403 */
const unknown: Expect = { owner: 404, other: 404, maintainer: 404, admin: 404, anonymous: 401 };

const KEY = "iris";
const BASE = "1.0.0";
const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv")
  .slice(0, 3)
  .map(({ species: _, ...f }) => f);
const widths = iris.map(({ species: _, ...r }) => r);
const train = { model_key: KEY, items: iris, target_field: "species", hyperparameters: { max_iter: 20 } };

let svc: Awaited<ReturnType<typeof startService>>;
let clients: Record<Who, Client>;

const backToBase = () =>
  rollbackModel(
    { db: svc.db, models: svc.runtime.models, bus: svc.bus, config: svc.config, now: () => new Date() },
    SYSTEM,
    "test",
    KEY,
    BASE,
  ).then(() => undefined);

const MATRIX: Row[] = [
  { method: "GET", path: "/models", expect: read() },
  { method: "GET", path: `/models/${KEY}`, expect: read() },
  { method: "GET", path: `/models/${KEY}/versions`, expect: read() },
  { method: "GET", path: `/models/${KEY}/features`, expect: read() },
  { method: "GET", path: `/models/${KEY}/rollbacks`, expect: read() },
  { method: "GET", path: `/models/${KEY}/settings`, expect: read() },
  { method: "GET", path: `/models/${KEY}/maintainers`, expect: read() },
  { method: "GET", path: `/metrics/trends?model_key=${KEY}`, expect: read() },
  { method: "GET", path: `/drift/daily-reports/${KEY}`, expect: read() },
  { method: "POST", path: "/predict", json: { model_key: KEY, data: probe }, expect: read() },
  { method: "POST", path: "/train", json: train, expect: change(202) },
  {
    method: "POST",
    path: "/train",
    json: { ...train, items: widths, target_field: "petal_width", allow_schema_change: true },
    expect: manage(202),
    prepare: backToBase,
  },
  { method: "POST", path: `/models/${KEY}/retrain`, expect: change(202) },
  { method: "POST", path: `/models/${KEY}/rollback/${BASE}`, expect: change() },
  { method: "PUT", path: `/models/${KEY}/settings`, json: { drift: { psi: 0.3 } }, expect: change() },
  { method: "PUT", path: `/models/${KEY}/maintainers/eve`, expect: manage() },
  {
    method: "DELETE",
    path: `/models/${KEY}/maintainers/eve`,
    expect: manage(),
    prepare: async () => {
      await addMaintainer(svc.db, SYSTEM, KEY, "eve", new Date().toISOString());
    },
  },
  { method: "GET", path: "/models/nope", expect: unknown },
  { method: "POST", path: "/models/nope/retrain", expect: unknown },
  { method: "POST", path: `/models/nope/rollback/${BASE}`, expect: unknown },
  { method: "PUT", path: "/models/nope/settings", json: {}, expect: unknown },
  { method: "PUT", path: "/models/nope/maintainers/eve", expect: unknown },
];

/** What a refused request must leave as it was. */
async function state() {
  const { db } = svc;
  const model = await db.selectFrom("models").selectAll().where("model_key", "=", KEY).executeTakeFirstOrThrow();
  const count = async (table: "model_versions" | "jobs" | "rollbacks" | "model_maintainers") =>
    (await db.selectFrom(table).select("model_key").where("model_key", "=", KEY).execute()).length;
  return {
    model,
    versions: await count("model_versions"),
    jobs: await count("jobs"),
    rollbacks: await count("rollbacks"),
    maintainers: await count("model_maintainers"),
  };
}

beforeAll(async () => {
  svc = await startService({ ML_MODEL_RETENTION: "100" });
  clients = {
    owner: await signedInUser(svc, "olivia"),
    other: await signedInUser(svc, "oscar"),
    maintainer: await signedInUser(svc, "mia"),
    admin: await signedInUser(svc, "ada", "admin"),
    anonymous: anonymous(svc),
  };
  await signedInUser(svc, "eve");
  const first = await clients.owner.send("/train", { json: train });
  expect(first.body.version).toBe(BASE);
  await svc.runtime.jobs.idle();
  expect((await clients.owner.send(`/models/${KEY}/maintainers/mia`, { method: "PUT" })).status).toBe(200);
});
afterAll(() => svc.close());

describe("permission matrix: routes that touch a model", () => {
  for (const row of MATRIX) {
    test(`${row.method} ${row.path}${row.json && "allow_schema_change" in (row.json as object) ? " (schema change)" : ""}`, async () => {
      const got: Partial<Expect> = {};
      for (const who of Object.keys(row.expect) as Who[]) {
        await row.prepare?.();
        const before = await state();
        const res = await clients[who].send(row.path, { method: row.method, json: row.json });
        got[who] = res.status;
        await svc.runtime.jobs.idle();
        if (res.status >= 400) {
          expect(res.body.error.code).toBeString();
          expect({ who, state: await state() }).toEqual({ who, state: before });
        }
      }
      expect(got).toEqual(row.expect);
    });
  }

  test("a refused train creates no version or job, and a refused rollback leaves the active version", async () => {
    const before = await state();
    expect((await clients.other.send("/train", { json: train })).status).toBe(403);
    const versions = (await clients.other.send(`/models/${KEY}/versions`)).body.items;
    const other = versions.find((v: { status: string; active: boolean }) => v.status === "ready" && !v.active);
    expect((await clients.other.send(`/models/${KEY}/rollback/${other.version}`, { method: "POST" })).status).toBe(403);
    const after = await state();
    expect(after).toEqual(before);
    expect(after.model.active_version).not.toBe(other.version);
  });
});
