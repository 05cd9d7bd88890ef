/** `GET /health`: no auth; what a load balancer or an operator needs to know at a glance. */
import { Hono } from "hono";
import { appliedMigrations } from "../../db/migrator";
import { VERSION } from "../../version";
import type { AppDeps, AppEnv } from "../env";

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    let database: { status: "ok" | "error"; schema: string | null; error?: string };
    try {
      deps.sqlite.query("SELECT 1").get();
      database = { status: "ok", schema: appliedMigrations(deps.sqlite).at(-1)?.name ?? null };
    } catch (e) {
      database = { status: "error", schema: null, error: (e as Error).message };
    }
    const compute = await deps.describeCompute();
    const ok = database.status === "ok";
    return c.json(
      {
        status: ok ? "ok" : "degraded",
        version: VERSION,
        uptime_s: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
        started_at: deps.startedAt.toISOString(),
        database,
        compute,
      },
      ok ? 200 : 503,
    );
  });
}
