/** @jsxImportSource hono/jsx */
/** `/ui/drift` and `/ui/alerts`, over the monitoring tables when they exist (monitoring.ts). */
import { Hono } from "hono";
import { DriftPage } from "../../../views/pages/monitoring";
import { ServiceError } from "../../errors";
import { modelKeys } from "../../registry/queries";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { renderAlertsPage } from "./alerts-page";
import { dismissAlert, listDriftChecks } from "./monitoring";
import { offsetOf, render, safeNext, seeOther, type UiDeps } from "./page";

const PAGE = 20;
/** what a page's pager needs: where this page starts, its size, how many there are */
const pager = (page: { total: number }, offset: number) => ({ total: page.total, offset, limit: PAGE });

export function monitoringPages(deps: UiDeps<"bus" | "config" | "now">) {
  return new Hono<AppEnv>()
    .get("/ui/drift", requireRole("user"), async (c) => {
      const model = c.req.query("model") ?? "";
      const offset = offsetOf(c.req.query("offset"));
      const models = await modelKeys(deps.db, { serving: false, limit: 500 });
      const page = await listDriftChecks(deps.db, { modelKey: model || undefined, limit: PAGE, offset });
      const body = (
        <DriftPage
          checks={page.items}
          {...pager(page, offset)}
          models={models}
          model={model}
          psiThreshold={deps.config.ML_DRIFT_PSI_THRESHOLD}
        />
      );
      return render(c, deps, "Drift", body);
    })
    .get("/ui/alerts", requireRole("user"), (c) => renderAlertsPage(c, deps))
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
