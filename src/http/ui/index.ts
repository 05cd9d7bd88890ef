/**
 * The dashboard: server-rendered pages under /ui, one sub-app per area, plus their assets and
 * live event stream. `GET /` leads here. createApp mounts `routes` and sends errors and
 * unknown paths under /ui to `onError`/`notFound` (HTML pages instead of the API's JSON).
 */
import { Hono } from "hono";
import { trimTrailingSlash } from "hono/trailing-slash";
import type { AppDeps, AppEnv } from "../env";
import { publicRoute } from "../middleware/route-access";
import { accountRoutes } from "./account";
import { adminPages } from "./admin";
import { assetRoutes } from "./assets";
import { datasetPages } from "./datasets";
import { jobPages } from "./jobs";
import { liveRoutes } from "./live";
import { modelRunPages } from "./model-runs";
import { modelPages } from "./models";
import { monitoringPages } from "./monitoring-pages";
import { overviewPages } from "./overview";
import { isUiPath, uiError, uiNotFound } from "./page";
import { predictPages } from "./predict";
import { predictionLogPages } from "./predictions";
import { trainPages } from "./train";
import { webhookPages } from "./webhooks";

export { isUiPath };

export function dashboard(deps: AppDeps) {
  const routes = new Hono<AppEnv>()
    .get("/", publicRoute(), (c) => c.redirect("/ui", 303))
    // `/ui/` and `/ui/models/` as typed or bookmarked: a page that 404s with the slash moves to the one without
    .use("/ui/*", trimTrailingSlash())
    .route("/", assetRoutes())
    .route("/", liveRoutes(deps.bus))
    .route("/", accountRoutes(deps))
    .route("/", overviewPages(deps))
    .route("/", modelRunPages(deps))
    .route("/", modelPages(deps))
    .route("/", jobPages(deps))
    .route("/", monitoringPages(deps))
    .route("/", webhookPages(deps))
    .route("/", trainPages(deps))
    .route("/", predictPages(deps))
    .route("/", predictionLogPages(deps))
    .route("/", datasetPages(deps))
    .route("/", adminPages(deps));
  return { routes, onError: uiError(deps), notFound: uiNotFound(deps) };
}
