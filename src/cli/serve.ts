import { createAppDeps } from "../app-deps";
import { bootstrapAdmin } from "../auth/bootstrap";
import { createAuthContext } from "../auth/context";
import { onNativeOutput } from "../compute/native-output";
import { computeOptions, describeCompute } from "../compute/pick";
import { redacted } from "../config";
import { EventBus } from "../events/bus";
import { EventLog } from "../events/log";
import { connectRelay } from "../events/relay";
import { createApp } from "../http/app";
import { websocket } from "../http/ws";
import { settlesWithin } from "../jobs/runner";
import { createLogger } from "../log";
import { type DemoDeps, demoDeps, startDemo } from "../monitoring/demo/mode";
import { startServiceSchedules } from "../monitoring/scheduler";
import { createRuntime } from "../runtime";
import { type configFromEnvironment, configWithWarnings, openStore, type TlsFiles, tlsFromConfig } from "../service";
import { checkRemoteStores } from "../storage/open";
import { VERSION } from "../version";
import { reportStartupError } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";
import { runsJobs, type Siblings, servingProcesses, startSiblings, watchParent } from "./serve-processes";
import { connectReplicas, parentRelay, SiblingHub } from "./serve-relay";

/**
 * Tells systemd (Type=notify) the service state: `READY=1` once listening, `STOPPING=1` at
 * shutdown. Only when $NOTIFY_SOCKET is set (systemd started us); Bun has no sd_notify and
 * node:dgram cannot send to a unix datagram socket, so this runs `systemd-notify`, present
 * wherever systemd is. The message then comes from a child process, hence NotifyAccess=all in
 * deploy/mlservice.service. Failures are logged, never fatal: systemd's start timeout tells.
 */
async function notifySystemd(
  env: Record<string, string | undefined>,
  args: string[],
  log: { warn(msg: string, fields?: Record<string, unknown>): void },
): Promise<void> {
  if (!env.NOTIFY_SOCKET) return;
  try {
    const proc = Bun.spawn(["systemd-notify", ...args], {
      env: env as Record<string, string>,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    const code = await proc.exited;
    if (code !== 0) {
      log.warn("systemd-notify failed", {
        args,
        exit_code: code,
        stderr: (await new Response(proc.stderr).text()).trim(),
      });
    }
  } catch (e) {
    log.warn("systemd-notify failed", { args, error: (e as Error).message });
  }
}

/** Demo models train like any job, after readiness: a failure is logged, never fatal. */
function startDemoInBackground(deps: DemoDeps, log: ReturnType<typeof createLogger>) {
  startDemo(deps).then(
    (r) => {
      if (r.seeded) log.info("demo models trained", { models: r.models });
    },
    (e) => log.error("demo mode could not train its models", { error: (e as Error).message }),
  );
}

export function usage(): string {
  return `Usage: mlservice serve [--port N] [--host ADDR] [--demo]

Starts the HTTP API, the dashboard, the job workers and the drift schedule. Settings come
from ML_* environment variables and an optional .env in the working directory (or the file
ML_ENV_FILE names), read as KEY=VALUE data; the flags override ML_SERVICE_PORT and
ML_SERVICE_HOST. ML_USE_HTTPS=true serves HTTPS with ML_SSL_CERT_FILE and ML_SSL_KEY_FILE
(PEM). ML_HTTP_PROCESSES processes serve the port (default 0: one per core, capped by memory at
one per 512 MiB; 1: a single process); each scheduled run happens once across the processes
sharing the database. Only the first ML_JOB_PROCESSES of them (default 1; 0: none, another box
runs the jobs) run jobs, each claimed by one process under a lease (ML_JOB_LEASE_S); the others
serve HTTP and hand what they queue to those at once. ML_ROLES=serve leaves fits to processes
with the train role; a train-only process is always one and always runs jobs. Logs are JSON lines on stdout. SIGTERM or SIGINT stops accepting connections and
closes WebSockets; in-flight requests and running jobs share one grace period
(ML_SHUTDOWN_TIMEOUT_MS), after which a job still running is aborted and marked failed
("the service stopped while this job was running"); then the database closes.

--demo (or ML_DEMO=true) is demo mode: at a first start (no model yet) it trains three demo
models from data inside the binary and feeds them some traffic; POST /demo/reset (admins) brings
them back to that state.

Exit codes: 0 clean shutdown, 1 cannot start (database, port in use), 2 bad arguments,
3 bad configuration.

Examples:
  mlservice serve
  ML_SERVICE_PORT=9000 ML_DB_PATH=/var/lib/mlservice/ml_store.db mlservice serve
  mlservice serve --port 0        # any free port; the log line says which`;
}

export async function run(args: string[], io: Io): Promise<number> {
  // --sibling K is how the first process starts the others (serve-processes.ts), not for people
  const { values, flags, unknown, positional } = parseArgs(args, {
    values: ["port", "host", "sibling"],
    flags: ["demo"],
  });
  const sibling = values.sibling === undefined ? null : Number(values.sibling);
  if (unknown.length || positional.length) {
    io.err(`mlservice serve: ${[...unknown, ...positional.map((p) => `unexpected argument ${p}`)].join("; ")}`);
    return EXIT.usage;
  }
  const env = { ...io.env };
  if (values.port !== undefined) env.ML_SERVICE_PORT = values.port;
  if (values.host !== undefined) env.ML_SERVICE_HOST = values.host;
  if (flags.has("demo")) env.ML_DEMO = "true";

  let config: ReturnType<typeof configFromEnvironment>;
  let warnings: string[];
  let store: Awaited<ReturnType<typeof openStore>>;
  let tls: TlsFiles | null;
  try {
    // --port 0 asks the kernel for a free port; the config schema itself requires 1..65535
    ({ config, warnings } = configWithWarnings(
      env.ML_SERVICE_PORT === "0" ? { ...env, ML_SERVICE_PORT: "1" } : env,
      io.cwd,
    ));
    tls = tlsFromConfig(config, io.cwd);
    store = await openStore(config);
  } catch (e) {
    return reportStartupError(e, io);
  }
  try {
    await checkRemoteStores(config);
  } catch (e) {
    await store.close();
    return reportStartupError(e, io);
  }
  const port = env.ML_SERVICE_PORT === "0" ? 0 : config.ML_SERVICE_PORT;
  const log = createLogger(config.ML_LOG_LEVEL);
  // the GPU library's own prints (Dawn, the Vulkan loader) join the JSON log at debug level
  onNativeOutput((line) => log.debug("gpu library output", { output: line.slice(0, 2000) }));
  if (warnings.length > 0) log.warn("settings not taken as written", { settings: warnings });
  const bus = new EventBus((e, type) => log.error("event subscriber failed", { type, error: String(e) }));
  // events cross the processes of this serve: siblings through the first, which relays (serve-relay.ts)
  const hub = sibling === null ? new SiblingHub() : null;
  const relay = hub ?? parentRelay();
  const offRelay = relay ? connectRelay(bus, relay) : () => {};
  // on PostgreSQL the first process also carries events to and from the other replicas
  let replicas: { close(): Promise<void> } | null = null;
  if (hub)
    try {
      replicas = await connectReplicas(bus, hub, config, log);
    } catch (e) {
      offRelay();
      await store.close();
      return reportStartupError(e, io);
    }
  // the first process has created the administrator before it started this one
  if (sibling === null)
    try {
      // a generated password goes to stdout as a plain line, once, never into the JSON log
      const admin = await bootstrapAdmin(createAuthContext({ db: store.db, config, log }, { bus }), io.out);
      for (const warning of admin.warnings) log.warn(warning);
      if (admin.created)
        log.info("system administrator created", { username: admin.username, generated: admin.generated });
    } catch (e) {
      await replicas?.close();
      await store.close();
      return reportStartupError(e, io);
    }
  const now = () => new Date();
  const runtime = createRuntime({ config, db: store.db, stores: store.stores, log, bus, now });
  const deps = createAppDeps({
    bus,
    config,
    db: store.db,
    stores: store.stores,
    log,
    now,
    runtime,
    startedAt: new Date(),
    describeCompute: () => describeCompute(computeOptions(config)),
  });
  const app = createApp(deps);
  // a train-only process serves no traffic worth spreading over cores: it stays alone
  const processes =
    sibling === null && config.ML_ROLES.includes("serve")
      ? servingProcesses(config.ML_HTTP_PROCESSES, config.ML_DB_PATH)
      : 1;
  // the first ML_JOB_PROCESSES run jobs (each claims under its lease); a train-only process always does
  const jobs = runsJobs(sibling ?? 0, config.ML_JOB_PROCESSES) || !config.ML_ROLES.includes("serve");
  try {
    await runtime.start({ primary: sibling === null, runsJobs: jobs });
  } catch (e) {
    await runtime.stop(0);
    await replicas?.close();
    await store.close();
    return reportStartupError(e, io);
  }

  let server: ReturnType<typeof Bun.serve>;
  const shared = sibling !== null || processes > 1;
  try {
    // with SO_REUSEPORT a bind no longer fails when another service of ours holds the port: ask first
    if (shared && sibling === null && port !== 0)
      Bun.serve({ hostname: config.ML_SERVICE_HOST, port, fetch: () => new Response() }).stop(true);
    server = Bun.serve({
      hostname: config.ML_SERVICE_HOST,
      port,
      fetch: app.fetch,
      websocket,
      reusePort: shared,
      ...(tls ? { tls } : {}),
    });
  } catch (e) {
    await runtime.stop(0);
    await replicas?.close();
    await store.close();
    const code = (e as { code?: string }).code;
    io.err(
      code === "EADDRINUSE"
        ? `mlservice: port ${port} on ${config.ML_SERVICE_HOST} is already in use; stop the other process or set ML_SERVICE_PORT`
        : `mlservice: cannot listen on ${config.ML_SERVICE_HOST}:${port}: ${(e as Error).message}`,
    );
    return EXIT.failure;
  }
  log.info("listening", {
    version: VERSION,
    ...(sibling === null ? { processes } : { sibling }),
    runs_jobs: jobs,
    url: `${tls ? "https" : "http"}://${config.ML_SERVICE_HOST}:${server.port}`,
    port: server.port,
    database: config.ML_DB_PATH,
    migrations_applied: store.migration.applied,
    config: redacted(config),
  });
  let siblings: Siblings | null = null;
  let schedules: { stop(): void } | null = null;
  let unwatch = () => {};
  // listening for the stop signal before telling anyone we are ready: a SIGTERM right after READY=1
  // (a supervisor, a test) must shut down cleanly, not kill the process with the default action
  const signal = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    if (sibling !== null) unwatch = watchParent(() => resolve("parent exited"));
  });
  if (sibling === null) {
    if (processes > 1) {
      siblings = startSiblings({
        count: processes - 1,
        port: server.port as number,
        host: config.ML_SERVICE_HOST,
        env: io.env,
        cwd: io.cwd,
        log,
        hub: hub ?? undefined,
      });
    }
    if (config.ML_DEMO) startDemoInBackground(demoDeps(deps), log);
    await notifySystemd(io.env, ["--ready", `--status=listening on port ${server.port}`], log);
    // the daily drift check, the hourly sweeps, the alert checks: each run claimed once across processes
    schedules = startServiceSchedules({
      config,
      db: store.db,
      log,
      drift: runtime.drift,
      owner: runtime.jobs.owner,
      alertChecks: () => runtime.checkAlerts(),
    });
  }
  await signal.then((s) => {
    unwatch();
    return s;
  });
  const grace = config.ML_SHUTDOWN_TIMEOUT_MS;
  log.info("shutting down", { signal: await signal, grace_ms: grace });
  if (sibling === null) await notifySystemd(io.env, ["STOPPING=1"], log);
  // one grace period for everything: WebSockets and live pages close now, in-flight requests and
  // running jobs share the period; a job still running near its end is aborted and failed
  bus.publish("service:stopping", { grace_ms: grace });
  schedules?.stop();
  const [drained] = await Promise.all([
    settlesWithin(server.stop(false), grace),
    runtime.jobs.stop(grace),
    siblings?.stop(),
  ]);
  if (!drained) await server.stop(true);
  // the prediction log is flushed, the serving backend released
  await runtime.stop(0);
  offRelay();
  await replicas?.close();
  await EventLog.flushAll();
  await store.close();
  log.info("stopped", { drained });
  // nothing should be left, but a thread a hung job left behind must not hold the exit past the grace
  setTimeout(() => process.exit(EXIT.ok), 1000).unref();
  return EXIT.ok;
}
