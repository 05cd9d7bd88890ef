/**
 * Demo mode (seed 004): a first start trains the three demo models from the embedded data and
 * feeds them traffic, one of them shifted so that its drift check raises an alert; POST /demo/reset (admins, demo mode only) clears their traffic and alerts
 * and retrains them, leaving every other model alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { demoDeps, resetDemo, startDemo } from "../../src/monitoring/demo/mode";
import { csvRows, startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let seeded: Awaited<ReturnType<typeof startDemo>>;
beforeAll(async () => {
  svc = await startService({ ML_DEMO: "true", ML_AUTO_RETRAIN: "false" });
  seeded = await startDemo(demo());
}, 120_000);
afterAll(() => svc.close());

const demo = () => demoDeps({ ...svc, now: () => new Date() });
const logged = async (key: string) => (await svc.request(`/predictions?model_key=${key}&limit=1`)).body.total;

describe("demo mode", () => {
  test("a first start trains a classification, a regression and a mixed-column model, each with traffic", async () => {
    expect(seeded).toEqual({ seeded: true, models: ["demo-housing", "demo-iris", "demo-tickets"] });
    const models = (await svc.request("/models")).body.models;
    const byKey = Object.fromEntries(models.map((m: { model_key: string }) => [m.model_key, m]));
    expect(byKey["demo-iris"].task_type).toBe("classification");
    expect(byKey["demo-housing"].task_type).toBe("regression");
    expect(byKey["demo-tickets"].task_type).toBe("classification");
    const tickets = (await svc.request("/model/status?model_key=demo-tickets")).body;
    expect(tickets.feature_names).toEqual(["channel", "plan", "subject", "wait_minutes"]);
    expect(tickets.accuracy).toBeGreaterThan(0.8);
    for (const key of ["demo-iris", "demo-tickets"]) expect(await logged(key)).toBe(300);
    // demo-housing's traffic then moved: a newcomer finds a drift alert on the Alerts page
    expect(await logged("demo-housing")).toBe(300 + 200);
    const alerts = (await svc.request("/health/alerts")).body.alerts;
    expect(alerts.map((a: { model_key: string; type: string }) => [a.model_key, a.type])).toEqual([
      ["demo-housing", "drift_detected"],
    ]);
    const check = (await svc.request("/drift/checks?model_key=demo-housing")).body.items[0];
    expect(check.drifted).toBe(true);
  });

  test("a later start keeps what is there", async () => {
    expect(await startDemo(demo())).toEqual({ seeded: false, models: [] });
  });

  test("reset: admins only; drifted traffic and its alert are gone, the models retrained, others untouched", async () => {
    const other = await svc.request("/train", {
      json: { model_key: "mine", target_field: "species", items: csvRows("iris_train.csv") },
    });
    await svc.waitJob(other.body.job_id, 60_000);
    await svc.request("/predict", { json: { model_key: "mine", data: [csvRows("iris_test.csv")[0]] } });
    const drifted = await svc.request("/demo/generate", {
      json: { model_key: "demo-iris", rows: 400, drift: { shift: 4 } },
    });
    expect(drifted.status).toBe(200);
    const check = await svc.request("/drift/check", { json: { model_key: "demo-iris" } });
    expect(check.status).toBeLessThan(300);
    const open = (await svc.request("/health/alerts")).body.alerts;
    expect(open.some((a: { model_key: string }) => a.model_key === "demo-iris")).toBe(true);

    const user = await signedInUser(svc, "visitor");
    expect((await user.send("/demo/reset", { method: "POST" })).status).toBe(403);

    const reset = await resetDemo(demo(), { userId: 0, role: "system_admin" });
    expect(reset.view.cleared.predictions).toBe(300 * 3 + 200 + 400);
    expect(reset.view.jobs.map((j) => j.version)).toEqual(["1.1.0", "1.1.0", "1.1.0"]);
    expect(await reset.traffic).toEqual(["demo-housing", "demo-iris", "demo-tickets"]);
    const after = (await svc.request("/health/alerts")).body.alerts;
    expect(after.filter((a: { model_key: string }) => a.model_key?.startsWith("demo-"))).toEqual([]);
    expect(await logged("demo-iris")).toBe(300);
    expect(await logged("mine")).toBe(1);
  }, 120_000);
});

describe("demo reset outside demo mode", () => {
  test("is a 404 that says how to turn demo mode on", async () => {
    const plain = await startService();
    const res = await plain.request("/demo/reset", { method: "POST" });
    await plain.close();
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("--demo");
  });
});
