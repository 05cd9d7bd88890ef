/** @jsxImportSource hono/jsx */
/** `/ui` (overview) and `/ui/about`. */
import { Hono } from "hono";
import { AboutPage, OverviewPage } from "../../../views/pages/overview";
import { listJobsForUser } from "../../jobs/visibility";
import { listModelSummaries } from "../../registry/queries";
import { VERSION } from "../../version";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { jobItem } from "./jobs";
import { listItem } from "./models";
import { listAlerts, listDriftChecks } from "./monitoring";
import { chrome, render, type UiDeps } from "./page";

export function overviewPages(deps: UiDeps<"describeCompute">) {
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
        />
      );
      return render(c, deps, "Overview", page, { refresh: jobs.length > 0 ? 5 : undefined });
    })
    .get("/ui/about", requireRole("user"), async (c) =>
      render(c, deps, "About", <AboutPage version={VERSION} chrome={await chrome(c, deps)} />),
    );
}
