/**
 * Health, liveness and readiness, all public (no sign-in):
 *
 * - `GET /health`: what a load balancer or an operator needs to know at a glance. A database
 *   error is a 503 with `Retry-After` (nothing works), and `down` names the dependencies that
 *   do not answer (`database`, `artifacts`: the artifact store), each probe bounded by its
 *   store's timeout; active versions that cannot serve (artifact missing or corrupt) make it
 *   `degraded` with a 200, since every other model still serves and taking the replica out of
 *   a load balancer would only add to the outage. Which versions they are is told
 *   to signed-in callers only: model keys are not for anonymous eyes.
 * - `GET /livez`: the process is up and answers HTTP; touches nothing else (a restart would not
 *   fix a database outage).
 * - `GET /readyz`: the replica may take traffic: the database answers, the artifact store is
 *   reachable, the compute kernels are loaded and every active model version is loadable; else
 *   a 503 naming the failed checks, with `Retry-After` (`mlservice health` and container
 *   HEALTHCHECKs read it).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { VERSION } from "../../version";
import type { AppDeps, AppEnv } from "../env";
import { responds } from "../route-doc";

type HealthDeps = Pick<AppDeps, "stores" | "describeCompute" | "runtime" | "startedAt">;

/** The database check shared by /health and /readyz. */
async function probeDatabase(deps: Pick<AppDeps, "stores">): Promise<{
  status: "ok" | "error";
  schema: string | null;
  error?: string;
}> {
  try {
    return { status: "ok", schema: (await deps.stores.status.probe()).schema };
  } catch (e) {
    return { status: "error", schema: null, error: (e as Error).message };
  }
}

export interface ReadinessCheck {
  status: "ok" | "error";
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: ReadinessCheck; artifacts: ReadinessCheck; compute: ReadinessCheck; models: ReadinessCheck };
  /** the first failed check's error, when not ready */
  reason?: string;
}

const failed = (e: unknown): ReadinessCheck => ({ status: "error", error: (e as Error)?.message ?? String(e) });

/** Whether this replica may take traffic, check by check (the checks /health also makes). */
export async function readiness(deps: HealthDeps): Promise<Readiness> {
  const db = await probeDatabase(deps);
  const database: ReadinessCheck = db.status === "ok" ? { status: "ok" } : { status: "error", error: db.error };
  const ok: ReadinessCheck = { status: "ok" };
  const artifacts = await deps.runtime.models.storeReachable().then(() => ok, failed);
  const compute = await deps.describeCompute().then(() => ok, failed);
  let models: ReadinessCheck = { status: "error", error: "database unavailable" };
  if (db.status === "ok") {
    models = await deps.runtime.models
      .unavailable()
      .then(
        (list): ReadinessCheck =>
          list.length
            ? { status: "error", error: `${list.length} active model version(s) cannot be loaded` }
            : { status: "ok" },
        failed,
      );
  }
  const checks: Readiness["checks"] = { database, artifacts, compute, models };
  const first = Object.entries(checks).find(([, c]) => c.status !== "ok");
  return first ? { ready: false, checks, reason: `${first[0]}: ${first[1].error}` } : { ready: true, checks };
}

const Check = v.object({ status: v.picklist(["ok", "error"]), error: v.optional(v.string()) });
const ReadyBody = v.object({
  status: v.picklist(["ok", "not_ready"]),
  checks: v.object({ database: Check, artifacts: Check, compute: Check, models: Check }),
  reason: v.optional(v.string()),
});
const HealthBody = v.object({
  status: v.picklist(["ok", "degraded"]),
  version: v.string(),
  uptime_s: v.number(),
  started_at: v.string(),
  down: v.pipe(
    v.array(v.picklist(["database", "artifacts"])),
    v.description("the dependencies that do not answer now; empty when all do"),
  ),
  database: v.object({
    status: v.picklist(["ok", "error"]),
    schema: v.pipe(v.nullable(v.string()), v.description("the last migration applied")),
    error: v.optional(v.string()),
  }),
  artifacts: Check,
  compute: v.record(v.string(), v.unknown()),
  models: v.object({
    status: v.picklist(["ok", "degraded"]),
    unavailable_count: v.number(),
    unavailable: v.optional(v.array(v.unknown())),
  }),
});

export function healthRoutes(deps: HealthDeps) {
  return new Hono<AppEnv>()
    .get("/livez", responds({ 200: v.object({ status: v.literal("ok") }) }), (c) => c.json({ status: "ok" }))
    .get("/readyz", responds({ 200: ReadyBody, 503: ReadyBody }), async (c) => {
      const r = await readiness(deps);
      if (r.ready) return c.json({ status: "ok", checks: r.checks });
      return c.json({ status: "not_ready", checks: r.checks, reason: r.reason }, 503, { "Retry-After": "5" });
    })
    .get("/health", responds({ 200: HealthBody, 503: HealthBody }), async (c) => {
      const [database, artifacts] = await Promise.all([
        probeDatabase(deps),
        deps.runtime.models.storeReachable().then((): ReadinessCheck => ({ status: "ok" }), failed),
      ]);
      const compute = await deps.describeCompute();
      const ok = database.status === "ok";
      const down = [...(ok ? [] : ["database" as const]), ...(artifacts.status === "ok" ? [] : ["artifacts" as const])];
      const unavailable = ok ? await deps.runtime.models.unavailable() : [];
      const models = {
        status: unavailable.length ? "degraded" : "ok",
        unavailable_count: unavailable.length,
        ...(c.get("identity") ? { unavailable } : {}),
      };
      return c.json(
        {
          status: down.length === 0 && unavailable.length === 0 && !compute.cannot_train ? "ok" : "degraded",
          version: VERSION,
          uptime_s: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
          started_at: deps.startedAt.toISOString(),
          down,
          database,
          artifacts,
          compute,
          models,
        },
        ok ? 200 : 503,
        ok ? {} : { "Retry-After": "5" },
      );
    });
}
