import { driftCheckDeps } from "../jobs/drift";
import { createLogger } from "../log";
import { type DriftCheckResult, runAllDriftChecks, runDriftCheck, WINDOW_HOURS } from "../monitoring/check";
import { ModelCache } from "../registry/serving";
import { artifactStore } from "../storage/open";
import { openForCommand } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";

/** What scripts and the systemd timer read from the exit status. */
export const DRIFT_EXIT = { noDrift: 0, error: EXIT.failure, drift: 10, undecided: 11 } as const;

export function usage(): string {
  return `Usage: mlservice drift-check [--model KEY] [--json] [--no-retrain]

Checks the active version of one model (--model) or of every model for drift: its training
baseline against the inputs logged for it in the last ${WINDOW_HOURS} hours (PSI, Jensen–Shannon, KS).
The result is saved as the model's report of the day (a re-check the same day replaces it);
drift raises an alert and, where auto-retrain is on (ML_AUTO_RETRAIN or the model's
settings), queues a retrain job that a running \`mlservice serve\` starts within 30 seconds.
It may run beside the server on the same ML_DB_PATH (SQLite WAL).

  --model KEY    check this model only
  --json         print the results as one JSON object
  --no-retrain   report and alert, but never queue a retrain

Exit codes: 0 no drift (every model decided), 10 drift found in at least one model,
11 no drift found but some model could not be decided (no traffic, too few rows, no
baseline), 1 error (unknown model, database), 2 bad arguments, 3 bad configuration.

Examples:
  mlservice drift-check
  mlservice drift-check --model churn --json
  ML_DB_PATH=/var/lib/mlservice/ml_store.db mlservice drift-check --no-retrain`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, flags, positional, unknown } = parseArgs(args, {
    values: ["model"],
    flags: ["json", "no-retrain"],
  });
  if (unknown.length || positional.length) {
    io.err(`mlservice drift-check: ${[...unknown, ...positional.map((p) => `unexpected argument ${p}`)].join("; ")}`);
    return EXIT.usage;
  }
  const opened = await openForCommand(io);
  if (typeof opened === "number") return opened;
  const { config, store } = opened;
  try {
    const deps = driftCheckDeps({
      db: store.db,
      driftWindow: store.stores.driftWindow,
      config,
      models: new ModelCache(store.db, artifactStore(config)),
      now: () => new Date(),
      log: createLogger("error", () => {}),
      retrain: !flags.has("no-retrain"),
    });
    let results: DriftCheckResult[];
    let errors: { model_key: string; error: string }[] = [];
    if (values.model !== undefined) results = [await runDriftCheck(deps, values.model)];
    else ({ results, errors } = await runAllDriftChecks(deps));
    const code = exitCode(results, errors.length);
    if (flags.has("json")) {
      const summaries = results.map(({ report, ...r }) => ({ ...r, features: report?.features ?? [] }));
      io.out(JSON.stringify({ exit_code: code, results: summaries, errors }));
    } else {
      if (results.length === 0 && errors.length === 0) io.out("no models to check");
      for (const r of results) io.out(line(r));
      for (const e of errors) io.err(`${e.model_key}: error: ${e.error}`);
    }
    return code;
  } catch (e) {
    io.err(`mlservice drift-check: ${(e as Error).message}`);
    return DRIFT_EXIT.error;
  } finally {
    await store.close();
  }
}

function exitCode(results: DriftCheckResult[], errors: number): number {
  if (results.some((r) => r.drifted === true)) return DRIFT_EXIT.drift;
  if (errors > 0) return DRIFT_EXIT.error;
  if (results.some((r) => r.status === "undecided")) return DRIFT_EXIT.undecided;
  return DRIFT_EXIT.noDrift;
}

function line(r: DriftCheckResult): string {
  const verdict = r.drifted === true ? "DRIFT" : r.drifted === false ? "ok" : "undecided";
  const extra = [
    r.alert_id !== null ? `alert ${r.alert_id}` : "",
    r.retrain_job_id ? `retrain ${r.retrain_job_id}` : "",
  ].filter(Boolean);
  return `${r.model_key} ${r.version ?? "-"} ${r.check_date}: ${verdict}, ${r.rows} rows: ${r.reason}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}
