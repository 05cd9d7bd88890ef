/**
 * The database layer on SQLite and on PostgreSQL (when ML_TEST_DATABASE_URL is set, test/pg.ts):
 * the same migrations and refusal rules, the same stores with the same shapes (ids and counts
 * as numbers, batch bytes as bytes), and one-line start-up errors that never show a password.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { ConfigError } from "../../src/config";
import { MIGRATIONS } from "../../src/db/migrations";
import { MigrationError } from "../../src/db/migrator";
import { openDatabase } from "../../src/db/open";
import { migratePostgres } from "../../src/db/postgres/migrator";
import type { OpenDatabase } from "../../src/db/stores";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";

const LATEST = MIGRATIONS.at(-1)?.name;

describe.each(testDialects())("the database on %s", (dialect) => {
  let dir = "";
  let pg: TestPostgres | null = null;
  let url = "";
  let open: OpenDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mls-dialect-"));
    if (dialect === "postgres") {
      pg = await freshPostgres();
      url = pg.url;
    } else url = `sqlite:${join(dir, "store.db")}`;
    open = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: url });
  });
  afterAll(async () => {
    await open?.close();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a fresh database gets every migration; opening again applies none", async () => {
    expect(open.migration.applied).toEqual(MIGRATIONS.map((m) => m.name));
    const again = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: url });
    expect(again.migration).toEqual({ applied: [], current: LATEST ?? null });
    await again.close();
    expect(await open.stores.status.probe()).toEqual({ schema: LATEST ?? null });
  });

  test("counts and ids come back as numbers", async () => {
    const row = await open.db
      .selectFrom("service_info")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(row.n).toBe(2);
    const inserter = open.stores.queries.inserter("events", ["time", "type", "source"]);
    const id = await inserter.insert(["2026-01-01T00:00:00.000Z", "test:one", "system"]);
    expect(typeof id).toBe("number");
    await inserter.insertMany([
      ["2026-01-01T00:00:01.000Z", "test:two", "system"],
      ["2026-01-01T00:00:02.000Z", "test:two", "system"],
    ]);
    const compiled = open.db.selectFrom("events").select(["id", "type"]).where("type", "=", "test:one").compile();
    expect(await open.stores.queries.first(compiled.sql, ["test:one"])).toEqual({ id, type: "test:one" });
    const ids = await open.db.selectFrom("events").select("id").where("type", "like", "test:%").orderBy("id").execute();
    expect(ids.map((r) => r.id)).toEqual([id, id + 1, id + 2]);
  });

  test("a CHECK constraint refuses a bad value and keeps what was stored", async () => {
    await expect(
      open.db
        .insertInto("events")
        .values({ time: "2026-01-01T00:00:00.000Z", type: "x", source: "nowhere" } as never)
        .execute(),
    ).rejects.toThrow();
    const n = await open.db
      .selectFrom("events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("type", "like", "test:%")
      .executeTakeFirstOrThrow();
    expect(n.n).toBe(3);
  });

  test("a transaction that throws leaves nothing behind", async () => {
    await expect(
      open.db.transaction().execute(async (trx) => {
        await trx.insertInto("service_info").values({ key: "half", value: "1" }).execute();
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await open.db.selectFrom("service_info").select("key").where("key", "=", "half").execute()).toEqual([]);
  });

  test("the prediction log: blocks of ids never overlap, rows and batches land together and read back as written", async () => {
    const log = open.stores.predictionLog;
    const a = await log.reserveIds(100);
    const b = await log.reserveIds(100);
    expect(b - a).toBe(100);
    const bytes = new Uint8Array(16);
    new Float64Array(bytes.buffer).set([1.5, -2.25]);
    const rows = [0, 1].map((k) => ({
      id: a - 100 + k,
      model_key: "m",
      version: "1",
      created_at: `2026-01-01T00:00:0${k}.000Z`,
      // the second row's input is held by its batch only (migration 0016)
      input: k === 0 ? JSON.stringify({ x: 1.5 }) : "",
      prediction: "1",
      confidence: 0.5,
      latency_ms: 1,
      job_id: null,
      created_by: null,
      batch_first_id: a - 100,
      batch_row: k,
    }));
    await log.write(rows, [
      {
        model_key: "m",
        version: "1",
        first_prediction_id: a - 100,
        last_prediction_id: a - 99,
        created_from: rows[0]?.created_at as string,
        created_to: rows[1]?.created_at as string,
        row_count: 2,
        columns: JSON.stringify([{ name: "x", kind: "f64" }]),
        data: bytes,
      },
    ]);
    const window = open.stores.driftWindow;
    expect(await window.firstBatchedId()).toBe(a - 100);
    const [batch] = await window.batchPage("m", "1", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", -1, 10);
    expect(batch?.slice(1, 6) as unknown[]).toEqual([rows[0]?.created_at, rows[1]?.created_at, a - 100, a - 99, 2]);
    expect([...new Float64Array(new Uint8Array(batch?.[7] as Uint8Array).buffer)]).toEqual([1.5, -2.25]);
    const page = await window.inputPage(
      "m",
      "1",
      "2026-01-01T00:00:00.000Z",
      "2026-01-02T00:00:00.000Z",
      -1,
      Number.MAX_SAFE_INTEGER,
      10,
    );
    expect(page).toEqual(rows.map((r) => [r.id, r.created_at, r.input, a - 100, r.batch_row]));
    const edge = await window.inputsInRange(a - 100, a - 99, "m", "1", rows[1]?.created_at as string, "2026-01-02");
    expect(edge).toEqual([["", 1]]);
    const held = await window.batchesStarting([a - 100, a + 5]);
    expect(held.map((b) => b.slice(0, 3))).toEqual([[a - 100, 2, JSON.stringify([{ name: "x", kind: "f64" }])]]);
    expect(await window.newestBefore(a - 99)).toBe(rows[0]?.created_at ?? null);
  });
});

describe.each(testDialects().filter((d) => d === "postgres"))("migrations on %s", () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await freshPostgres();
  });
  afterAll(() => pg.drop());

  test("replicas that start together: one applies the migrations, the others wait and find none", async () => {
    const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: pg.url })));
    const applied = opened.map((o) => o.migration.applied.length).sort();
    expect(applied).toEqual([0, 0, MIGRATIONS.length]);
    await Promise.all(opened.map((o) => o.close()));
  });

  test("an edited migration and a newer schema are refused, untouched", async () => {
    const pool = new SQL(pg.url, { max: 1 });
    try {
      const [first, ...rest] = MIGRATIONS as [(typeof MIGRATIONS)[number], ...typeof MIGRATIONS];
      const edited = [{ ...first, postgres: `${first.postgres}\n-- edited` }, ...rest];
      await expect(migratePostgres(pool, edited)).rejects.toThrow(MigrationError);
      await expect(migratePostgres(pool, MIGRATIONS.slice(0, -1))).rejects.toThrow(/newer than this binary/);
      const [row] = await pool.unsafe("SELECT COUNT(*)::int AS n FROM schema_migrations");
      expect(row.n).toBe(MIGRATIONS.length);
    } finally {
      await pool.close();
    }
  });

  test("wrong credentials or an unreachable server: one line naming ML_DATABASE_URL, no password", async () => {
    const wrongUser = new URL(pg.url);
    wrongUser.username = "nobody_here";
    wrongUser.password = "hunter2-secret";
    const err = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: wrongUser.toString() }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toStartWith("ML_DATABASE_URL=");
    expect(err.message).not.toContain("hunter2");
    const closed = await openDatabase({
      ML_DB_PATH: "",
      ML_DATABASE_URL: "postgres://u:hunter2-secret@127.0.0.1:1/db",
    }).catch((e) => e);
    expect(closed).toBeInstanceOf(ConfigError);
    expect(closed.message).not.toContain("hunter2");
  });
});
