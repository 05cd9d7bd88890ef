/**
 * Events across replicas over PostgreSQL LISTEN/NOTIFY (src/db/postgres/notify-relay.ts): two
 * relays on one fresh database stand for two replicas, each joined to its own bus. Every wait is
 * for an event or a log line, never a clock. Notifications on one connection arrive in commit
 * order, so "nothing else arrived" is checked by sending a later marker and waiting for it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type ClosableEventRelay, MAX_NOTIFY_BYTES, openNotifyRelay } from "../../src/db/postgres/notify-relay";
import { EventBus } from "../../src/events/bus";
import { connectRelay } from "../../src/events/relay";
import { createLogger } from "../../src/log";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { until } from "../until";

const onPostgres = testDialects().includes("postgres");
let pg: TestPostgres;
let admin: SQL;
const open: ClosableEventRelay[] = [];

interface Seen {
  type: string;
  payload: Record<string, unknown>;
}

async function replica() {
  const log: { level: string; msg: string }[] = [];
  const relay = await openNotifyRelay(pg.url, { log: createLogger("debug", (line) => log.push(JSON.parse(line))) });
  open.push(relay);
  const bus = new EventBus();
  connectRelay(bus, relay);
  // what arrived from elsewhere: a remote payload is a new object, never one published here
  const raisedHere = new WeakSet<object>();
  bus.subscribeAll((payload) => raisedHere.add(payload as object));
  const seen: Seen[] = [];
  bus.subscribeAll(
    (payload, type) => {
      if (!raisedHere.has(payload as object)) seen.push({ type, payload: payload as Record<string, unknown> });
    },
    { remote: true },
  );
  return { bus, relay, seen, log };
}

/** Publishes a marker on `from` and waits until `to` has it: everything `from` sent before has arrived. */
async function marker(from: Awaited<ReturnType<typeof replica>>, to: Awaited<ReturnType<typeof replica>>) {
  const id = crypto.randomUUID();
  from.bus.publish("queue:task_progress", { job_id: id, progress: 0 } as never);
  await until("the marker arrives", () => (to.seen.some((s) => s.payload.job_id === id) ? true : undefined));
  return id;
}

const progress = { job_id: "job_1", type: "train", model_key: "m", version: "1.0.0", status: "running", progress: 0.5 };

beforeAll(async () => {
  if (!onPostgres) return;
  pg = await freshPostgres();
  admin = new SQL(pg.url, { max: 1 });
});

afterAll(async () => {
  if (!onPostgres) return;
  for (const r of open) await r.close();
  await admin.close();
  await pg.drop();
});

describe.skipIf(!onPostgres)("event relay over PostgreSQL LISTEN/NOTIFY", () => {
  test("an event raised on one replica arrives once on the other, never back where it was raised", async () => {
    const a = await replica();
    const b = await replica();
    a.bus.publish("queue:task_progress", progress as never);
    await until("b gets the progress", () => (b.seen.length > 0 ? true : undefined));
    expect(b.seen).toEqual([{ type: "queue:task_progress", payload: progress }]);
    // b's marker is sent after a's event was delivered: an echo to a would have come before it
    const fromB = await marker(b, a);
    expect(a.seen.map((s) => s.payload.job_id)).toEqual([fromB]);
    const fromA = await marker(a, b);
    expect(b.seen.map((s) => s.payload.job_id)).toEqual([progress.job_id, fromA]);
  });

  test("a process's own shutdown is not sent to the other replicas", async () => {
    const a = await replica();
    const b = await replica();
    a.bus.publish("service:stopping", { grace_ms: 5 });
    const id = await marker(a, b);
    expect(b.seen.map((s) => s.type)).toEqual(["queue:task_progress"]);
    expect(b.seen[0]?.payload.job_id).toBe(id);
  });

  test("a payload past PostgreSQL's 8000-byte limit keeps its top-level scalars and says it was truncated", async () => {
    const a = await replica();
    const b = await replica();
    const metrics = { accuracy: 0.9, confusion: Array.from({ length: 2000 }, (_, i) => i) };
    a.bus.publish("models:metrics_updated", { model_key: "m", version: "1.2.0", metrics, active: true });
    await until("b gets the metrics event", () => (b.seen.length > 0 ? true : undefined));
    expect(b.seen).toEqual([
      { type: "models:metrics_updated", payload: { model_key: "m", version: "1.2.0", active: true, truncated: true } },
    ]);
  });

  test("the limit is PostgreSQL's own: a notification of exactly 7999 bytes (multi-byte text) goes whole", async () => {
    const a = await replica();
    const b = await replica();
    const base = (fill: string) =>
      Buffer.byteLength(JSON.stringify({ from: crypto.randomUUID(), type: "alerts:new", payload: { message: fill } }));
    // "é" is 2 bytes in UTF-8: the text is filled to one byte short of the limit, then to the limit
    const fill = (total: number) => {
      const room = total - base("");
      return "é".repeat(Math.floor(room / 2)) + "x".repeat(room % 2);
    };
    a.bus.publish("alerts:new", { message: fill(MAX_NOTIFY_BYTES) } as never);
    a.bus.publish("alerts:new", { message: fill(MAX_NOTIFY_BYTES + 1), id: 7 } as never);
    await until("both arrive", () => (b.seen.length === 2 ? true : undefined));
    expect(b.seen[0]?.payload.message).toBe(fill(MAX_NOTIFY_BYTES));
    expect(b.seen[1]?.payload).toEqual({ id: 7, truncated: true });
  });

  test("an event too large even cut down is skipped with a debug line; later ones still arrive", async () => {
    const a = await replica();
    const b = await replica();
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field_${i}`, "x".repeat(100)]));
    a.bus.publish("alerts:new", wide as never);
    const id = await marker(a, b);
    expect(b.seen.map((s) => s.payload.job_id)).toEqual([id]);
    expect(a.log).toContainEqual(
      expect.objectContaining({
        level: "debug",
        msg: "event relay: an event too large for a notification was not sent",
      }),
    );
  });

  test("a listening connection killed on the server is re-established, logged as a warning, and events arrive again", async () => {
    const a = await replica();
    const b = await replica();
    await marker(a, b);
    const listeners = await admin.unsafe(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    );
    expect(listeners.length).toBeGreaterThanOrEqual(2);
    for (const { pid } of listeners) await admin.unsafe("SELECT pg_terminate_backend($1)", [pid]);
    const warned = (r: { log: { level: string; msg: string }[] }) =>
      r.log.some((l) => l.level === "warn" && l.msg.startsWith("event relay: listening again")) ? true : undefined;
    await until("b listens again", () => warned(b));
    await until("a listens again", () => warned(a));
    b.seen.length = 0;
    a.bus.publish("queue:task_progress", progress as never);
    await until("b gets the event", () => (b.seen.length > 0 ? true : undefined));
    expect(b.seen).toEqual([{ type: "queue:task_progress", payload: progress }]);
    await marker(b, a);
    expect(a.seen.filter((s) => s.payload.job_id === progress.job_id)).toEqual([]);
  });

  test("a notification on the channel that is not an event is ignored", async () => {
    const b = await replica();
    const a = await replica();
    await admin.unsafe("SELECT pg_notify('mlservice_events', 'not json')");
    await admin.unsafe(`SELECT pg_notify('mlservice_events', '{"type":"x"}')`);
    const id = await marker(a, b);
    expect(b.seen.map((s) => s.payload.job_id)).toEqual([id]);
  });
});
