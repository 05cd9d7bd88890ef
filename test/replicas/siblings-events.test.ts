/**
 * Events across replicas that each have ML_HTTP_PROCESSES siblings (compiled binary, PostgreSQL,
 * one shared artifacts folder on loopback): replica X serves with two processes and trains;
 * replica Y serves alone and trains nothing (ML_ROLES=serve). Only X's first process listens on
 * PostgreSQL and bridges it to its sibling (src/cli/serve-relay.ts), so:
 * - a fit asked of Y runs in one of X's processes (either: a sibling's events go out through the
 *   first), and its progress reaches every /ws client, on both of X's processes and on Y;
 * - a rollback on Y reaches the clients of both of X's processes (the first passes it on).
 * Eight clients on X are spread over its two processes by the kernel (all on one: 1 in 128).
 * Each client sees each event once (checked after later events came through the same paths).
 * Every wait is for a message, never a clock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, type RunningBinary, startBinary } from "../binary-helpers";
import { connect } from "../http/ws-helpers";
import { csvRows } from "../ml-service/helpers";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { tempDir } from "../temp-dir";

const TOKEN = "s".repeat(40);
const onPostgres = testDialects().includes("postgres");
const iris = csvRows("iris_train.csv");

let binary: string;
let pg: TestPostgres;
let shared: string;
const running: RunningBinary[] = [];

/** Starts a replica; resolves once its `siblings` siblings listen too, and keeps draining its log. */
async function replica(env: Record<string, string>, siblings: number): Promise<RunningBinary> {
  const cwd = tempDir("mls-sibevents-");
  const r = await startBinary(binary, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      ML_DATABASE_URL: pg.url,
      ML_ARTIFACTS_ROOT: join(shared, "artifacts"),
      ML_DATASETS_ROOT: join(shared, "datasets"),
      ML_ADMIN_API_TOKEN: TOKEN,
      ML_ADMIN_PASSWORD: "Admin-pass-2025",
      ML_COMPUTE: "cpu",
      ...env,
    },
    token: TOKEN,
  });
  running.push(r);
  const listening = new Set<number>();
  let ready: () => void = () => {};
  const allListening = new Promise<void>((resolve) => {
    ready = resolve;
  });
  if (siblings === 0) ready();
  let text = "";
  const decoder = new TextDecoder();
  void (async () => {
    const reader = (r.proc.stdout as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value);
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const l of lines)
        if (l.includes('"msg":"listening"') && l.includes('"sibling":')) {
          listening.add(JSON.parse(l).sibling);
          if (listening.size === siblings) ready();
        }
    }
  })();
  void new Response(r.proc.stderr as ReadableStream<Uint8Array>).text();
  await allListening;
  return r;
}

beforeAll(async () => {
  if (!onPostgres) return;
  binary = await compiledBinary();
  pg = await freshPostgres();
  shared = mkdtempSync(join(tmpdir(), "mls-sibevents-shared-"));
}, 180_000);

afterAll(async () => {
  if (!onPostgres) return;
  for (const r of running) {
    r.proc.kill("SIGTERM");
    await r.proc.exited;
  }
  await pg?.drop();
  rmSync(shared, { recursive: true, force: true });
});

describe.skipIf(!onPostgres)("events across replicas with siblings (compiled binary on PostgreSQL)", () => {
  test("every process of every replica shows the fits and the rollback another replica made", async () => {
    const x = await replica({ ML_HTTP_PROCESSES: "2" }, 1);
    const y = await replica({ ML_HTTP_PROCESSES: "1", ML_ROLES: "serve" }, 0);
    const onX = await Promise.all(Array.from({ length: 8 }, () => connect(x.port, `?token=${TOKEN}`)));
    const onY = await connect(y.port, `?token=${TOKEN}`);
    const clients = [...onX, onY];
    try {
      const fitOn = async (r: RunningBinary) => {
        const res = await r.call("/train", {
          model_key: "sib",
          target_field: "species",
          items: iris,
          hyperparameters: { max_iter: 20, hidden_layer_sizes: [8] },
        });
        expect(res.status).toBe(202);
        const id = res.body.job_id;
        for (const c of clients) {
          await c.next((m) => m.type === "queue:task_progress" && m.data.job_id === id, 60_000);
          await c.next((m) => m.type === "queue:task_completed" && m.data.job_id === id, 60_000);
        }
        return { id, version: (await r.call(`/jobs/${id}`)).body.version as string };
      };
      const first = await fitOn(y);
      const second = await fitOn(y);
      const ended = (id: string) => (m: { type: string; data: { job_id?: string } }) =>
        m.type === "queue:task_completed" && m.data.job_id === id;
      for (const c of clients) {
        expect(c.messages.filter(ended(first.id))).toHaveLength(1);
        expect(c.messages.filter(ended(second.id))).toHaveLength(1);
      }
      for (const c of onX) c.messages.length = 0;
      const back = await y.call(`/models/sib/rollback/${first.version}`, {});
      expect(back.status).toBe(200);
      for (const c of onX)
        await c.next(
          (m) => m.type === "models:metrics_updated" && m.data.model_key === "sib" && m.data.version === first.version,
          60_000,
        );
    } finally {
      for (const c of clients) await c.close();
    }
  }, 240_000);
});
