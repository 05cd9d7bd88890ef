/**
 * The compiled binary killed with SIGKILL while predictions are answered, then started again
 * on the same data directory: no prediction id answered after the restart was answered before.
 */
import { describe, expect, test } from "bun:test";
import { binaryServer, type RunningBinary } from "../binary-helpers";
import { features, normalRows } from "./helpers";

const TOKEN = "k".repeat(40);
const bin = binaryServer("mls-ids-bin-", TOKEN);
const serve = bin.serve;
const rows = features(normalRows(5, 41));

/** One client: up to `max` predictions of 5 rows in a row; stops quietly once the server was killed. */
async function client(server: RunningBinary, ids: number[], max: number, killed = { now: false }): Promise<void> {
  for (let i = 0; i < max && !killed.now; i++) {
    try {
      const res = await server.call("/predict", { model_key: "ids", data: rows });
      if (res.status !== 200) throw new Error(`predict: ${res.status} ${JSON.stringify(res.body)}`);
      for (const p of res.body.predictions) ids.push(p.prediction_id);
    } catch (e) {
      if (killed.now) return;
      throw e;
    }
  }
}

describe("prediction ids in the compiled binary", () => {
  test("kill -9 under load, restart on the same data: no id is answered twice", async () => {
    const first = await serve();
    const train = await first.call("/train", {
      model_key: "ids",
      target_field: "label",
      items: normalRows(300, 40),
      hyperparameters: { hidden_layer_sizes: [8], max_iter: 10 },
    });
    expect(train.status).toBe(202);
    for (;;) {
      const job = (await first.call(`/jobs/${train.body.job_id}`)).body;
      if (job.status === "completed") break;
      if (job.status !== "queued" && job.status !== "running") throw new Error(`train: ${job.error}`);
      await Bun.sleep(50);
    }

    const before: number[] = [];
    const killed = { now: false };
    let finished = false;
    const load = Promise.all(Array.from({ length: 8 }, () => client(first, before, 400, killed))).finally(() => {
      finished = true;
    });
    // kill while the eight clients are still sending: predictions are answered but not all written
    while (before.length < 2000 && !finished) await Bun.sleep(5);
    killed.now = true;
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    await load;
    expect(before.length).toBeGreaterThanOrEqual(2000);

    const second = await serve();
    try {
      const after: number[] = [];
      await Promise.all(Array.from({ length: 4 }, () => client(second, after, 50)));
      expect(after).toHaveLength(4 * 50 * rows.length);
      const answered = new Set(before);
      expect(after.filter((id) => answered.has(id))).toEqual([]);
      expect(new Set(after).size).toBe(after.length);
    } finally {
      second.proc.kill("SIGTERM");
      await second.proc.exited;
    }
  }, 180_000);
});
