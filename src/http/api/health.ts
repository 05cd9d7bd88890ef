/**
 * `GET /health`: no auth; what a load balancer or an operator needs to know at a glance. A
 * database error is a 503 (nothing works); active versions that cannot serve (artifact missing
 * or corrupt) make it `degraded` with a 200, since every other model still serves and taking the
 * replica out of a load balancer would only add to the outage. Which versions they are is told
 * to signed-in callers only: model keys are not for anonymous eyes.
 */
import { Hono } from "hono";
import { VERSION } from "../../version";
import type { AppDeps, AppEnv } from "../env";

export function healthRoutes(deps: Pick<AppDeps, "stores" | "describeCompute" | "runtime" | "startedAt">) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    let database: { status: "ok" | "error"; schema: string | null; error?: string };
    try {
      database = { status: "ok", schema: deps.stores.status.probe().schema };
    } catch (e) {
      database = { status: "error", schema: null, error: (e as Error).message };
    }
    const compute = await deps.describeCompute();
    const ok = database.status === "ok";
    const unavailable = ok ? await deps.runtime.models.unavailable() : [];
    const models = {
      status: unavailable.length ? "degraded" : "ok",
      unavailable_count: unavailable.length,
      ...(c.get("identity") ? { unavailable } : {}),
    };
    return c.json(
      {
        status: ok && unavailable.length === 0 ? "ok" : "degraded",
        version: VERSION,
        uptime_s: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
        started_at: deps.startedAt.toISOString(),
        database,
        compute,
        models,
      },
      ok ? 200 : 503,
    );
  });
}
