/** @jsxImportSource hono/jsx */
/** `/ui` (overview) and `/ui/about`. */
import { Hono } from "hono";
import { AboutPage, OverviewPage } from "../../../views/pages/overview";
import { listJobsForUser } from "../../jobs/visibility";
import { DEMO_MODEL_KEYS } from "../../monitoring/demo/data";
import { demoDeps, resetDemo } from "../../monitoring/demo/mode";
import { isAdmin } from "../../registry/ownership";
import { listModelSummaries } from "../../registry/queries";
import { VERSION } from "../../version";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { jobItem } from "./jobs";
import { listItem } from "./models";
import { listAlerts, listDriftChecks } from "./monitoring";
import { chrome, formFields, render, seeOther, type UiDeps } from "./page";

const DEMO_NOTICES: Record<string, string> = {
  "demo-reset": "The demo is being reset: its models retrain (see the jobs below), then get fresh traffic.",
};

export function overviewPages(deps: UiDeps<"describeCompute" | "config" | "bus" | "now" | "runtime">) {
  const { db } = deps;
  return new Hono<AppEnv>()
    .get("/ui", requireRole("user"), async (c) => {
      const [models, jobs, compute] = await Promise.all([
        listModelSummaries(db, { limit: 5, offset: 0, order: "recent" }),
        listJobsForUser(db, signedIn(c), { status: ["queued", "running"], limit: 10, offset: 0 }).then((p) => p.items),
        deps.describeCompute(),
      ]);
      const alerts = await listAlerts(deps.db, { open: true, limit: 5, offset: 0 });
      const drift = await listDriftChecks(deps.db, { limit: 5, offset: 0 });
      const page = (
        <OverviewPage
          models={models.items.map(listItem)}
          modelCount={models.total}
          jobs={jobs.map(jobItem)}
          alerts={alerts?.items ?? null}
          alertCount={alerts?.total ?? 0}
          drift={drift?.items ?? null}
          compute={compute}
          version={VERSION}
          csrf={signedIn(c).csrfToken}
          demo={
            deps.config.ML_DEMO
              ? {
                  models: [...DEMO_MODEL_KEYS],
                  canReset: isAdmin(signedIn(c)),
                  notice: DEMO_NOTICES[c.req.query("done") ?? ""] ?? null,
                }
              : null
          }
        />
      );
      return render(c, deps, "Overview", page, { refresh: jobs.length > 0 ? 5 : undefined });
    })
    .post("/ui/demo/reset", requireRole("admin"), async (c) => {
      await formFields(c);
      const { traffic } = await resetDemo(demoDeps(deps), signedIn(c));
      traffic.catch((e) => deps.log.error("demo reset: traffic not fed", { error: (e as Error).message }));
      return seeOther(c, "/ui?done=demo-reset");
    })
    .get("/ui/about", requireRole("user"), async (c) =>
      render(c, deps, "About", <AboutPage version={VERSION} chrome={await chrome(c, deps)} />),
    );
}
