/**
 * A version whose artifact file is missing or corrupt (sha256 mismatch) cannot serve: predict
 * answers 503 not_ready naming the model and version, a rollback to it is refused with the
 * serving version unchanged, and /health says which versions are unavailable.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { features, normalRows, trainModel } from "../monitoring/helpers";
import { startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
const artifact = (key: string, version: string) => join(svc.dir, "artifacts", key, `${version}.mlsa`);
const row = features(normalRows(1, 3));

beforeAll(async () => {
  svc = await startService({ ML_MAX_ITER: "20" });
}, 60_000);
afterAll(() => svc.close());

describe("broken artifacts", () => {
  test("predicting with a version whose artifact is missing is a 503 naming it; /health is degraded", async () => {
    const v1 = (await trainModel(svc, "gone", normalRows(100, 1))).result.version;
    expect((await svc.request("/health")).body.status).toBe("ok");
    rmSync(artifact("gone", v1));
    svc.runtime.models.forget("gone"); // as after a restart: nothing held in memory

    const res = await svc.request("/predict", { json: { model_key: "gone", data: row } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("not_ready");
    expect(res.body.error.message).toContain(`version ${v1} of model gone`);
    expect(res.body.error.message).toContain("missing");
    expect(res.headers.get("retry-after")).toBeNull();

    const health = await svc.request("/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("degraded");
    expect(health.body.models.unavailable).toEqual([
      { model_key: "gone", version: v1, reason: `artifact of gone ${v1} is missing` },
    ]);
    // anonymous callers learn that something is wrong, not which models exist
    const anonymous = (await (await svc.app.request("/health")).json()) as { status: string; models: object };
    expect(anonymous.status).toBe("degraded");
    expect(anonymous.models).toEqual({ status: "degraded", unavailable_count: 1 });
    // not ready: an active version cannot be loaded
    const ready = await svc.app.request("/readyz");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { models: { status: string } } }).checks.models.status).toBe("error");
  });

  test("a rollback to a version whose artifact is corrupt is refused and the serving version stays", async () => {
    const v1 = (await trainModel(svc, "bent", normalRows(100, 2))).result.version;
    const v2 = (await trainModel(svc, "bent", normalRows(100, 4))).result.version;
    writeFileSync(artifact("bent", v1), "MLSA not the bytes that were written");

    const res = await svc.request(`/models/bent/rollback/${v1}`, { method: "POST" });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain(`version ${v1} of model bent`);
    expect(res.body.error.message).toContain("sha256");
    expect((await svc.request("/models/bent")).body.active_version).toBe(v2);
    expect((await svc.request("/predict", { json: { model_key: "bent", data: row } })).status).toBe(200);
  });

  test("a corrupt active artifact shows in /health even before anyone predicts", async () => {
    const v1 = (await trainModel(svc, "rot", normalRows(100, 5))).result.version;
    writeFileSync(artifact("rot", v1), "MLSA flipped bits");
    const health = await svc.request("/health");
    expect(health.body.status).toBe("degraded");
    expect(health.body.models.unavailable).toContainEqual({
      model_key: "rot",
      version: v1,
      reason: `artifact of rot ${v1} fails its sha256 check (served from memory until restart)`,
    });
  });
});
