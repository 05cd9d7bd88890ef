/** `/ui/drift` and `/ui/alerts`, over the monitoring tables when they exist (monitoring.ts). */
import { Hono } from "hono";
import { AlertsPage, DriftPage } from "../../../views/pages/monitoring";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { noteAudit } from "../../events/audit";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { offsetOf } from "./models";
import { dismissAlert, listAlerts, listDriftChecks } from "./monitoring";
import { render, safeNext, seeOther, type UiDeps } from "./page";

const PAGE = 20;

declare module "../../events/bus" {
  interface BusEvents {
    "alerts:dismissed": { alert_id: number; by: string };
  }
}

export function monitoringPages(deps: UiDeps) {
  return new Hono<AppEnv>()
    .get("/ui/drift", requireRole("user"), async (c) => {
      const model = c.req.query("model") ?? "";
      const offset = offsetOf(c.req.query("offset"));
      const models = await deps.db.selectFrom("models").select("model_key").orderBy("model_key").limit(500).execute();
      const page = listDriftChecks(deps.sqlite, { modelKey: model || undefined, limit: PAGE, offset });
      const body = (
        <DriftPage
          checks={page?.items ?? null}
          total={page?.total ?? 0}
          offset={offset}
          limit={PAGE}
          models={models.map((m) => m.model_key)}
          model={model}
          psiThreshold={deps.config.ML_DRIFT_PSI_THRESHOLD}
        />
      );
      return render(c, deps, "Drift", body);
    })
    .get("/ui/alerts", requireRole("user"), (c) => {
      const show = c.req.query("show") === "all" ? "all" : "open";
      const offset = offsetOf(c.req.query("offset"));
      const page = listAlerts(deps.sqlite, { open: show === "open", limit: PAGE, offset });
      const body = (
        <AlertsPage
          alerts={page?.items ?? null}
          total={page?.total ?? 0}
          offset={offset}
          limit={PAGE}
          show={show}
          csrf={signedIn(c).csrfToken}
        />
      );
      return render(c, deps, "Alerts", body);
    })
    .post("/ui/alerts/:id/dismiss", requireRole("user"), async (c) => {
      const id = Number(c.req.param("id"));
      const body = await c.req.parseBody();
      if (!Number.isSafeInteger(id) || !dismissAlert(deps.sqlite, id, deps.now().toISOString(), signedIn(c).username)) {
        throw new ApiError(404, "not_found", `no open alert ${c.req.param("id")}`);
      }
      noteAudit(c, { type: "alerts:dismissed", subject: String(id) });
      deps.bus?.publish("alerts:dismissed", { alert_id: id, by: signedIn(c).username });
      return seeOther(c, safeNext(typeof body.next === "string" ? body.next : "/ui/alerts"));
    });
}
