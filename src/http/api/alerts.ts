/** `GET /health/alerts` (`{"alerts": […]}` as seed 000 shows; open ones unless ?status=dismissed|all) and `POST /health/alerts/{id}/dismiss`. */
import { Hono } from "hono";
import * as v from "valibot";
import { ALERT_TYPES } from "../../db/tables/monitoring";
import { notFound } from "../../errors";
import { dismissAlert, listAlerts } from "../../monitoring/alerts";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { queryParams } from "../validate";
import { Alert } from "./shapes";

const AlertList = v.object({ alerts: v.array(Alert), total: v.number(), limit: v.number(), offset: v.number() });

const AlertsQuery = v.object({
  status: v.optional(v.picklist(["open", "dismissed", "all"]), "open"),
  type: v.optional(v.picklist(ALERT_TYPES)),
  severity: v.optional(v.picklist(["info", "warning", "critical"])),
  model_key: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

export function alertsRoutes(deps: Pick<AppDeps, "db" | "bus" | "now">) {
  const { now } = deps;
  return new Hono<AppEnv>()
    .get("/health/alerts", requireRole("user"), queryParams(AlertsQuery), responds({ 200: AlertList }), async (c) => {
      const { model_key: modelKey, ...filter } = c.req.valid("query");
      const { items, ...page } = await listAlerts(deps.db, { ...filter, modelKey });
      return c.json({ alerts: items, ...page });
    })
    .post(
      "/health/alerts/:id/dismiss",
      requireRole("user"),
      responds(
        { 200: Alert },
        { params: { id: v.pipe(v.number(), v.integer(), v.minValue(1)) }, errors: { 409: "already dismissed" } },
      ),
      async (c) => {
        const id = Number(c.req.param("id"));
        if (!Number.isSafeInteger(id) || id < 1) throw notFound(`alert ${c.req.param("id")}`);
        return c.json(await dismissAlert({ db: deps.db, bus: deps.bus, now }, id, signedIn(c).username));
      },
    );
}
