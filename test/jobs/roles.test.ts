/**
 * ML_ROLES: a serve-only process queues fits and serves, a train process on the same database
 * runs them (the GPU box trains, CPU boxes serve).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config";
import { startService } from "../ml-service/helpers";
import { normalRows } from "../monitoring/helpers";

const services: Awaited<ReturnType<typeof startService>>[] = [];
afterAll(async () => {
  for (const s of services.slice(1)) await s.close(true);
  await services[0]?.close();
});

describe("ML_ROLES", () => {
  test("reads serve, train or both, in any order and case; refuses anything else", () => {
    expect(loadConfig({}).ML_ROLES).toEqual(["serve", "train"]);
    expect(loadConfig({ ML_ROLES: "Train, serve" }).ML_ROLES).toEqual(["serve", "train"]);
    expect(loadConfig({ ML_ROLES: "serve" }).ML_ROLES).toEqual(["serve"]);
    expect(() => loadConfig({ ML_ROLES: "gpu" })).toThrow('ML_ROLES="gpu": expected serve, train, or serve,train');
  });

  test("a serve-only process leaves a fit queued; a train process on the same database runs it", async () => {
    const server = await startService({ ML_ROLES: "serve" });
    services.push(server);
    const queued = await server.request("/train", {
      json: { model_key: "split", target_field: "label", items: normalRows(200, 3), hyperparameters: { max_iter: 5 } },
    });
    expect(queued.status).toBe(202);
    await server.runtime.jobs.idle();
    expect((await server.request(`/jobs/${queued.body.job_id}`)).body.status).toBe("queued");

    const trainer = await startService({ ML_ROLES: "train" }, server.dir);
    services.push(trainer);
    const done = await server.waitJob(queued.body.job_id, 60_000);
    expect(done.status).toBe("completed");
    const served = await server.request("/predict", { json: { model_key: "split", data: [normalRows(1, 4)[0]] } });
    expect(served.status).toBe(200);
    expect(served.body.version).toBe(done.version);
  }, 90_000);
});
