/**
 * The Hono app: request ids, access log, security headers, CORS, body limit, the error
 * contract, and one sub-app per resource mounted with `app.route()`. Exported without listening so tests call
 * `app.request()` and `serve` hands `app.fetch` to Bun.serve.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { clip, ServiceError } from "../errors";
import { alertsRoutes } from "./api/alerts";
import { aliasRoutes } from "./api/aliases";
import { authRoutes } from "./api/auth";
import { datasetRoutes, UPLOAD_PATH, uploadLimit } from "./api/datasets";
import { docsRoutes } from "./api/docs";
import { driftRoutes } from "./api/drift";
import { driftCheckRoutes } from "./api/drift-checks";
import { eventsRoutes } from "./api/events";
import { feedbackRoutes } from "./api/feedback";
import { healthRoutes } from "./api/health";
import { jobsRoutes } from "./api/jobs";
import { maintainersRoutes } from "./api/maintainers";
import { createServiceMetrics, metricsRoutes } from "./api/metrics";
import { IMPORT_PATH, importLimit, modelFilesRoutes } from "./api/model-files";
import { modelsRoutes } from "./api/models";
import { predictRoutes } from "./api/predict";
import { predictionsRoutes } from "./api/predictions";
import { tokensRoutes } from "./api/tokens";
import { trainRoutes } from "./api/train";
import { usersRoutes } from "./api/users";
import { versionRoutes } from "./api/versions";
import { webhooksRoutes } from "./api/webhooks";
import { demoRoutes } from "./compat/demo";
import { hackathonRoutes } from "./compat/hackathon";
import { mlopsRoutes, SEED_UPLOAD_PATH } from "./compat/mlops";
import { mlopsAuthRoutes } from "./compat/mlops-auth";
import { INGEST_STREAM_PATH, PREDICT_BATCH_PATH, pipelineRoutes } from "./compat/pipeline";
import type { AppDeps, AppEnv } from "./env";
import { errorBody, handleError } from "./errors";
import { withFastPredict } from "./fast-predict";
import { accessLog } from "./middleware/access-log";
import { auditTrail } from "./middleware/audit";
import { authenticate } from "./middleware/authenticate";
import { headerLimit } from "./middleware/header-limit";
import { publicRoute } from "./middleware/route-access";
import { securityHeaders } from "./middleware/security-headers";
import { isScoringMedia } from "./table-media";
import { dashboard, isUiPath } from "./ui";
import { wsRoutes } from "./ws";

/** POST /predict and its seed-003 path: a data-file body streams under the upload limit. */
const SCORING_PATHS = new Set(["/predict", PREDICT_BATCH_PATH]);

/** The app over complete deps (`createAppDeps` in src/app-deps.ts builds them). */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { config, auth } = deps;

  const metrics = createServiceMetrics(deps);
  app.use(metrics.middleware);
  app.use(requestId());
  app.use(accessLog(deps.log, { trustProxy: config.ML_TRUST_PROXY }));
  app.use(securityHeaders({ https: config.ML_USE_HTTPS, trustProxy: config.ML_TRUST_PROXY }));
  const origins = config.ML_CORS_ORIGINS.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (origins.length > 0) {
    app.use(cors({ origin: origins.includes("*") ? "*" : origins, exposeHeaders: ["X-Request-Id", "Retry-After"] }));
  }
  app.use(headerLimit(config.ML_MAX_HEADER_BYTES));
  const requestLimit = bodyLimit({
    maxSize: config.ML_MAX_REQUEST_BYTES,
    onError: () => {
      throw new ServiceError(413, "payload_too_large", `request body over ${config.ML_MAX_REQUEST_BYTES} bytes`, {
        limit_bytes: config.ML_MAX_REQUEST_BYTES,
      });
    },
  });
  // the CSV upload streams its body under its own limit; bodyLimit would buffer a chunked body whole
  const csvLimit = uploadLimit(config.ML_MAX_CSV_UPLOAD_BYTES);
  // an imported artifact may be larger than a JSON body: it has its own limit; the NDJSON
  // ingestion stream (seed 003), read line by line as it arrives, has the CSV upload's
  const artifactLimit = importLimit(config.ML_MAX_IMPORT_BYTES);
  app.use((c, next) => {
    if (c.req.path === UPLOAD_PATH || c.req.path === SEED_UPLOAD_PATH || c.req.path === INGEST_STREAM_PATH)
      return csvLimit(c, next);
    // a data file sent to be scored is an upload too (src/jobs/batch-scoring.ts)
    if (SCORING_PATHS.has(c.req.path) && isScoringMedia(c.req.header("content-type"))) return csvLimit(c, next);
    return c.req.path === IMPORT_PATH ? artifactLimit(c, next) : requestLimit(c, next);
  });

  // every request is recorded, then authenticated; routes declare their role (src/http/middleware/route-access.ts)
  app.use(auditTrail({ events: auth.events, bursts: auth.bursts, now: auth.now, trustProxy: config.ML_TRUST_PROXY }));
  // /ws authenticates itself (it also takes ?token=) and answers the upgrade before this runs
  app.route("/", wsRoutes(auth));
  app.use(authenticate(auth));

  app.use("/health", publicRoute());
  app.use("/livez", publicRoute());
  app.use("/readyz", publicRoute());
  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(auth));
  app.route("/", usersRoutes(auth));
  app.route("/", tokensRoutes(auth));
  app.route("/", eventsRoutes(auth));
  app.route("/", datasetRoutes(deps));
  app.route("/", trainRoutes(deps));
  app.route("/", predictRoutes(deps));
  app.route("/", modelFilesRoutes(deps));
  app.route("/", predictionsRoutes(deps));
  app.route("/", pipelineRoutes(deps));
  app.route("/", hackathonRoutes(deps));
  app.route("/", demoRoutes(deps));
  app.route("/", mlopsRoutes(deps));
  app.route("/", mlopsAuthRoutes(auth));
  app.route("/", modelsRoutes(deps));
  app.route("/", versionRoutes(deps));
  app.route("/", aliasRoutes(deps));
  app.route("/", maintainersRoutes(deps));
  app.route("/", jobsRoutes(deps));
  app.route("/", driftRoutes(deps));
  app.route("/", driftCheckRoutes(deps));
  app.route("/", feedbackRoutes(deps));
  app.route("/", alertsRoutes(deps));
  app.route("/", webhooksRoutes(deps));
  app.route("/", metricsRoutes(metrics));
  app.route("/", docsRoutes(app, { trustProxy: config.ML_TRUST_PROXY }));
  const ui = dashboard(deps);
  app.route("/", ui.routes);

  app.notFound((c) =>
    isUiPath(c.req.path)
      ? ui.notFound(c)
      : c.json(errorBody("not_found", `no route for ${c.req.method} ${clip(c.req.path, 200)}`), 404),
  );
  // pages answer errors with HTML (sign-in redirect, 403/404 pages); the API keeps its JSON contract
  app.onError((err, c) => (isUiPath(c.req.path) ? ui.onError(err, c) : handleError(err, c)));
  // the common POST /predict skips the chain above, with the same answers (src/http/fast-predict.ts)
  app.fetch = withFastPredict(
    {
      auth,
      log: deps.log,
      config,
      predict: { ...deps.runtime, db: deps.db, config, now: deps.now },
      observe: metrics.observe,
    },
    app.fetch as Parameters<typeof withFastPredict>[1],
  ) as typeof app.fetch;
  return app;
}

export type App = ReturnType<typeof createApp>;
