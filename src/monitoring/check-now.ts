/**
 * "Check drift now", shared by `POST /drift/check` and the Drift page's forms. A check raises
 * alerts and may queue a retrain, so the same people who may retrain a model may check it:
 * its owner, its maintainers and admins (403 otherwise, 404 for an unknown model). Checking every
 * model at once touches models of all owners, so it is for admins; it runs as a queued `drift` job.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { ServiceError } from "../errors";
import { enqueue, type JobRow } from "../jobs/queue";
import { type Actor, assertCanChangeModel, isAdmin } from "../registry/ownership";
import { type DriftCheckDeps, type DriftCheckResult, runDriftCheck } from "./check";

export interface CheckNowDeps {
  db: Kysely<DB>;
  now: () => Date;
  drift: DriftCheckDeps;
  /** wakes the job workers after a job was queued */
  kick: () => void;
}

export type CheckNowOutcome = { kind: "check"; result: DriftCheckResult } | { kind: "job"; job: JobRow };

/** One model inline (its result), or every model as a queued job (`modelKey` null). */
export async function checkDriftNow(
  deps: CheckNowDeps,
  actor: Actor,
  modelKey: string | null,
): Promise<CheckNowOutcome> {
  if (modelKey) {
    await assertCanChangeModel(deps.db, actor, modelKey, "check drift of");
    return { kind: "check", result: await runDriftCheck(deps.drift, modelKey) };
  }
  if (!isAdmin(actor)) {
    throw new ServiceError(403, "forbidden", "only admins may check drift of every model at once", {
      reason: "admin_only",
    });
  }
  const job = await enqueue(deps.db, {
    type: "drift",
    modelKey: null,
    version: null,
    params: { model_key: null },
    createdBy: actor.userId || null,
    now: deps.now().toISOString(),
  });
  deps.kick();
  return { kind: "job", job };
}
