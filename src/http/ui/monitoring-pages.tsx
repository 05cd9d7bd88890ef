/** @jsxImportSource hono/jsx */
/** `/ui/drift` and `/ui/alerts`, over the monitoring tables when they exist (monitoring.ts). */
import { Hono } from "hono";
import { AlertsPage, DriftPage } from "../../../views/pages/monitoring";
import { ServiceError } from "../../errors";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { offsetOf } from "./models";
import { dismissAlert, listAlerts, listDriftChecks } from "./monitoring";
import { render, safeNext, seeOther, type UiDeps } from "./page";

const PAGE = 20;

export function monitoringPages(deps: UiDeps) {
  return new Hono<AppEnv>()
    .get("/ui/drift", requireRole("user"), async (c) => {
      const model = c.req.query("model") ?? "";
      const offset = offsetOf(c.req.query("offset"));
      const models = await deps.db.selectFrom("models").select("model_key").orderBy("model_key").limit(500).execute();
      const page = await listDriftChecks(deps.db, { modelKey: model || undefined, limit: PAGE, offset });
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
    .get("/ui/alerts", requireRole("user"), async (c) => {
      const show = c.req.query("show") === "all" ? "all" : "open";
      const offset = offsetOf(c.req.query("offset"));
      const page = await listAlerts(deps.db, { open: show === "open", limit: PAGE, offset });
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
      if (!Number.isSafeInteger(id)) throw new ServiceError(404, "not_found", `no alert ${c.req.param("id")}`);
      // 404 unknown, 409 already dismissed; publishes alerts:dismissed with who
      await dismissAlert(deps, id, signedIn(c).username);
      noteAudit(c, { type: "alerts:dismissed", subject: String(id) });
      return seeOther(c, safeNext(typeof body.next === "string" ? body.next : "/ui/alerts"));
    });
}
