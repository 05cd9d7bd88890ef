/**
 * Logged inputs stored once (migration 0016): a row whose batch gives its input back exactly
 * keeps '' as its text, and every reader (the listing, retraining's client data, the drift
 * window, retention) still gets the input as it was logged, byte for byte.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/open";
import { createLogger } from "../../src/log";
import { Random } from "../../src/ml/random";
import { BATCHED_INPUT } from "../../src/monitoring/batched-inputs";
import { confidentRows, feedbackRows } from "../../src/monitoring/client-data";
import { batchRowJson, decodeBatch, encodeBatch } from "../../src/monitoring/columns";
import { listPredictions } from "../../src/monitoring/prediction-history";
import { PredictionLog } from "../../src/monitoring/prediction-log";
import { sweepPredictionLog } from "../../src/monitoring/retention";
import { loggedInputs } from "../../src/monitoring/window";
import { SYSTEM } from "../../src/registry/ownership";
import { freshPostgres, testDialects } from "../pg";

/** Values JSON can carry that are easy to get wrong: float32 and float64 numbers, -0, huge and tiny ones, text. */
function value(rng: Random, i: number): unknown {
  switch (i % 9) {
    case 0:
      return Math.fround(rng.nextFloat() * 100);
    case 1:
      return rng.nextFloat() * 1e-300;
    case 2:
      return -0;
    case 3:
      return 1e21 * (rng.nextFloat() + 1);
    case 4:
      return `t"${i}\u2028é\ud800`;
    case 5:
      return rng.nextFloat() < 0.5;
    case 6:
      return { nested: [1, "two", null], "0": i };
    case 7:
      return Math.floor(rng.nextFloat() * 1000) - 500;
    default:
      return 5e-324;
  }
}

describe("the batch gives back exactly the rows it marks exact", () => {
  test("random rows: exact means no null and keys in the columns' order, and an exact row's text is JSON.stringify of the row", () => {
    const rng = new Random(16);
    for (let round = 0; round < 40; round++) {
      const width = 1 + Math.floor(rng.nextFloat() * 8);
      // key names include an index-like one (JSON orders those first) and __proto__ as JSON.parse makes it
      const keys = ["b", "10", "a z", "__proto__", "é", "2", "k", "x"].slice(0, width);
      const kind = (k: number) => (round * 7 + k) % 9;
      const rows: Record<string, unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        const parts = keys.map((k, j) => `${JSON.stringify(k)}:${JSON.stringify(value(rng, kind(j) + (i % 2) * 9))}`);
        const r = rng.nextFloat();
        if (r < 0.05 && parts.length > 1)
          parts.splice(Math.floor(rng.nextFloat() * parts.length), 1); // a key absent
        else if (r < 0.1)
          parts[0] = `${JSON.stringify(keys[0])}:null`; // a null the batch cannot tell from absent
        else if (r < 0.13 && parts.length > 1) parts.reverse(); // another order (index-like keys still come first)
        rows.push(JSON.parse(`{${parts.join(",")}}`) as Record<string, unknown>);
      }
      const enc = encodeBatch(rows);
      const cols = decodeBatch(enc.row_count, enc.columns, enc.data);
      const names: string[] = JSON.parse(enc.columns).map((c: { name: string }) => c.name);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Record<string, unknown>;
        // exact: no null, and the keys appear in the columns' order (positions only rise)
        const at = Object.keys(row).map((k) => names.indexOf(k));
        const exact = !Object.values(row).includes(null) && at.every((p, j) => j === 0 || p > (at[j - 1] as number));
        expect(enc.exact[i]).toBe(exact ? 1 : 0);
        if (exact) expect(batchRowJson(cols, i)).toBe(JSON.stringify(row));
      }
    }
  });

  test("rows from other sources than JSON: a non-finite number or a dropped value keeps the row's text", () => {
    const enc = encodeBatch([
      { a: Number.NaN, b: 1 },
      { a: Number.POSITIVE_INFINITY },
      { a: 1, b: undefined },
      { a: 1, b: 2 },
    ]);
    expect([...enc.exact]).toEqual([0, 0, 0, 1]);
  });
});

const opened: { close(): Promise<void> }[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
  for (const c of cleanups.splice(0)) await c();
});

/** A fresh database of `dialect` (SQLite: a file, so the log writes on its writer thread) and a log on it. */
async function setup(dialect: "sqlite" | "postgres") {
  let url: string;
  if (dialect === "postgres") {
    const pg = await freshPostgres();
    cleanups.push(() => pg.drop());
    url = pg.url;
  } else {
    const dir = mkdtempSync(join(tmpdir(), "mls-batched-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    url = `sqlite:${join(dir, "store.db")}`;
  }
  const open = await openDatabase({ ML_DB_PATH: "", ML_DATABASE_URL: url });
  opened.push(open);
  let clock = Date.parse("2026-01-01T00:00:00.000Z");
  const log = new PredictionLog(
    open.stores.predictionLog,
    createLogger("error", () => {}),
    {
      flushMs: 3_600_000,
      batch: Number.MAX_SAFE_INTEGER,
      now: () => new Date(clock),
    },
  );
  return { db: open.db, stores: open.stores, log, tick: (ms: number) => (clock += ms) };
}

const digitsRow = (rng: Random) =>
  Object.fromEntries(Array.from({ length: 16 }, (_, j) => [`pixel_${j}`, Math.floor(rng.nextFloat() * 17)]));

describe.each(testDialects())("the prediction log stores each input once, on %s", (dialect) => {
  test("exact rows are stored as '', the rest as text, and the listing gives every input back as logged", async () => {
    const { db, stores, log, tick } = await setup(dialect);
    const rng = new Random(3);
    const sent: { id: number; text: string }[] = [];
    for (let i = 0; i < 700; i++) {
      const input: Record<string, unknown> =
        i % 50 === 7 ? { ...digitsRow(rng), pixel_3: null } : i % 50 === 9 ? { only: "other keys" } : digitsRow(rng);
      // two models interleave, so each batch's ids have gaps
      const id = (await log.add({
        model_key: i % 3 === 0 ? "b" : "a",
        version: "1",
        input,
        prediction: "1",
        confidence: 0.9,
        latency_ms: 1,
      })) as number;
      sent.push({ id, text: JSON.stringify(input) });
      tick(1);
      if (i % 97 === 96) await log.flush();
    }
    await log.stop();
    const batched = await db
      .selectFrom("predictions")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("input", "=", BATCHED_INPUT)
      .executeTakeFirstOrThrow();
    // the 14 rows with a null keep their text; those with other keys than the rest do not need to
    expect(Number(batched.n)).toBe(686);
    const page = await listPredictions(db, SYSTEM, { limit: 1000, offset: 0 });
    const byId = new Map(page.items.map((p) => [p.prediction_id, JSON.stringify(p.input)]));
    expect(page.items).toHaveLength(700);
    for (const s of sent) expect(byId.get(s.id)).toBe(s.text);
    // the drift window's JSON path reads the same rows
    const window = { modelKey: "a", version: "1", start: "2026-01-01T00:00:00.000Z", end: "2026-01-02T00:00:00.000Z" };
    const rows: unknown[] = [];
    for await (const page of loggedInputs(stores.driftWindow, window)) rows.push(...page);
    expect(rows.map((r) => JSON.stringify(r)).sort()).toEqual(
      sent
        .filter((_, i) => i % 3 !== 0)
        .map((s) => s.text)
        .sort(),
    );
  });

  test("retraining's client rows and labelled rows read inputs from their batches", async () => {
    const { db, log } = await setup(dialect);
    const rng = new Random(5);
    const inputs = Array.from({ length: 20 }, () => digitsRow(rng));
    const ids: number[] = [];
    for (const input of inputs)
      ids.push(
        (await log.add({
          model_key: "a",
          version: "1",
          input,
          prediction: 4,
          confidence: 0.99,
          latency_ms: 1,
        })) as number,
      );
    await log.stop();
    await db
      .insertInto("feedback")
      .values({ prediction_id: ids[2] as number, model_key: "a", label: "7", created_at: "2026-01-02T00:00:00.000Z" })
      .execute();
    expect(await feedbackRows(db, "a", "label")).toEqual([{ ...inputs[2], label: 7 }]);
    const client = await confidentRows(db, {
      modelKey: "a",
      version: "1",
      start: "2026-01-01T00:00:00.000Z",
      end: "2026-01-02T00:00:00.000Z",
      minConfidence: 0.9,
      target: "label",
    });
    // newest first, and the labelled one is left to the feedback
    expect(client).toEqual(
      inputs
        .filter((_, i) => i !== 2)
        .reverse()
        .map((x) => ({ ...x, label: 4 })),
    );
  });

  test("retention keeps the batch that holds a labelled prediction's input, and deletes the others", async () => {
    const { db, log, tick } = await setup(dialect);
    const rng = new Random(8);
    const inputs: Record<string, unknown>[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      inputs.push(digitsRow(rng));
      ids.push(
        (await log.add({
          model_key: "a",
          version: "1",
          input: inputs[i],
          prediction: 1,
          confidence: 0.5,
          latency_ms: 1,
        })) as number,
      );
      tick(1000);
      if (i % 10 === 9) await log.flush();
    }
    await log.stop();
    await db
      .insertInto("feedback")
      .values({ prediction_id: ids[14] as number, model_key: "a", label: "3", created_at: "2026-01-02T00:00:00.000Z" })
      .execute();
    const swept = await sweepPredictionLog(db, "2026-01-01T00:00:25.000Z");
    // three batches of ten rows: the first goes, the second holds the labelled input, the third is recent
    expect(swept).toMatchObject({ predictions: 24, prediction_batches: 1 });
    const page = await listPredictions(db, SYSTEM, { limit: 100, offset: 0 });
    expect(page.items.map((p) => p.prediction_id)).toEqual([...ids.slice(25).reverse(), ids[14] as number]);
    expect(page.items.at(-1)?.input).toEqual(inputs[14] as Record<string, unknown>);
    expect(await feedbackRows(db, "a", "label")).toEqual([{ ...inputs[14], label: 3 }]);
  });

  test("a missing batch is an error, not an empty input", async () => {
    const { db, log } = await setup(dialect);
    await log.add({ model_key: "a", version: "1", input: { x: 1 }, prediction: 1, confidence: 0.5, latency_ms: 1 });
    await log.stop();
    expect(await db.selectFrom("predictions").select("input").execute()).toEqual([{ input: BATCHED_INPUT }]);
    await db.deleteFrom("prediction_batches").execute();
    await expect(listPredictions(db, SYSTEM, { limit: 10, offset: 0 })).rejects.toThrow(
      /prediction_batches row .* is missing/,
    );
  });
});
