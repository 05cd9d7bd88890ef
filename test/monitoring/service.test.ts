/**
 * Drift monitoring through the whole service: a model trained on one distribution, traffic
 * through POST /predict, checks through POST /drift/check, alerts, automatic retraining.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startService } from "../ml-service/helpers";
import { features, normalRows, type Service, sendTraffic, trainModel } from "./helpers";

let svc: Service;
beforeAll(async () => {
  svc = await startService();
  await trainModel(svc, "steady", normalRows(1000, 1));
  await trainModel(svc, "shifty", normalRows(1000, 1));
}, 60_000);
afterAll(() => svc.close());

describe("drift checks through the service", () => {
  test("every trained version carries a baseline of its features and predictions", async () => {
    const loaded = await svc.runtime.models.active("steady");
    const baseline = loaded.artifact.baseline as { features: Record<string, { kind: string }>; predictions?: unknown };
    expect(Object.keys(baseline.features).sort()).toEqual(["x0", "x1", "x2"]);
    expect(baseline.features.x0?.kind).toBe("numeric");
    expect(baseline.predictions).toBeDefined();
  });

  test("the same distribution raises no alert", async () => {
    await sendTraffic(svc, "steady", features(normalRows(1000, 2)));
    const res = await svc.request("/drift/check", { json: { model_key: "steady" } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("decided");
    expect(res.body.drifted).toBe(false);
    expect(res.body.rows).toBe(1000);
    expect(res.body.alert_id).toBeNull();
    expect(res.body.report.features).toHaveLength(3);
    const alerts = await svc.request("/health/alerts?model_key=steady");
    expect(alerts.body.total).toBe(0);
  });

  test("a shifted distribution raises a drift alert and retrains", async () => {
    await sendTraffic(svc, "shifty", features(normalRows(1000, 3, 1.5)));
    const res = await svc.request("/drift/check", { json: { model_key: "shifty" } });
    expect(res.body.drifted).toBe(true);
    expect(res.body.drifted_features).toContain("x0");
    expect(res.body.drifted_features).not.toContain("x2");
    expect(typeof res.body.retrain_job_id).toBe("string");
    const alerts = (await svc.request("/health/alerts?model_key=shifty&type=drift_detected")).body;
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0].severity).toBe("warning"); // 1 of 3 features
    expect(alerts.alerts[0]).toMatchObject({ alert_id: res.body.alert_id, dismissible: true });

    const job = await svc.waitJob(res.body.retrain_job_id, 60_000);
    expect(job.status).toBe("completed");
    const versions = (await svc.request("/models/shifty/versions")).body;
    expect(versions.items.map((v: { version: string }) => v.version)).toContain("1.1.0");
    const retrainings = (await svc.request("/retrainings?model_key=shifty")).body;
    expect(retrainings.items).toHaveLength(1);
    const r = retrainings.items[0];
    expect(r).toMatchObject({ trigger: "drift", source_version: "1.0.0", new_version: "1.1.0", job_id: job.job_id });
    expect(r.details.rows.client).toBeGreaterThan(0);
    expect(r.status).toBe("activated");
    expect(versions.active_version).toBe("1.1.0");
  }, 90_000);

  test("a re-check the same day replaces the day's report and does not alert twice", async () => {
    const before = (await svc.request("/drift/daily-reports?model_key=steady")).body;
    await svc.request("/drift/check", { json: { model_key: "steady" } });
    const after = (await svc.request("/drift/daily-reports?model_key=steady")).body;
    expect(after.total).toBe(1);
    expect(before.total).toBe(1);
    const detail = (await svc.request("/drift/daily-reports/steady")).body;
    expect(detail.items[0].features.map((f: { feature: string }) => f.feature).sort()).toEqual(["x0", "x1", "x2"]);
    expect(detail.items[0].features[0]).toHaveProperty("n_current", 1000);
  });

  test("a clear shift is decided on a few dozen rows; below ML_DRIFT_MIN_ROWS (30) it is undecided, and says so", async () => {
    await trainModel(svc, "quiet", normalRows(400, 4));
    const off = await svc.request("/models/quiet/settings", { method: "PUT", json: { auto_retrain: false } });
    expect(off.status).toBe(200);
    await sendTraffic(svc, "quiet", features(normalRows(20, 5, 3)));
    const few = (await svc.request("/drift/check", { json: { model_key: "quiet" } })).body;
    expect(few.status).toBe("undecided");
    expect(few.drifted).toBeNull();
    expect(few.reason).toContain("too few rows: 20 < 30");
    expect((await svc.request("/health/alerts?model_key=quiet")).body.total).toBe(0);
    // 60 rows 3σ away: the old fixed minimum (500) called this undecided although KS and PSI are certain
    await sendTraffic(svc, "quiet", features(normalRows(40, 6, 3)));
    const clear = (await svc.request("/drift/check", { json: { model_key: "quiet" } })).body;
    expect(clear).toMatchObject({ status: "decided", drifted: true, rows: 60 });
    expect(clear.drifted_features).toContain("x0");
  });

  test("a model without traffic is undecided, not an error", async () => {
    await trainModel(svc, "silent", normalRows(400, 6));
    const res = (await svc.request("/drift/check", { json: { model_key: "silent" } })).body;
    expect(res.status).toBe("undecided");
    expect(res.reason).toContain("no traffic logged for version 1.0.0");
    expect(res.report).toBeNull();
  });

  test("per-model settings change that model's thresholds only", async () => {
    const bad = await svc.request("/models/steady/settings", {
      method: "PUT",
      json: { drift: { features: { nope: { psi: 1 } } } },
    });
    expect(bad.status).toBe(422);
    const put = await svc.request("/models/steady/settings", {
      method: "PUT",
      json: { drift: { features: { x0: { psi: 0.5 } } }, auto_retrain: false },
    });
    expect(put.status).toBe(200);
    const res = (await svc.request("/drift/check", { json: { model_key: "steady" } })).body;
    const x0 = res.report.features.find((f: { feature: string }) => f.feature === "x0");
    const x1 = res.report.features.find((f: { feature: string }) => f.feature === "x1");
    expect(x0.thresholds).toEqual({ psi: 0.5, js: 0.2, ks_alpha: 0.01 });
    expect(x1.thresholds).toEqual({ psi: 0.1, js: 0.2, ks_alpha: 0.01 });
    expect((await svc.request("/models/shifty/settings")).body.settings).toEqual({});
  });

  test("dismissing an alert records who and when, and closes it", async () => {
    const open = (await svc.request("/health/alerts?model_key=shifty")).body;
    const id = open.alerts[0].alert_id;
    const res = await svc.request(`/health/alerts/${id}/dismiss`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dismissed_by: "admin", dismissible: false });
    expect(Date.parse(res.body.dismissed_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await svc.request("/health/alerts?model_key=shifty&type=drift_detected")).body.total).toBe(0);
    const all = (await svc.request("/health/alerts?model_key=shifty&status=all")).body;
    expect(all.alerts.find((a: { alert_id: number }) => a.alert_id === id).status).toBe("dismissed");
    expect((await svc.request(`/health/alerts/${id}/dismiss`, { method: "POST" })).status).toBe(409);
    expect((await svc.request("/health/alerts/99999/dismiss", { method: "POST" })).status).toBe(404);
  });

  test("a rollback is recorded, and marks the retraining it undoes as reverted", async () => {
    const res = await svc.request("/models/shifty/rollback/1.0.0", { method: "POST" });
    expect(res.status).toBe(200);
    const rollbacks = (await svc.request("/models/shifty/rollbacks")).body.items;
    expect(rollbacks[0]).toMatchObject({ from_version: "1.1.0", to_version: "1.0.0", by: "admin" });
    const r = (await svc.request("/retrainings?model_key=shifty")).body.items[0];
    expect(r.reverted_at).toBe(rollbacks[0].at);
  });
});

describe("a check in the same millisecond as the traffic", () => {
  // a clock that never moves: every prediction is logged at the instant the check runs, as
  // happens on a fast machine when a client predicts and checks at once
  const instant = new Date("2026-06-01T12:00:00.000Z");
  let frozen: Service;
  beforeAll(async () => {
    frozen = await startService({}, undefined, () => new Date(instant));
    await trainModel(frozen, "instant", normalRows(400, 8));
  }, 60_000);
  afterAll(() => frozen.close());

  test("counts every row logged up to and including now", async () => {
    await sendTraffic(frozen, "instant", features(normalRows(300, 9)));
    const res = (await frozen.request("/drift/check", { json: { model_key: "instant" } })).body;
    expect(res.rows).toBe(300);
    expect(res.status).toBe("decided");
    expect(Date.parse(res.window_end)).toBeGreaterThan(instant.getTime());
  });
});
