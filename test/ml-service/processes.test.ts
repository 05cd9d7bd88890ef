/**
 * ML_HTTP_PROCESSES=2 in the compiled binary: two processes serve one port. Which process
 * answered is read from the prediction id: each process reserves its own block of 1,000 ids
 * (src/monitoring/prediction-ids.ts), so two blocks among the answers mean two processes. Every
 * request opens a new connection, and the kernel spreads new connections over both.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryServer, type Json, type RunningBinary } from "../binary-helpers";
import { features, normalRows } from "../monitoring/helpers";

const TOKEN = "p".repeat(40);
const bin = binaryServer("mls-processes-", TOKEN);
const ID_BLOCK = 1000;
const rows = features(normalRows(1, 7));

/** One POST on a connection of its own. */
async function freshPost(server: RunningBinary, path: string, auth: Record<string, string>, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json", connection: "close" },
    body: JSON.stringify(body),
    keepalive: false,
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const blockOf = (id: number) => Math.floor((id - 1) / ID_BLOCK);

/**
 * Predicts on fresh connections until answers came from two processes (two id blocks) and each
 * satisfied `ok`; returns every answer. Fails after `max` requests.
 */
async function untilBothProcesses(
  server: RunningBinary,
  auth: Record<string, string>,
  ok: (answer: Json) => boolean,
  max = 400,
): Promise<Json[]> {
  const answers: Json[] = [];
  const good = new Set<number>();
  for (let i = 0; i < max && good.size < 2; i++) {
    const res = await freshPost(server, "/predict", auth, { model_key: "mp", data: rows });
    expect(res.status).toBe(200);
    answers.push(res.body);
    const block = blockOf(res.body.predictions[0].prediction_id);
    if (ok(res.body)) good.add(block);
    else good.delete(block);
  }
  expect(good.size).toBe(2);
  return answers;
}

async function train(server: RunningBinary, seed: number): Promise<string> {
  const res = await server.call("/train", {
    model_key: "mp",
    target_field: "label",
    items: normalRows(200, seed),
    hyperparameters: { hidden_layer_sizes: [4], max_iter: 5 },
  });
  expect(res.status).toBe(202);
  for (;;) {
    const job = (await server.call(`/jobs/${res.body.job_id}`)).body;
    if (job.status === "completed") return job.version ?? job.result?.version;
    if (job.status !== "queued" && job.status !== "running") throw new Error(`train: ${job.error}`);
    await Bun.sleep(50);
  }
}

describe("ML_HTTP_PROCESSES=2 (compiled binary)", () => {
  test("two processes on one port: a rollback reaches both, a revoked token and a session the CLI ended are refused by both, both log", async () => {
    const admin = { "x-admin-token": TOKEN };
    const server = await bin.serve({ ML_HTTP_PROCESSES: "2" });
    const answered: number[] = [];
    try {
      const v1 = await train(server, 1);
      const v2 = await train(server, 2);
      expect(v2).not.toBe(v1);
      // both processes serve v2, the active version
      for (const a of await untilBothProcesses(server, admin, (b) => b.version === v2))
        answered.push(a.predictions[0].prediction_id);

      const back = await freshPost(server, `/models/mp/rollback/${v1}`, admin, {});
      expect(back.status).toBe(200);
      // each process answers with v1 once it has seen the switch (it polls the database)
      for (const a of await untilBothProcesses(server, admin, (b) => b.version === v1))
        answered.push(a.predictions[0].prediction_id);

      const made = await freshPost(server, "/auth/tokens", admin, { name: "both" });
      expect(made.status).toBe(201);
      const bearer = { authorization: `Bearer ${made.body.token}` };
      for (const a of await untilBothProcesses(server, bearer, () => true))
        answered.push(a.predictions[0].prediction_id);
      const revoked = await freshPost(server, `/auth/tokens/${made.body.id}/revoke`, admin, {});
      expect(revoked.status).toBe(200);
      // at once, on every connection, whichever process takes it
      for (let i = 0; i < 40; i++) {
        const res = await freshPost(server, "/predict", bearer, { model_key: "mp", data: rows });
        expect(res.status).toBe(401);
      }

      // the operator's `mlservice user passwd` on the same data directory ends a session both processes have used
      const bob = { username: "bob", password: "Strong-pass-2025" };
      const made2 = await freshPost(server, "/auth/users", admin, {
        ...bob,
        role: "user",
        must_change_password: false,
      });
      expect(made2.status).toBe(201);
      const login = await freshPost(server, "/auth/login", {}, bob);
      expect(login.status).toBe(200);
      const session = { authorization: `Bearer ${login.body.access_token}` };
      for (const a of await untilBothProcesses(server, session, () => true))
        answered.push(a.predictions[0].prediction_id);
      const cli = Bun.spawn([bin.binary, "user", "passwd", "bob", "--password-stdin"], {
        cwd: bin.dir,
        env: bin.env(),
        stdin: new TextEncoder().encode("Newer-pass-2026\n"),
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await cli.exited).toBe(0);
      for (let i = 0; i < 40; i++) {
        const res = await freshPost(server, "/predict", session, { model_key: "mp", data: rows });
        expect(res.status).toBe(401);
      }
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
    expect(new Set(answered.map(blockOf)).size).toBe(2);
    const db = new Database(join(bin.dir, "data", "ml_store.db"), { readonly: true });
    try {
      const logged = new Set(
        (db.query("SELECT id FROM predictions WHERE model_key = 'mp'").all() as { id: number }[]).map((r) => r.id),
      );
      expect(answered.filter((id) => !logged.has(id))).toEqual([]);
    } finally {
      db.close();
    }
  }, 180_000);
});
