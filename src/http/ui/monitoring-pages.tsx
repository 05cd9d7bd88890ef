/** @jsxImportSource hono/jsx */
/** `/ui/drift` and `/ui/alerts`, over the monitoring tables when they exist (monitoring.ts). */
import { Hono } from "hono";
import { DriftPage } from "../../../views/pages/monitoring";
import { ServiceError } from "../../errors";
import { checkDriftNow } from "../../monitoring/check-now";
import { modelKeys } from "../../registry/queries";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { renderAlertsPage } from "./alerts-page";
import { dismissAlert, driftPageExtras, listDriftChecks } from "./monitoring";
import { offsetOf, render, safeNext, seeOther, type UiDeps } from "./page";

const PAGE = 20;
/** what a page's pager needs: where this page starts, its size, how many there are */
const pager = (page: { total: number }, offset: number) => ({ total: page.total, offset, limit: PAGE });

/** The notice after a check-now form, from the redirect's query. */
function checkNotice(q: (name: string) => string | undefined): string | null {
  const done = q("done");
  if (done === "checked")
    return `Drift checked for ${q("model") ?? "the model"}: ${q("verdict") ?? "done"}. The check is shown below.`;
  if (done === "queued")
    return `A drift check of every model is queued (job ${q("job") ?? "?"}); results appear here as each finishes.`;
  return null;
}

export function monitoringPages(deps: UiDeps<"bus" | "config" | "now" | "runtime">) {
  return new Hono<AppEnv>()
    .get("/ui/drift", requireRole("user"), async (c) => {
      const model = c.req.query("model") ?? "";
      const offset = offsetOf(c.req.query("offset"));
      const models = await modelKeys(deps.db, { serving: false, limit: 500 });
      const known = models.includes(model) ? model : undefined;
      const page = await listDriftChecks(deps.db, { modelKey: model || undefined, limit: PAGE, offset });
      const extras = await driftPageExtras(deps.db, signedIn(c), known, deps.now());
      const body = (
        <DriftPage
          checks={page.items}
          {...pager(page, offset)}
          models={models}
          model={model}
          psiThreshold={deps.config.ML_DRIFT_PSI_THRESHOLD}
          {...extras}
          csrf={signedIn(c).csrfToken}
        />
      );
      return render(c, deps, "Drift", body, { notice: checkNotice((k) => c.req.query(k)) });
    })
    .post("/ui/drift/check", requireRole("user"), async (c) => {
      const body = await c.req.parseBody();
      const model = typeof body.model_key === "string" && body.model_key !== "" ? body.model_key : null;
      // 404 unknown model; 403 unless owner, maintainer or admin (every model: admins only)
      const outcome = await checkDriftNow(
        { db: deps.db, now: deps.now, drift: deps.runtime.drift, kick: () => deps.runtime.jobs.kick() },
        signedIn(c),
        model,
      );
      noteAudit(c, { type: "drift:check_requested", subject: model ?? "*" });
      if (outcome.kind === "job") return seeOther(c, `/ui/drift?done=queued&job=${encodeURIComponent(outcome.job.id)}`);
      const r = outcome.result;
      const verdict = r.drifted === true ? "drift" : r.drifted === false ? "no drift" : "undecided";
      const q = new URLSearchParams({ model: r.model_key, done: "checked", verdict });
      return seeOther(c, `/ui/drift?${q}`);
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
