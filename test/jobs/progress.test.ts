/**
 * What a client following a job sees: at least one progress event per fit however fast it is,
 * events of one job in order, and a stage that says how a job ended.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { JobEvent } from "../../src/jobs/runner";
import { csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  // tol 0: the long fit below cannot stop early on its own before it is cancelled
  svc = await startService({ ML_TOL: "0" });
});
afterAll(() => svc.close());

const iris = csvRows("iris_train.csv");

/** Records every queue event of the bus; `until` resolves on the first one matching. */
function recordQueue() {
  const events: { type: string; e: JobEvent }[] = [];
  const waiters: { match: (type: string, e: JobEvent) => boolean; resolve: (e: JobEvent) => void }[] = [];
  const off = svc.bus.subscribeAll((payload, type) => {
    if (!type.startsWith("queue:")) return;
    const e = payload as JobEvent;
    events.push({ type, e });
    for (const w of waiters.filter((w) => w.match(type, e))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  });
  const until = (match: (type: string, e: JobEvent) => boolean) => {
    const seen = events.find((x) => match(x.type, x.e));
    return seen ? Promise.resolve(seen.e) : new Promise<JobEvent>((resolve) => waiters.push({ match, resolve }));
  };
  return { events, until, off };
}

const train = async (extra: Record<string, unknown>) => {
  const res = await svc.request("/train", {
    json: { model_key: "progress", target_field: "species", items: iris, ...extra },
  });
  expect(res.status).toBe(202);
  return res.body.job_id as string;
};

describe("job progress", () => {
  test("a fit of one epoch still reports its training progress before it completes", async () => {
    const rec = recordQueue();
    const jobId = await train({ hyperparameters: { max_iter: 1, hidden_layer_sizes: [4] } });
    await rec.until((type, e) => type === "queue:task_completed" && e.job_id === jobId);
    rec.off();
    const ofJob = rec.events.filter((x) => x.e.job_id === jobId);
    const training = ofJob.filter((x) => x.type === "queue:task_progress" && x.e.stage === "training");
    expect(training.length).toBeGreaterThanOrEqual(1);
    expect(training.at(-1)?.e.detail).toMatchObject({ epoch: 1, max_epochs: 1 });
    expect(ofJob.at(-1)?.type).toBe("queue:task_completed");
    expect(ofJob.at(-1)?.e.status).toBe("completed");
  });

  test("a cancelled job says so in its stage, over the API and on the bus", async () => {
    const rec = recordQueue();
    const jobId = await train({
      early_stopping: false,
      hyperparameters: { max_iter: 100000, hidden_layer_sizes: [64, 64] },
    });
    await rec.until((type, e) => type === "queue:task_progress" && e.job_id === jobId && e.stage === "training");
    expect((await svc.request(`/jobs/${jobId}/cancel`, { method: "POST" })).status).toBe(200);
    const cancelledAt = rec.events.length;
    const done = await rec.until((type, e) => type === "queue:task_completed" && e.job_id === jobId);
    rec.off();
    expect(done.status).toBe("cancelled");
    expect(done.stage).toBe("cancelled");
    const job = (await svc.request(`/jobs/${jobId}`)).body;
    expect(job.status).toBe("cancelled");
    expect(job.stage).toBe("cancelled");
    // once cancelled, the job reports no more training, and nothing after its final state
    const after = rec.events.slice(cancelledAt).filter((x) => x.e.job_id === jobId);
    expect(after.map((x) => [x.type, x.e.stage])).toEqual([["queue:task_completed", "cancelled"]]);
  }, 60_000);
});
