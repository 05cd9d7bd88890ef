/** @jsxImportSource hono/jsx */
/** `/ui` (overview) and `/ui/about`. */
import { Hono } from "hono";
import { AboutPage, OverviewPage } from "../../../views/pages/overview";
import { listJobsForUser } from "../../jobs/visibility";
import { VERSION } from "../../version";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { jobItem } from "./jobs";
import { primaryScore } from "./models";
import { listAlerts, listDriftChecks } from "./monitoring";
import { chrome, render, type UiDeps } from "./page";

export function overviewPages(deps: UiDeps) {
  const { db } = deps;
  return new Hono<AppEnv>()
    .get("/ui", requireRole("user"), async (c) => {
      const [models, count, jobs, compute] = await Promise.all([
        db
          .selectFrom("models as m")
          .leftJoin("model_versions as v", (j) =>
            j.onRef("v.model_key", "=", "m.model_key").onRef("v.version", "=", "m.active_version"),
          )
          .select(["m.model_key", "m.task_type", "m.target_field", "m.active_version", "m.updated_at", "v.metrics"])
          .orderBy("m.updated_at", "desc")
          .limit(5)
          .execute(),
        db
          .selectFrom("models")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow(),
        listJobsForUser(db, signedIn(c), { status: ["queued", "running"], limit: 10, offset: 0 }).then((p) => p.items),
        deps.describeCompute(),
      ]);
      const alerts = await listAlerts(deps.db, { open: true, limit: 5, offset: 0 });
      const drift = await listDriftChecks(deps.db, { limit: 5, offset: 0 });
      const page = (
        <OverviewPage
          models={models.map((m) => ({
            ...m,
            score: primaryScore(m.task_type, m.metrics ? JSON.parse(m.metrics) : null),
          }))}
          modelCount={Number(count.n)}
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
    .get("/ui/about", requireRole("user"), (c) =>
      render(c, deps, "About", <AboutPage version={VERSION} chrome={chrome(c, deps)} />),
    );
}
