/** `GET /health/alerts` (`{"alerts": […]}` as seed 000 shows; open ones unless ?status=dismissed|all) and `POST /health/alerts/{id}/dismiss`. */
import { Hono } from "hono";
import * as v from "valibot";
import { notFound } from "../../errors";
import { dismissAlert, listAlerts } from "../../monitoring/alerts";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { queryParams } from "../validate";

const AlertsQuery = v.object({
  status: v.optional(v.picklist(["open", "dismissed", "all"]), "open"),
  type: v.optional(v.picklist(["drift_detected", "model_degradation", "training_failed"])),
  severity: v.optional(v.picklist(["info", "warning", "critical"])),
  model_key: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

export function alertsRoutes(deps: Pick<AppDeps, "db" | "bus" | "now">) {
  const { now } = deps;
  return new Hono<AppEnv>()
    .get("/health/alerts", requireRole("user"), queryParams(AlertsQuery), async (c) => {
      const { model_key: modelKey, ...filter } = c.req.valid("query");
      const { items, ...page } = await listAlerts(deps.db, { ...filter, modelKey });
      return c.json({ alerts: items, ...page });
    })
    .post("/health/alerts/:id/dismiss", requireRole("user"), async (c) => {
      const id = Number(c.req.param("id"));
      if (!Number.isSafeInteger(id) || id < 1) throw notFound(`alert ${c.req.param("id")}`);
      return c.json(await dismissAlert({ db: deps.db, bus: deps.bus, now }, id, signedIn(c).username));
    });
}
