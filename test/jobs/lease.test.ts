/**
 * Leases (src/jobs/lease.ts) as two processes see them: two connections to one database (a
 * SQLite file, and a PostgreSQL database where test/pg.ts can reach a server), each with its own
 * owner id, and an injected clock so that a lease runs out without waiting.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { createKysely, enableWal, openSqlite } from "../../src/db/database";
import { migrate } from "../../src/db/migrator";
import { openDatabase } from "../../src/db/open";
import type { DB } from "../../src/db/schema";
import type { OpenDatabase } from "../../src/db/stores";
import type { JobType } from "../../src/db/tables/models";
import { EventBus } from "../../src/events/bus";
import { claimNext, claimStatement, leaseLostReason, reclaimExpired, renewLeases } from "../../src/jobs/lease";
import { enqueue, finishJob, getJob, setProgress } from "../../src/jobs/queue";
import { ALL_JOB_TYPES, JobRunner } from "../../src/jobs/runner";
import { createLogger } from "../../src/log";
import { jobTypesFor } from "../../src/runtime";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";

const T0 = new Date("2026-03-01T12:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const dirs: string[] = [];
const handles: { close(): void }[] = [];
const opened: OpenDatabase[] = [];
const pgs: TestPostgres[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) h.close();
  for (const o of opened.splice(0)) await o.close();
  for (const p of pgs.splice(0)) await p.drop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `n` connections to one fresh database, as `n` processes would open it. */
async function shared(n: number, dialect: "sqlite" | "postgres"): Promise<Kysely<DB>[]> {
  if (dialect === "postgres") {
    const pg = await freshPostgres();
    pgs.push(pg);
    const out: Kysely<DB>[] = [];
    for (let i = 0; i < n; i++) {
      const o = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: pg.url });
      opened.push(o);
      out.push(o.db);
    }
    return out;
  }
  const dir = mkdtempSync(join(tmpdir(), "mls-lease-"));
  dirs.push(dir);
  const path = join(dir, "ml_store.db");
  return Array.from({ length: n }, (_, i) => {
    const sqlite = openSqlite(path);
    enableWal(sqlite);
    if (i === 0) migrate(sqlite);
    handles.push(sqlite);
    return createKysely(sqlite);
  });
}

const job = (db: Kysely<DB>, type: JobType = "drift", s = 0) =>
  enqueue(db, { type, modelKey: "m", version: "1.0.0", params: {}, createdBy: null, now: at(s).toISOString() });

describe.each(testDialects())("job leases on %s", (dialect) => {
  const LEASE = { leaseS: 30, types: ALL_JOB_TYPES, skipLocked: dialect === "postgres" };
  test("of two processes claiming one job, exactly one gets it", async () => {
    const [a, b] = (await shared(2, dialect)) as [Kysely<DB>, Kysely<DB>];
    const j = await job(a);
    const [fromA, fromB] = await Promise.all([
      claimNext(a, at(1), { ...LEASE, owner: "A" }),
      claimNext(b, at(1), { ...LEASE, owner: "B" }),
    ]);
    const winners = [fromA, fromB].filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const row = await getJob(b, j.id);
    expect(row).toMatchObject({ status: "running", attempts: 1, lease_until: at(31).toISOString() });
    expect(row.claimed_by).toBe(fromA ? "A" : "B");
  });

  test("claims spread over many jobs never take one twice", async () => {
    const [a, b] = (await shared(2, dialect)) as [Kysely<DB>, Kysely<DB>];
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await job(a, "drift", i)).id);
    const claimAll = async (db: Kysely<DB>, owner: string) => {
      const got: string[] = [];
      for (;;) {
        const r = await claimNext(db, at(30), { ...LEASE, owner });
        if (!r) return got;
        got.push(r.id);
      }
    };
    const [byA, byB] = await Promise.all([claimAll(a, "A"), claimAll(b, "B")]);
    expect([...byA, ...byB].sort()).toEqual(ids.sort());
    expect(new Set([...byA, ...byB]).size).toBe(20);
  });

  test("a serve-only process leaves fits to others and takes the rest", async () => {
    const [db] = (await shared(1, dialect)) as [Kysely<DB>];
    expect(jobTypesFor(["serve"]).sort()).toEqual(["drift", "predict"]);
    expect(jobTypesFor(["serve", "train"]).sort()).toEqual(["drift", "predict", "retrain", "train"]);
    const fit = await job(db, "train", 0);
    const retrain = await job(db, "retrain", 1);
    const check = await job(db, "drift", 2);
    const serveOnly = { leaseS: 30, owner: "S", types: jobTypesFor(["serve"]) };
    expect((await claimNext(db, at(5), serveOnly))?.id).toBe(check.id);
    expect(await claimNext(db, at(5), serveOnly)).toBeNull();
    const trainer = { leaseS: 30, owner: "T", types: jobTypesFor(["train"]) };
    expect((await claimNext(db, at(5), trainer))?.id).toBe(fit.id);
    expect((await claimNext(db, at(5), trainer))?.id).toBe(retrain.id);
  });

  test("renewal extends a held lease and reports the ones this process lost", async () => {
    const [a, b] = (await shared(2, dialect)) as [Kysely<DB>, Kysely<DB>];
    const kept = await job(a, "drift", 0);
    const lost = await job(a, "drift", 1);
    await claimNext(a, at(2), { ...LEASE, owner: "A" });
    await claimNext(a, at(2), { ...LEASE, owner: "A" });
    expect(await renewLeases(a, "A", [kept.id, lost.id], at(20), 30)).toEqual([]);
    expect((await getJob(b, kept.id)).lease_until).toBe(at(50).toISOString());
    // renewed at 20 s: nothing has run out at 49 s
    expect(await reclaimExpired(b, at(49), 3)).toEqual({ requeued: [], failed: [], cancelled: [] });
    // A stops renewing `lost` (it hangs); B takes it over after the lease
    const reclaimed = await reclaimExpired(b, at(51), 3);
    expect(reclaimed.requeued.sort()).toEqual([kept.id, lost.id].sort());
    await claimNext(b, at(52), { ...LEASE, owner: "B" });
    await claimNext(b, at(52), { ...LEASE, owner: "B" });
    expect(await renewLeases(a, "A", [kept.id, lost.id], at(53), 30)).toEqual([kept.id, lost.id]);
    // and A, woken up, can no longer write progress or an outcome over B's run
    expect(await setProgress(a, lost.id, { stage: "training", progress: 0.9 }, "A")).toBe(false);
    expect(await finishJob(a, lost.id, { status: "completed", now: at(54).toISOString() }, "A")).toBe(false);
    expect(await getJob(b, lost.id)).toMatchObject({ status: "running", claimed_by: "B", attempts: 2 });
    expect(await finishJob(b, lost.id, { status: "completed", now: at(55).toISOString() }, "B")).toBe(true);
  });

  test("a job whose holders keep dying is re-queued until ML_JOB_MAX_ATTEMPTS, then failed with the reason", async () => {
    const [db] = (await shared(1, dialect)) as [Kysely<DB>];
    const at0 = at(0).toISOString();
    await db
      .insertInto("models")
      .values({ model_key: "m", task_type: "classification", target_field: "y", created_at: at0, updated_at: at0 })
      .execute();
    const j = await job(db, "train");
    await db
      .insertInto("model_versions")
      .values({
        model_key: "m",
        version: "1.0.0",
        status: "training",
        job_id: j.id,
        feature_fields: "[]",
        hyperparameters: "{}",
        created_at: at0,
      })
      .execute();
    let t = 0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = await claimNext(db, at(t), { ...LEASE, owner: `P${attempt}` });
      expect(claimed).toMatchObject({ id: j.id, attempts: attempt, claimed_by: `P${attempt}` });
      await setProgress(db, j.id, { stage: "training", progress: 0.5 }, `P${attempt}`);
      t += 31; // P dies: no renewal
      const r = await reclaimExpired(db, at(t), 3);
      if (attempt < 3) {
        expect(r.requeued).toEqual([j.id]);
        expect(await getJob(db, j.id)).toMatchObject({ status: "queued", claimed_by: null, progress: 0 });
      } else {
        expect(r.requeued).toEqual([]);
        expect(r.failed.map((f) => f.id)).toEqual([j.id]);
      }
    }
    const failed = await getJob(db, j.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 3, error: leaseLostReason(3) });
    expect(failed.error).toContain("stopped renewing its lease 3 times");
    const version = await db.selectFrom("model_versions").selectAll().where("job_id", "=", j.id).executeTakeFirst();
    expect(version).toMatchObject({ status: "failed", error: leaseLostReason(3) });
    // nothing left to claim
    expect(await claimNext(db, at(t + 1), { ...LEASE, owner: "P4" })).toBeNull();
  });

  test("a job cancelled while its holder was dying ends cancelled, not re-run", async () => {
    const [db] = (await shared(1, dialect)) as [Kysely<DB>];
    const j = await job(db);
    await claimNext(db, at(0), { ...LEASE, owner: "A" });
    await db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", j.id).execute();
    const r = await reclaimExpired(db, at(31), 3);
    expect(r.cancelled.map((c) => c.id)).toEqual([j.id]);
    expect(await getJob(db, j.id)).toMatchObject({ status: "cancelled", error: "cancelled while running" });
  });

  test("a starting runner leaves another process's live job alone", async () => {
    const [a, b] = (await shared(2, dialect)) as [Kysely<DB>, Kysely<DB>];
    const j = await job(a);
    await claimNext(a, new Date(), { ...LEASE, owner: "A" });
    const ran: string[] = [];
    const runner = new JobRunner({
      db: b,
      log: createLogger("error", () => {}),
      bus: new EventBus(),
      maxWorkers: 1,
      now: () => new Date(),
      lease: { owner: "B", leaseS: 30 },
    });
    runner.handle("drift", async (row) => {
      ran.push(row.id);
    });
    try {
      expect(await runner.start()).toEqual({ requeued: [], failed: [], cancelled: [] });
      await runner.idle();
      expect(ran).toEqual([]);
      expect(await getJob(b, j.id)).toMatchObject({ status: "running", claimed_by: "A" });
    } finally {
      await runner.stop(0);
    }
  });

  test("a runner renews its lease while a job runs and takes over one whose holder died", async () => {
    const [a, b] = (await shared(2, dialect)) as [Kysely<DB>, Kysely<DB>];
    const orphan = await job(a);
    // process A claimed it under a one-second lease and died
    await claimNext(a, new Date(), { leaseS: 1, owner: "A", types: ALL_JOB_TYPES });
    const bus = new EventBus();
    const completed: string[] = [];
    bus.subscribe("queue:task_completed", (e) => completed.push(`${e.job_id} ${e.status}`));
    const runner = new JobRunner({
      db: b,
      log: createLogger("error", () => {}),
      bus,
      maxWorkers: 1,
      now: () => new Date(),
      lease: { owner: "B", leaseS: 1 },
    });
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const leases: string[] = [];
    runner.handle("drift", async (row, ctx) => {
      // runs past several lease periods: B keeps renewing, nobody takes it from B
      await ctx.progress({ stage: "checking", progress: 0.5 });
      for (let i = 0; i < 3; i++) {
        const before = (await getJob(a, row.id)).lease_until as string;
        for (;;) {
          const now = (await getJob(a, row.id)).lease_until as string;
          if (now > before) break;
          await Bun.sleep(20);
        }
        leases.push((await getJob(a, row.id)).lease_until as string);
      }
      await released;
      return { ok: true };
    });
    try {
      await runner.start();
      const taken = async () => {
        for (;;) {
          const row = await getJob(a, orphan.id);
          if (row.claimed_by === "B" && row.status === "running") return row;
          await Bun.sleep(20);
        }
      };
      expect(await taken()).toMatchObject({ attempts: 2 });
      while (leases.length < 3) await Bun.sleep(20);
      expect(new Set(leases).size).toBe(3);
      release();
      await runner.idle();
      expect(await getJob(a, orphan.id)).toMatchObject({ status: "completed", claimed_by: "B", attempts: 2 });
      expect(completed).toEqual([`${orphan.id} completed`]);
    } finally {
      release();
      await runner.stop(0);
    }
  });
});

describe("the claim statement", () => {
  test("the claim is one statement on both dialects; PostgreSQL's skips rows other claimers hold", () => {
    const compileOnly = (pg: boolean) =>
      new Kysely<DB>({
        dialect: {
          createAdapter: () => (pg ? new PostgresAdapter() : new SqliteAdapter()),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => (pg ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
          createQueryCompiler: () => (pg ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
        },
      });
    const claim = (pg: boolean) =>
      claimStatement(compileOnly(pg), T0, { leaseS: 30, types: ALL_JOB_TYPES, owner: "A", skipLocked: pg }).compile()
        .sql;
    expect(claim(true)).toMatch(
      /^update "jobs" set .* where "id" = \(select "id" from "jobs" where .* limit \$\d+ for update skip locked\) and "status" = \$\d+ returning \*$/,
    );
    expect(claim(false)).not.toContain("for update");
    expect(claim(false)).toMatch(
      /^update "jobs" set .* where "id" = \(select "id" from "jobs" .*\) and "status" = \? returning \*$/,
    );
  });
});
